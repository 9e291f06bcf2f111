"""Portal pages of tenant admins: extensions, devices with one-time passwords, numbers, telephony settings."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time

import pytest
from django.urls import reverse

from telephony.directory import selectors
from telephony.directory.choices import DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber
from telephony.freeswitch import livestate
from tests.conftest import logged_in
from tests.directory.conftest import make_device, make_extension, make_number

pytestmark = pytest.mark.django_db


def _shown_password(html: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert match, "the page shows no password"
    return match.group(1)


def test_extension_list_shows_extensions_of_own_tenant_only(acme, globex, acme_admin):
    # given
    make_device(acme, make_extension(acme, "1001", display_name="Anna Acme"))
    make_extension(globex, "2002", display_name="Gustav Globex")
    # when
    response = acme_admin.get(reverse("directory:extension-list"))
    # then
    assert response.status_code == 200
    assert "Anna Acme" in response.text and "not registered" in response.text
    assert "Gustav Globex" not in response.text


def test_extension_pages_need_an_admin(acme):
    # given an end user
    client = logged_in(acme.user)
    # when
    response = client.get(reverse("directory:extension-list"))
    # then
    assert response.status_code == 403


def test_create_extension_with_device_shows_password_once(acme, acme_admin):
    # when
    response = acme_admin.post(
        reverse("directory:extension-create"),
        {
            "number": "1001",
            "display_name": "Anna Weber",
            "user": str(acme.user.pk),
            "caller_id_mode": "own",
            "class_of_service": "national",
            "create_device": "on",
        },
    )
    # then the page shows the generated password, which matches the stored hash
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = _shown_password(response.text)
    device = Device.objects.get(tenant=acme.tenant, sip_username="1001")
    assert device.sip_ha1 == hashlib.md5(f"1001:{acme.tenant.sip_domain}:{password}".encode()).hexdigest()
    # and it is never shown again
    detail = acme_admin.get(reverse("directory:device-detail", args=[device.pk]))
    assert password not in detail.text
    assert password not in acme_admin.get(reverse("directory:extension-detail", args=[device.extension_id])).text


def test_create_extension_with_emergency_number_shows_error(acme, acme_admin):
    # when
    response = acme_admin.post(
        reverse("directory:extension-create"),
        {"number": "112", "display_name": "Nope", "caller_id_mode": "own", "class_of_service": "national"},
    )
    # then
    assert response.status_code == 200
    assert "emergency number" in response.text
    assert not Extension.objects.exists()


def test_create_extension_with_user_of_other_tenant_is_refused(acme, globex, acme_admin):
    # when
    response = acme_admin.post(
        reverse("directory:extension-create"),
        {
            "number": "1001",
            "display_name": "X",
            "user": str(globex.user.pk),
            "caller_id_mode": "own",
            "class_of_service": "national",
        },
    )
    # then
    assert response.status_code == 200
    assert "errors" in response.text
    assert not Extension.objects.exists()


def test_edit_extension_changes_class_of_service(acme, acme_admin):
    # given
    extension = make_extension(acme, "1001")
    # when
    response = acme_admin.post(
        reverse("directory:extension-detail", args=[extension.pk]),
        {
            "action": "update",
            "number": "1001",
            "display_name": "Anna",
            "caller_id_mode": "withheld",
            "class_of_service": "international",
        },
    )
    # then
    assert response.status_code == 302
    extension.refresh_from_db()
    assert (extension.display_name, extension.caller_id_mode, extension.class_of_service) == ("Anna", "withheld", "international")


def test_edit_extension_duplicate_number_shows_error(acme, acme_admin):
    # given
    make_extension(acme, "1001")
    second = make_extension(acme, "1002")
    # when
    response = acme_admin.post(
        reverse("directory:extension-detail", args=[second.pk]),
        {"action": "update", "number": "1001", "display_name": "X", "caller_id_mode": "own", "class_of_service": "national"},
    )
    # then
    assert response.status_code == 200
    assert "already exists" in response.text
    second.refresh_from_db()
    assert second.number == "1002"


def test_delete_extension_asks_then_deletes(acme, acme_admin):
    # given
    extension = make_extension(acme, "1001")
    url = reverse("directory:extension-delete", args=[extension.pk])
    # when
    confirmation = acme_admin.get(url)
    response = acme_admin.post(url)
    # then
    assert confirmation.status_code == 200 and "1001" in confirmation.text
    assert response.status_code == 302
    assert not Extension.objects.exists()


def test_add_device_and_reset_password_show_new_password(acme, acme_admin):
    # given
    extension = make_extension(acme, "1001")
    make_device(acme, extension)
    # when a second device is added
    added = acme_admin.post(reverse("directory:extension-detail", args=[extension.pk]), {"action": "add_device"})
    # then
    first_password = _shown_password(added.text)
    device = Device.objects.get(sip_username="1001-2")
    # when its password is reset
    reset = acme_admin.post(reverse("directory:device-detail", args=[device.pk]), {"action": "reset_password"})
    # then a new password is shown and stored as hash
    new_password = _shown_password(reset.text)
    assert new_password != first_password
    device.refresh_from_db()
    assert device.sip_ha1 == hashlib.md5(f"1001-2:{acme.tenant.sip_domain}:{new_password}".encode()).hexdigest()


def test_delete_device(acme, acme_admin):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    # when
    response = acme_admin.post(reverse("directory:device-detail", args=[device.pk]), {"action": "delete"})
    # then
    assert response.status_code == 302
    assert not Device.objects.exists()


def test_route_number_to_extension(acme, acme_admin):
    # given
    extension = make_extension(acme, "1001")
    number = make_number(acme, "+49301234567")
    # when
    response = acme_admin.post(
        reverse("directory:number-detail", args=[number.pk]),
        {"label": "Reception", "destination_kind": "extension", "destination_extension": str(extension.pk)},
    )
    # then
    assert response.status_code == 302
    number.refresh_from_db()
    assert (number.label, number.destination_kind, number.destination_extension) == (
        "Reception",
        DestinationKind.EXTENSION,
        extension,
    )
    assert "+49 30 1234567" in acme_admin.get(reverse("directory:number-list")).text


def test_route_number_to_extension_without_extension_shows_error(acme, acme_admin):
    # given
    number = make_number(acme, "+49301234567")
    # when
    response = acme_admin.post(reverse("directory:number-detail", args=[number.pk]), {"destination_kind": "extension"})
    # then
    assert response.status_code == 200
    assert "Choose the extension" in response.text
    assert PhoneNumber.objects.get(pk=number.pk).destination_kind == DestinationKind.NONE


def test_settings_page_saves_access_code_and_shows_reminder(acme, acme_admin):
    # given
    number = make_number(acme, "+49301234567")
    # when
    response = acme_admin.post(
        reverse("directory:settings"),
        {"access_code_required": "on", "max_outside_calls": "5", "main_number": str(number.pk)},
    )
    # then
    assert response.status_code == 302
    row = selectors.telephony_settings(acme.tenant)
    assert (row.access_code_required, row.max_outside_calls, row.main_number) == (True, 5, number)
    page = acme_admin.get(reverse("directory:settings"))
    assert "must start with 0" in page.text


def test_settings_page_refuses_other_tenants_number(acme, globex, acme_admin):
    # given
    foreign = make_number(globex, "+49301234567")
    # when
    response = acme_admin.post(reverse("directory:settings"), {"max_outside_calls": "5", "main_number": str(foreign.pk)})
    # then
    assert response.status_code == 200
    assert selectors.telephony_settings(acme.tenant).main_number is None


@pytest.mark.parametrize("name", ["directory:extension-detail", "directory:extension-delete"])
def test_other_tenants_extension_is_not_found(acme, globex, acme_admin, name):
    # given
    foreign = make_extension(globex, "1001")
    # when
    get = acme_admin.get(reverse(name, args=[foreign.pk]))
    post = acme_admin.post(reverse(name, args=[foreign.pk]), {"action": "add_device"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert Extension.objects.filter(pk=foreign.pk).exists() and not Device.objects.exists()


def test_other_tenants_device_and_number_are_not_found(acme, globex, acme_admin):
    # given
    device, _password = make_device(globex, make_extension(globex, "1001"))
    number = make_number(globex, "+49301234567")
    # when
    reset = acme_admin.post(reverse("directory:device-detail", args=[device.pk]), {"action": "reset_password"})
    route = acme_admin.post(reverse("directory:number-detail", args=[number.pk]), {"destination_kind": "none"})
    # then
    assert (reset.status_code, route.status_code) == (404, 404)
    assert Device.objects.get(pk=device.pk).sip_ha1 == device.sip_ha1


def test_admin_of_other_tenant_sees_no_foreign_choices(acme, globex, acme_admin):
    # given
    make_extension(globex, "1001", display_name="Gustav Globex")
    make_number(globex, "+49301234567")
    # when
    page = acme_admin.get(reverse("directory:extension-create"))
    # then neither globex's users nor numbers are offered
    assert page.status_code == 200 and str(acme.user) in page.text
    assert str(globex.user) not in page.text and "+49301234567" not in page.text


def _register(tenant_id: str, sip_user: str, **contact: object) -> None:
    """Store a registration the way the switch gateway does (real Redis live state)."""

    async def write() -> None:
        writer = livestate.LiveStateWriter()
        try:
            await writer.register(tenant_id, sip_user, "call-1@192.0.2.10", dict(contact), now=time.time())
        finally:
            await writer.close()

    asyncio.run(write())


def test_extension_list_shows_live_registration(acme, globex, acme_admin):
    # given 1001 registered from a desk phone, and globex's 1001 registered elsewhere
    extension = make_extension(acme, "1001", display_name="Anna Acme")
    make_device(acme, extension)
    make_device(acme, extension)
    contact = {"contact": "sip:1001@192.0.2.10:5062", "network_port": 5062, "expires_at": time.time() + 600}
    _register(str(acme.tenant.pk), "1001", network_ip="192.0.2.10", user_agent="Yealink T54W", **contact)
    make_device(globex, make_extension(globex, "1001"))
    _register(str(globex.tenant.pk), "1001", network_ip="198.51.100.77", user_agent="Globex phone", **contact)
    # when
    listing = acme_admin.get(reverse("directory:extension-list"))
    detail = acme_admin.get(reverse("directory:extension-detail", args=[extension.pk]))
    # then the first device shows where it registered from; the second does not, and nothing of globex shows
    for page in (listing, detail):
        assert "192.0.2.10:5062" in page.text and "Yealink T54W" in page.text
        assert "198.51.100.77" not in page.text and "Globex phone" not in page.text
    assert "not registered" in listing.text  # 1001-2


def test_extension_list_query_count_does_not_grow_with_extensions(acme, acme_admin, django_assert_max_num_queries):
    # given many extensions with devices
    for number in range(1001, 1021):
        make_device(acme, make_extension(acme, str(number)))
    # when / then a page costs a fixed number of queries (session, user, tenant, page, devices)
    with django_assert_max_num_queries(14):
        response = acme_admin.get(reverse("directory:extension-list"))
    assert response.status_code == 200 and response.text.count("not registered") == 20


@pytest.mark.parametrize(("language", "heading"), [("de", "Nebenstellen"), ("fr", "Aucune extension pour l'instant.")])
def test_extension_list_is_translated(acme, acme_admin, language, heading):
    # when
    response = acme_admin.get(reverse("directory:extension-list"), HTTP_ACCEPT_LANGUAGE=language)
    # then
    assert heading in response.text.replace("&#x27;", "'")
