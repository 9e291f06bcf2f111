"""The tenant admin sets an extension's call options and voicemail PIN on the extension's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from telephony.directory import services
from telephony.directory.models import Device, Extension
from tests.conftest import TenantSet
from tests.directory.conftest import acme_admin  # noqa: F401 - fixture
from tests.forwarding.conftest import make_extension


@pytest.fixture
def ext(acme: TenantSet) -> Extension:
    extension = make_extension(acme, "1001")
    services.check_create_device(acme.tenant, actor=acme.admin, extension=extension)
    return extension


def post_options(client, extension: Extension, **fields: str):
    data = {"action": "call_options", "primary_device": str(Device.objects.get(extension=extension, is_primary=True).pk)}
    return client.post(reverse("directory:extension-detail", args=[extension.pk]), {**data, **fields})


def test_portal_shows_and_saves_call_options(acme: TenantSet, ext: Extension, acme_admin) -> None:  # noqa: F811
    page = acme_admin.get(reverse("directory:extension-detail", args=[ext.pk]))
    assert page.status_code == 200
    assert "Call waiting" in page.text and "No voicemail PIN is set" in page.text
    response = post_options(
        acme_admin, ext, call_waiting="on", intercom="on", parallel_ring_target="+4930555123", voicemail_pin="4711"
    )
    assert response.status_code == 302
    ext = Extension.objects.get(pk=ext.pk)
    assert (ext.call_waiting, ext.intercom, ext.parallel_ring_number, ext.voicemail_pin_set) == (True, True, "+4930555123", True)
    page = acme_admin.get(reverse("directory:extension-detail", args=[ext.pk]))
    assert "The voicemail PIN is set." in page.text and "4711" not in page.text


def test_portal_bad_pin_shows_the_error_and_changes_nothing(acme: TenantSet, ext: Extension, acme_admin) -> None:  # noqa: F811
    response = post_options(acme_admin, ext, call_waiting="on", voicemail_pin="1001")
    assert response.status_code == 200
    assert "A PIN must not be the extension number." in response.text
    ext = Extension.objects.get(pk=ext.pk)
    assert (ext.call_waiting, ext.voicemail_pin_set) == (False, False)


def test_portal_device_dnd_without_mobility_shows_the_error(acme: TenantSet, ext: Extension, acme_admin) -> None:  # noqa: F811
    device = Device.objects.get(extension=ext)
    response = acme_admin.post(
        reverse("directory:device-detail", args=[device.pk]),
        {"name": "Desk", "max_registrations": "1", "is_active": "on", "is_primary": "on", "dnd": "on"},
    )
    assert response.status_code == 200
    assert "needs the mobility option" in response.text
    device.refresh_from_db()
    assert (device.dnd, device.name) == (False, "")
