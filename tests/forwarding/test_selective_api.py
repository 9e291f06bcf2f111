"""Selective forwarding rules through the REST API and the portal: own extension for users, any for admins, 404 across tenants."""

from __future__ import annotations

import pytest
from django.test import Client

from centrex.api.scopes import Scope
from telephony.directory.models import Extension
from telephony.forwarding import services
from telephony.forwarding.choices import SelectiveMatch
from telephony.forwarding.models import ForwardingProfile, SelectiveRule
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet, logged_in

BASE = "/api/v1/forwarding-selective-rules"


@pytest.fixture
def user_client(acme: TenantSet) -> Client:
    return logged_in(acme.user)


def profile_2(tenants: TenantSet, extension: Extension) -> ForwardingProfile:
    return services.check_create_profile(tenants.tenant, actor=None, extension=extension, slot=2, name="Urlaub")


def default_of(extension: Extension) -> ForwardingProfile:
    return ForwardingProfile.objects.get(extension=extension, is_default=True)


def post(client: Client, body: dict) -> object:
    return client.post(f"{BASE}/", body, content_type="application/json")


def test_api_user_sets_lists_and_removes_rules_on_own_extension(
    acme: TenantSet, ext: Extension, colleague: Extension, user_client: Client
) -> None:
    profile = profile_2(acme, ext)
    # when the user forwards Munich to the colleague and lets the colleague's calls through
    munich = post(
        user_client,
        {
            "profile": str(profile.pk),
            "match": "prefix",
            "prefix": "0049 89",
            "condition": "always",
            "target": "number",
            "number": "1002",
        },
    )
    allowed = post(user_client, {"profile": str(profile.pk), "match": "extension", "extension": str(colleague.pk), "allow": True})
    # then
    assert munich.status_code == 201, munich.content
    assert munich.json() == {
        "id": munich.json()["id"],
        "profile": str(profile.pk),
        "match": "prefix",
        "extension": None,
        "extension_number": None,
        "contact": None,
        "contact_name": None,
        "prefix": "+4989",
        "allow": False,
        "condition": "always",
        "target": "number",
        "number": "1002",
        "no_answer_seconds": None,
    }
    assert allowed.status_code == 201, allowed.content
    assert (allowed.json()["extension_number"], allowed.json()["allow"], allowed.json()["condition"]) == ("1002", True, "")
    listed = user_client.get(f"{BASE}/?profile={profile.pk}").json()["results"]
    assert [(rule["match"], rule["prefix"], rule["extension_number"]) for rule in listed] == [
        ("prefix", "+4989", None),
        ("extension", "", "1002"),
    ]
    assert user_client.get(f"{BASE}/{allowed.json()['id']}/").json()["allow"] is True
    # and removes one
    assert user_client.delete(f"{BASE}/{munich.json()['id']}/").status_code == 204
    assert list(SelectiveRule.objects.values_list("match", flat=True)) == ["extension"]


def test_api_default_profile_refused_with_a_field_error(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    response = post(
        user_client, {"profile": str(default_of(ext).pk), "match": "anonymous", "condition": "always", "target": "voicemail"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "profile": ["The default profile cannot have selective rules; create another profile for them."]
    }
    assert not SelectiveRule.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"match": "prefix", "prefix": "49abc", "allow": True}, "prefix"),
        ({"match": "extension", "extension": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "allow": True}, "extension"),
        ({"match": "contact", "allow": True}, "contact"),
        ({"match": "anonymous", "condition": "no_answer", "target": "voicemail", "no_answer_seconds": 25}, "no_answer_seconds"),
        ({"match": "anonymous", "condition": "always", "target": "number"}, "number"),
        ({"match": "everybody", "allow": True}, "match"),
        ({"match": "anonymous", "allow": True, "colour": "red"}, "colour"),
    ],
)
def test_api_bad_rule_is_400_with_field_errors(
    acme: TenantSet, ext: Extension, user_client: Client, body: dict, field: str
) -> None:
    profile = profile_2(acme, ext)
    response = post(user_client, {"profile": str(profile.pk), **body})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not SelectiveRule.objects.exists()


def test_api_user_cannot_reach_another_users_extension(
    acme: TenantSet, ext: Extension, colleague: Extension, user_client: Client
) -> None:
    # given the colleague's profile 2 with a rule
    theirs = profile_2(acme, colleague)
    rule = services.check_set_selective_rule(
        acme.tenant, actor=None, profile=theirs, selection=services.CallerSelection(SelectiveMatch.ANONYMOUS), allow=True
    )
    # then the user neither sees nor changes it (404 as for ordinary rules), nor adds rules to that profile (400)
    assert user_client.get(f"{BASE}/{rule.pk}/").status_code == 404
    assert user_client.delete(f"{BASE}/{rule.pk}/").status_code == 404
    assert user_client.get(f"{BASE}/").json()["results"] == []
    response = post(user_client, {"profile": str(theirs.pk), "match": "internal", "allow": True})
    assert response.status_code == 400
    assert response.json()["errors"] == {"profile": ["Choose a forwarding profile of this company."]}
    assert list(SelectiveRule.objects.values_list("match", flat=True)) == ["anonymous"]


def test_api_admin_edits_any_extension(acme: TenantSet, ext: Extension, admin_client: Client) -> None:
    profile = profile_2(acme, ext)
    response = post(
        admin_client, {"profile": str(profile.pk), "match": "anonymous", "condition": "always", "target": "voicemail"}
    )
    assert response.status_code == 201, response.content
    assert SelectiveRule.objects.get().profile == profile


