"""Call options through the REST API: users their own extensions, admins every one; the PIN is never shown."""

from __future__ import annotations

import pytest
from django.test import Client

from telephony.directory import services
from telephony.directory.models import Device, Extension
from tenants import services as tenants
from tenants.choices import Feature
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet, logged_in
from tests.forwarding.conftest import make_extension

BASE = "/api/v1"


@pytest.fixture
def ext(acme: TenantSet) -> Extension:
    extension = make_extension(acme, "1001", user=acme.user)
    services.check_create_device(acme.tenant, actor=acme.admin, extension=extension)
    return extension


@pytest.fixture
def user_client(acme: TenantSet) -> Client:
    return logged_in(acme.user)


def fresh(extension: Extension) -> Extension:
    return Extension.objects.get(pk=extension.pk)


def test_api_user_reads_and_changes_own_call_options(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    # given
    softphone, _password = services.check_create_device(acme.tenant, actor=acme.admin, extension=ext)
    # when
    response = user_client.patch(
        f"{BASE}/call-options/{ext.pk}/",
        {
            "call_waiting": True,
            "intercom": True,
            "parallel_ring_target": "0170 1234567",
            "primary_device": str(softphone.pk),
            "voicemail_pin": "4711",
        },
        content_type="application/json",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "extension": str(ext.pk),
        "extension_number": "1001",
        "call_waiting": True,
        "intercom": True,
        "primary_device": str(softphone.pk),
        "parallel_ring_target": "+491701234567",
        "voicemail_pin_set": True,
    }
    assert b"4711" not in response.content
    assert fresh(ext).voicemail_pin_set
    listed = user_client.get(f"{BASE}/call-options/").json()["results"]
    assert [row["extension_number"] for row in listed] == ["1001"]


def test_api_user_cannot_reach_another_users_extension(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    colleague = make_extension(acme, "1002", user=acme.other_user)
    assert user_client.get(f"{BASE}/call-options/{colleague.pk}/").status_code == 404
    response = user_client.patch(f"{BASE}/call-options/{colleague.pk}/", {"intercom": True}, content_type="application/json")
    assert response.status_code == 404
    assert fresh(colleague).intercom is False


def test_api_admin_reaches_every_extension_but_not_another_tenants(
    acme: TenantSet, globex: TenantSet, ext: Extension, acme_api
) -> None:
    colleague = make_extension(acme, "1002", user=acme.other_user)
    foreign = make_extension(globex, "1001")
    response = acme_api.patch(f"{BASE}/call-options/{colleague.pk}/", {"call_waiting": True}, format="json")
    assert response.status_code == 200
    assert fresh(colleague).call_waiting is True
    # another tenant's extension: 404 for reading and writing, nothing changed
    assert acme_api.get(f"{BASE}/call-options/{foreign.pk}/").status_code == 404
    response = acme_api.patch(f"{BASE}/call-options/{foreign.pk}/", {"call_waiting": True}, format="json")
    assert response.status_code == 404
    assert fresh(foreign).call_waiting is False
    assert {row["extension_number"] for row in acme_api.get(f"{BASE}/call-options/").json()["results"]} == {"1001", "1002"}


def test_api_bad_pin_is_a_field_error_and_changes_nothing(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    # when a valid change comes with a bad PIN
    response = user_client.patch(
        f"{BASE}/call-options/{ext.pk}/", {"call_waiting": True, "voicemail_pin": "1111"}, content_type="application/json"
    )
    # then a field error, and not even the valid part is stored
    assert response.status_code == 400
    assert response.json() == {"errors": {"voicemail_pin": ["A PIN must not repeat one digit only."]}}
    assert fresh(ext).call_waiting is False
    assert not fresh(ext).voicemail_pin_set


def test_api_bad_parallel_target_is_a_field_error(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    response = user_client.patch(
        f"{BASE}/call-options/{ext.pk}/", {"parallel_ring_target": "99"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["parallel_ring_target"]


def test_api_read_only_key_cannot_change(acme: TenantSet, ext: Extension) -> None:
    # given an admin's key that may read the directory only
    client = key_client(make_key(acme.tenant, acme.admin, ["directory:read"])[1])
    # then a change is refused before anything is looked up, and nothing changes
    assert client.patch(f"{BASE}/call-options/{ext.pk}/", {"intercom": True}, format="json").status_code == 403
    assert fresh(ext).intercom is False


def test_api_device_flags(acme: TenantSet, ext: Extension, acme_api) -> None:
    device = Device.objects.get(extension=ext)
    body = acme_api.get(f"{BASE}/devices/{device.pk}/").json()
    assert (body["is_primary"], body["intercom"], body["dnd"]) == (True, False, False)
    # DND without the mobility option: a field error, nothing changed
    response = acme_api.patch(f"{BASE}/devices/{device.pk}/", {"dnd": True, "intercom": True}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["dnd"]
    device.refresh_from_db()
    assert (device.dnd, device.intercom) == (False, False)
    # with it
    tenants.check_set_licence(acme.tenant, actor=None, feature=Feature.MOBILITY, quantity=1)
    response = acme_api.patch(f"{BASE}/devices/{device.pk}/", {"dnd": True, "intercom": True}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["dnd"], response.json()["intercom"]) == (True, True)


def test_api_create_device_with_flags(acme: TenantSet, ext: Extension, acme_api) -> None:
    response = acme_api.post(f"{BASE}/devices/", {"extension": str(ext.pk), "intercom": True, "is_primary": True}, format="json")
    assert response.status_code == 201, response.content
    created = Device.objects.get(pk=response.json()["id"])
    assert (created.intercom, created.is_primary) == (True, True)
    assert Device.objects.filter(extension=ext, is_primary=True).count() == 1
    # DND refused without the option: the device is not created either
    count = Device.objects.count()
    response = acme_api.post(f"{BASE}/devices/", {"extension": str(ext.pk), "dnd": True}, format="json")
    assert response.status_code == 400
    assert Device.objects.count() == count
