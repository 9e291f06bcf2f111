"""REST API of the directory: extensions, devices (one-time passwords), numbers, settings; scopes and isolation."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from centrex.api.scopes import Scope
from telephony.directory import selectors
from telephony.directory.models import Device, Extension
from tests.api.conftest import key_client, make_key
from tests.directory.conftest import make_device, make_extension, make_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_api(acme) -> APIClient:
    return key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE])[1])


@pytest.fixture
def acme_reader(acme) -> APIClient:
    return key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])


def test_create_extension_via_api(acme, acme_api):
    # when
    response = acme_api.post(
        "/api/v1/extensions/", {"number": "1001", "display_name": "Anna", "user": str(acme.user.pk)}, format="json"
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "1001" and response.json()["devices"] == []
    assert Extension.objects.for_tenant(acme.tenant).get(number="1001").user == acme.user


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "112", "display_name": "X"}, "number"),
        ({"number": "0123", "display_name": "X"}, "number"),
        ({"number": "1001", "display_name": "X", "class_of_service": "galactic"}, "class_of_service"),
        ({"number": "1001", "display_name": "X", "colour": "red"}, "colour"),
    ],
)
def test_create_extension_bad_input_answers_400_with_field(acme, acme_api, payload, field):
    # when
    response = acme_api.post("/api/v1/extensions/", payload, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Extension.objects.exists()


def test_create_extension_with_other_tenants_user_or_number_answers_400(acme, globex, acme_api):
    # given
    foreign_number = make_number(globex, "+49301234567")
    # when
    user = acme_api.post(
        "/api/v1/extensions/", {"number": "1001", "display_name": "X", "user": str(globex.user.pk)}, format="json"
    )
    number = acme_api.post(
        "/api/v1/extensions/", {"number": "1001", "display_name": "X", "outbound_number": str(foreign_number.pk)}, format="json"
    )
    # then
    assert user.status_code == 400 and "user" in user.json()["errors"]
    assert number.status_code == 400 and "outbound_number" in number.json()["errors"]
    assert not Extension.objects.exists()


def test_read_scope_cannot_write(acme, acme_reader):
    # given
    make_extension(acme, "1001")
    # when
    listing = acme_reader.get("/api/v1/extensions/")
    write = acme_reader.post("/api/v1/extensions/", {"number": "1002", "display_name": "X"}, format="json")
    # then
    assert listing.status_code == 200 and [item["number"] for item in listing.json()["results"]] == ["1001"]
    assert write.status_code == 403
    assert Extension.objects.count() == 1


def test_key_without_directory_scope_cannot_read(acme):
    # given
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.CALLS_READ])[1])
    # when
    response = client.get("/api/v1/extensions/")
    # then
    assert response.status_code == 403


def test_create_device_returns_password_once(acme, acme_api):
    # given
    extension = make_extension(acme, "1001")
    # when
    created = acme_api.post("/api/v1/devices/", {"extension": str(extension.pk), "name": "Desk"}, format="json")
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sip_username"] == "1001" and len(body["sip_password"]) >= 20
    device = Device.objects.get(pk=body["id"])
    assert device.sip_ha1 == hashlib.md5(f"1001:{acme.tenant.sip_domain}:{body['sip_password']}".encode()).hexdigest()
    # and reading the device never shows it again
    shown = acme_api.get(f"/api/v1/devices/{device.pk}/").json()
    assert "sip_password" not in shown and "sip_ha1" not in shown


def test_reset_password_with_explicit_password(acme, acme_api):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    # when
    response = acme_api.post(f"/api/v1/devices/{device.pk}/reset-password/", {"password": "secret1001"}, format="json")
    # then
    assert response.status_code == 200 and response.json()["sip_password"] == "secret1001"
    device.refresh_from_db()
    assert device.sip_ha1 == hashlib.md5(f"1001:{acme.tenant.sip_domain}:secret1001".encode()).hexdigest()


def test_reset_password_too_short_answers_400_and_keeps_hash(acme, acme_api):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    # when
    response = acme_api.post(f"/api/v1/devices/{device.pk}/reset-password/", {"password": "short"}, format="json")
    # then
    assert response.status_code == 400 and "password" in response.json()["errors"]
    assert Device.objects.get(pk=device.pk).sip_ha1 == device.sip_ha1


def test_route_phone_number_via_api(acme, acme_api):
    # given
    extension = make_extension(acme, "1001")
    number = make_number(acme, "+49301234567")
    # when
    response = acme_api.patch(
        f"/api/v1/phone-numbers/{number.pk}/",
        {"destination_kind": "extension", "destination_extension": str(extension.pk)},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["number"] == "+49301234567"
    number.refresh_from_db()
    assert number.destination_extension == extension


def test_route_phone_number_to_group_via_phone_numbers_is_400_pointing_at_number_routing(acme, acme_api):
    # given
    number = make_number(acme, "+49301234568")
    # when
    response = acme_api.patch(f"/api/v1/phone-numbers/{number.pk}/", {"destination_kind": "group"}, format="json")
    # then the answer names the resource that does it, and nothing changed
    assert response.status_code == 400
    assert "number-routing" in str(response.json())
    number.refresh_from_db()
    assert number.destination_kind == "none"


def test_telephony_settings_via_api(acme, acme_api):
    # given
    row = selectors.telephony_settings(acme.tenant)
    # when
    listing = acme_api.get("/api/v1/telephony-settings/")
    changed = acme_api.patch(f"/api/v1/telephony-settings/{row.pk}/", {"access_code_required": True}, format="json")
    bad = acme_api.patch(f"/api/v1/telephony-settings/{row.pk}/", {"max_outside_calls": -3}, format="json")
    # then
    assert [item["id"] for item in listing.json()["results"]] == [row.pk]
    assert changed.status_code == 200 and changed.json()["access_code_required"] is True
    assert bad.status_code == 400
    assert selectors.telephony_settings(acme.tenant).max_outside_calls == 10


def test_other_tenants_objects_are_not_found(acme, globex, acme_api):
    # given
    extension = make_extension(globex, "1001")
    device, _password = make_device(globex, extension)
    number = make_number(globex, "+49301234567")
    settings_row = selectors.telephony_settings(globex.tenant)
    # when
    answers = [
        acme_api.get(f"/api/v1/extensions/{extension.pk}/").status_code,
        acme_api.patch(f"/api/v1/extensions/{extension.pk}/", {"display_name": "Hijacked"}, format="json").status_code,
        acme_api.delete(f"/api/v1/extensions/{extension.pk}/").status_code,
        acme_api.post(f"/api/v1/devices/{device.pk}/reset-password/", {}, format="json").status_code,
        acme_api.get(f"/api/v1/phone-numbers/{number.pk}/").status_code,
        acme_api.patch(f"/api/v1/telephony-settings/{settings_row.pk}/", {"max_outside_calls": 1}, format="json").status_code,
    ]
    # then
    assert answers == [404] * 6
    extension.refresh_from_db()
    assert extension.display_name == "Extension 1001"
    assert Device.objects.get(pk=device.pk).sip_ha1 == device.sip_ha1


def test_create_device_for_other_tenants_extension_answers_400(acme, globex, acme_api):
    # given
    extension = make_extension(globex, "1001")
    # when
    response = acme_api.post("/api/v1/devices/", {"extension": str(extension.pk)}, format="json")
    # then
    assert response.status_code == 400 and "extension" in response.json()["errors"]
    assert not Device.objects.exists()


def test_moving_device_to_another_extension_answers_400(acme, acme_api):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    other = make_extension(acme, "1002")
    # when
    response = acme_api.patch(f"/api/v1/devices/{device.pk}/", {"extension": str(other.pk), "name": "Moved"}, format="json")
    # then
    assert response.status_code == 400 and "extension" in str(response.json()["errors"])
    device.refresh_from_db()
    assert (device.extension_id, device.name) == (device.extension_id, "")
