"""Fixtures of the routing tests: the tenant the FreeSWITCH recordings were made against, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from telephony.directory import services as directory
from telephony.directory.choices import CallerIdMode, ClassOfService, DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber
from telephony.freeswitch import services as switch
from telephony.freeswitch.models import Trunk
from tenants import services as tenants
from tenants.models import Tenant

XML_CURL = Path("/work/shared/fixtures/freeswitch/xml_curl")


def recorded(name: str) -> bytes:
    """A body exactly as FreeSWITCH 1.10.12 posted it."""
    return (XML_CURL / name).read_bytes()


def recorded_params(name: str, **changes: str) -> dict[str, str]:
    """The recorded post as form fields, with some fields changed (the Hunt-* copies follow Caller-*)."""
    params = dict(parse_qsl(recorded(name).decode(), keep_blank_values=True))
    for field, value in changes.items():
        params[field] = value
        if field.startswith("Caller-"):
            params["Hunt-" + field.removeprefix("Caller-")] = value
    return params


def recorded_body(name: str, **changes: str) -> bytes:
    return urlencode(recorded_params(name, **changes)).encode()


@dataclass
class Site:
    """tenant-a.example (Germany): extensions 1001-1003 with one device each, two numbers, two trunks."""

    tenant: Tenant
    extensions: dict[str, Extension]
    devices: dict[str, Device]
    numbers: dict[str, PhoneNumber]
    trunks: list[Trunk]


def make_site(slug: str = "tenant-a", sip_domain: str = "tenant-a.example", prefix: str = "+4989123456") -> Site:
    tenant = tenants.check_create_tenant(actor=None, name=slug.title(), slug=slug, sip_domain=sip_domain, tryout=False)
    numbers = {
        "main": directory.check_add_phone_number(actor=None, number=f"{prefix}0", tenant=tenant, label="Reception"),
        "1001": directory.check_add_phone_number(actor=None, number=f"{prefix}1", tenant=tenant),
    }
    extensions, devices = {}, {}
    for number, class_of_service in (
        ("1001", ClassOfService.NATIONAL),
        ("1002", ClassOfService.INTERNATIONAL),
        ("1003", ClassOfService.INTERNAL),
    ):
        extensions[number] = directory.check_create_extension(
            tenant, actor=None, number=number, display_name=f"Extension {number}", class_of_service=class_of_service
        )
        devices[number], _password = directory.check_create_device(tenant, actor=None, extension=extensions[number])
    directory.check_route_phone_number(
        tenant,
        actor=None,
        phone_number=numbers["1001"],
        destination_kind=DestinationKind.EXTENSION,
        destination_extension=extensions["1001"],
    )
    directory.check_update_telephony_settings(tenant, actor=None, main_number=numbers["main"], max_outside_calls=2)
    directory.check_update_extension(tenant, actor=None, extension=extensions["1002"], caller_id_mode=CallerIdMode.MAIN)
    trunks = list(Trunk.objects.order_by("priority", "name"))
    return Site(tenant, extensions, devices, numbers, trunks)


def make_trunks() -> list[Trunk]:
    return [
        switch.check_create_trunk(actor=None, name="carrier-b", proxy="sip.carrier-b.example", priority=20),
        switch.check_create_trunk(actor=None, name="carrier-a", proxy="sip.carrier-a.example", priority=10),
    ]


@pytest.fixture
def site(db: None, django_capture_on_commit_callbacks) -> Site:
    with django_capture_on_commit_callbacks(execute=True):
        make_trunks()
        return make_site()


@pytest.fixture
def other_site(site: Site, django_capture_on_commit_callbacks) -> Site:
    with django_capture_on_commit_callbacks(execute=True):
        return make_site("tenant-b", "tenant-b.example", prefix="+4930987654")
