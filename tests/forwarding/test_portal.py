"""The admin's forwarding page of an extension: profiles with their rules, create/activate/delete, rules, DND."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from telephony.directory.models import Extension
from telephony.forwarding.models import ForwardingProfile, ForwardingRule, PersonalSettings
from tests.conftest import TenantSet, logged_in
from tests.forwarding.conftest import make_extension


def page(extension: Extension) -> str:
    return reverse("forwarding:extension-forwarding", kwargs={"extension_id": extension.pk})


def test_portal_extension_detail_links_to_forwarding(admin_client: Client, ext: Extension) -> None:
    response = admin_client.get(reverse("directory:extension-detail", kwargs={"extension_id": ext.pk}))
    assert page(ext) in response.content.decode()


def test_portal_admin_creates_profile_sets_rule_activates_and_deletes(admin_client: Client, ext: Extension) -> None:
    # given the page with the default profile
    response = admin_client.get(page(ext))
    assert response.status_code == 200
    assert "Default profile" in response.content.decode()
    # when the admin creates profile 2, sets "always → 0049892343123" on it and activates it
    response = admin_client.post(page(ext), {"action": "create", "slot": "2", "name": "Urlaub", "colour": "#1e88e5"})
    assert response.status_code == 302
    holiday = ForwardingProfile.objects.get(extension=ext, slot=2)
    response = admin_client.post(
        page(ext),
        {"action": "set_rule", "profile": str(holiday.pk), "condition": "always", "target": "number", "number": "0049892343123"},
    )
    assert response.status_code == 302
    admin_client.post(page(ext), {"action": "activate", "profile": str(holiday.pk)})
    # then the page lists it, active, with its rule
    text = admin_client.get(page(ext)).content.decode()
    assert "Urlaub" in text and "+49892343123" in text
    assert ForwardingProfile.objects.get(extension=ext, is_active=True).slot == 2
    # clearing the rule and deleting the profile brings back the default profile
    admin_client.post(page(ext), {"action": "clear_rule", "profile": str(holiday.pk), "condition": "always"})
    assert not ForwardingRule.objects.exists()
    admin_client.post(page(ext), {"action": "delete", "profile": str(holiday.pk)})
    assert list(ForwardingProfile.objects.filter(extension=ext).values_list("slot", "is_active")) == [(0, True)]


def test_portal_bad_rule_shows_the_error_and_changes_nothing(admin_client: Client, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    response = admin_client.post(
        page(ext), {"action": "set_rule", "profile": str(default.pk), "condition": "always", "target": "number", "number": "4711"}
    )
    assert response.status_code == 400
    assert "There is no extension 4711." in response.content.decode()
    assert not ForwardingRule.objects.exists()


def test_portal_default_profile_cannot_be_deleted(admin_client: Client, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    response = admin_client.post(page(ext), {"action": "delete", "profile": str(default.pk)}, follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert ForwardingProfile.objects.filter(pk=default.pk).exists()


def test_portal_dnd_toggle(admin_client: Client, ext: Extension) -> None:
    admin_client.post(page(ext), {"action": "dnd", "dnd": "on"})
    assert PersonalSettings.objects.get(extension=ext).dnd is True
    assert "Turn do not disturb off" in admin_client.get(page(ext)).content.decode()
    admin_client.post(page(ext), {"action": "dnd", "dnd": "off"})
    assert PersonalSettings.objects.get(extension=ext).dnd is False


def test_portal_profile_of_another_extension_is_404(admin_client: Client, acme: TenantSet, ext: Extension) -> None:
    other = make_extension(acme, "1007")
    theirs = ForwardingProfile.objects.get(extension=other)
    response = admin_client.post(page(ext), {"action": "activate", "profile": str(theirs.pk)})
    assert response.status_code == 404


def test_portal_end_user_gets_403(acme: TenantSet, ext: Extension) -> None:
    assert logged_in(acme.user).get(page(ext)).status_code == 403


def test_portal_other_tenants_extension_is_404(globex: TenantSet, ext: Extension) -> None:
    assert logged_in(globex.admin).get(page(ext)).status_code == 404


def test_portal_page_in_german(admin_client: Client, ext: Extension) -> None:
    response = admin_client.get(page(ext), HTTP_ACCEPT_LANGUAGE="de")
    assert "Rufumleitung" in response.content.decode()