def test_api_other_tenant_gets_404_and_changes_nothing(acme: TenantSet, globex: TenantSet, ext: Extension) -> None:
    profile = profile_2(acme, ext)
    rule = services.check_set_selective_rule(
        acme.tenant, actor=None, profile=profile, selection=services.CallerSelection(SelectiveMatch.INTERNAL), allow=True
    )
    client = key_client(
        make_key(globex.tenant, globex.admin, [Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE, Scope.PERSONAL_WRITE])[1]
    )
    assert client.get(f"{BASE}/{rule.pk}/").status_code == 404
    assert client.delete(f"{BASE}/{rule.pk}/").status_code == 404
    assert client.get(f"{BASE}/?profile={profile.pk}").json()["results"] == []
    response = post(client, {"profile": str(profile.pk), "match": "anonymous", "allow": True})
    assert response.status_code == 400
    assert SelectiveRule.objects.count() == 1


def test_api_read_only_key_cannot_write(acme: TenantSet, ext: Extension) -> None:
    profile = profile_2(acme, ext)
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])
    assert client.get(f"{BASE}/").status_code == 200
    assert post(client, {"profile": str(profile.pk), "match": "anonymous", "allow": True}).status_code == 403
    assert not SelectiveRule.objects.exists()


# --- the portal page ---------------------------------------------------------------------------
def page(extension: Extension) -> str:
    return f"/portal/schedule/extensions/{extension.pk}/forwarding/"


def test_portal_admin_adds_lists_and_removes_a_selective_rule(acme: TenantSet, ext: Extension, admin_client: Client) -> None:
    profile = profile_2(acme, ext)
    # when the admin adds "+49 -> no answer after 10 s -> voicemail"
    response = admin_client.post(
        page(ext),
        {
            "action": "set_selective",
            "profile": str(profile.pk),
            "match": "prefix",
            "prefix": "+49",
            "condition": "no_answer",
            "target": "voicemail",
            "no_answer_seconds": "10",
        },
    )
    # then it is stored and listed
    assert response.status_code == 302
    rule = SelectiveRule.objects.get()
    assert (rule.match_prefix, rule.condition, rule.no_answer_seconds) == ("+49", "no_answer", 10)
    content = admin_client.get(page(ext)).content.decode()
    assert "Selective rules" in content and "+49" in content
    # and removed
    assert admin_client.post(page(ext), {"action": "delete_selective", "rule": str(rule.pk)}).status_code == 302
    assert not SelectiveRule.objects.exists()


def test_portal_bad_prefix_shows_the_field_error(acme: TenantSet, ext: Extension, admin_client: Client) -> None:
    profile = profile_2(acme, ext)
    response = admin_client.post(
        page(ext), {"action": "set_selective", "profile": str(profile.pk), "match": "prefix", "prefix": "abc", "allow": "on"}
    )
    assert response.status_code == 400
    assert "Give a number or prefix in international form" in response.content.decode()
    assert not SelectiveRule.objects.exists()


def test_portal_default_profile_is_not_offered(acme: TenantSet, ext: Extension, admin_client: Client) -> None:
    content = admin_client.get(page(ext)).content.decode()
    assert "Create a profile besides the default one to add selective rules." in content
    response = admin_client.post(
        page(ext), {"action": "set_selective", "profile": str(default_of(ext).pk), "match": "anonymous", "allow": "on"}
    )
    assert response.status_code == 400
    assert not SelectiveRule.objects.exists()


def test_portal_offers_company_contacts_but_not_the_users_private_ones(
    acme: TenantSet, ext: Extension, admin_client: Client
) -> None:
    from telephony.contacts import services as contacts

    company = contacts.check_create_contact(
        acme.tenant,
        actor=acme.admin,
        data=contacts.ContactInput(name="Supplier", numbers=[("work", "+4930123456")]),
        is_global=True,
    )
    contacts.check_create_contact(
        acme.tenant, actor=acme.user, data=contacts.ContactInput(name="Mum", numbers=[("work", "+4940111111")]), is_global=False
    )
    profile = profile_2(acme, ext)
    content = admin_client.get(page(ext)).content.decode()
    assert "Supplier" in content and "Mum" not in content
    # the company contact becomes a rule through the page
    response = admin_client.post(
        page(ext),
        {
            "action": "set_selective",
            "profile": str(profile.pk),
            "match": "contact",
            "contact": str(company.pk),
            "condition": "always",
            "target": "busy",
        },
    )
    assert response.status_code == 302
    assert SelectiveRule.objects.get().match_contact == company


def test_api_shows_a_private_contacts_name_to_its_owner_only(
    acme: TenantSet, ext: Extension, user_client: Client, admin_client: Client
) -> None:
    from telephony.contacts import services as contacts

    # given the user's rule on a private contact
    private = contacts.check_create_contact(
        acme.tenant, actor=acme.user, data=contacts.ContactInput(name="Dr. X", numbers=[("work", "+4940111111")]), is_global=False
    )
    profile = profile_2(acme, ext)
    assert (
        post(user_client, {"profile": str(profile.pk), "match": "contact", "contact": str(private.pk), "allow": True}).status_code
        == 201
    )
    # then the user sees its name, the admin only that it is a contact
    mine = user_client.get(f"{BASE}/").json()["results"]
    theirs = admin_client.get(f"{BASE}/").json()["results"]
    assert [(r["contact"], r["contact_name"]) for r in mine] == [(str(private.pk), "Dr. X")]
    assert [(r["contact"], r["contact_name"]) for r in theirs] == [(str(private.pk), None)]
    assert "Dr. X" not in admin_client.get(f"/portal/schedule/extensions/{ext.pk}/forwarding/").content.decode()
