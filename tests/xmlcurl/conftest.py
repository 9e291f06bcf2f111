"""Fixtures for the FreeSWITCH-facing endpoints: the recorded tenant, a node, recorded bodies."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from telephony.directory import services as directory_services
from telephony.directory.models import Device, Extension
from telephony.freeswitch import services as freeswitch_services
from telephony.freeswitch.models import SwitchNode
from tenants import services as tenant_services
from tenants.models import Tenant

FIXTURES = Path("/work/shared/fixtures/freeswitch")
XML_CURL = FIXTURES / "xml_curl"
CDR = FIXTURES / "cdr"
NODE_ADDRESS = "10.20.0.5"


def recorded(name: str) -> bytes:
    """A body exactly as FreeSWITCH 1.10.12 posted it."""
    return (XML_CURL / name).read_bytes()


@pytest.fixture(autouse=True)
def node_commands(monkeypatch) -> list[tuple[str, dict]]:
    """Commands queued for the nodes (the Celery queue towards ESL is the process boundary here)."""
    sent: list[tuple[str, dict]] = []

    def broadcast_batch(batch) -> int:
        sent.extend((name, dict(args)) for name, args in batch)
        return 1

    monkeypatch.setattr("telephony.freeswitch.tasks.broadcast_batch", broadcast_batch)
    return sent


@dataclass
class RecordedTenant:
    """The tenant the fixtures were recorded against: tenant-a.example, users 1001-1003."""

    tenant: Tenant
    extensions: dict[str, Extension]
    devices: dict[str, Device]


def make_recorded_tenant(slug: str = "tenant-a", sip_domain: str = "tenant-a.example") -> RecordedTenant:
    tenant = tenant_services.check_create_tenant(actor=None, name=slug.title(), slug=slug, sip_domain=sip_domain, tryout=False)
    extensions, devices = {}, {}
    for number in ("1001", "1002", "1003"):
        extension = directory_services.check_create_extension(
            tenant, actor=None, number=number, display_name=f"Extension {number}"
        )
        device, _password = directory_services.check_create_device(tenant, actor=None, extension=extension)
        # The recording used the passwords secret1001..3, shorter than our password rule allows,
        # so the digest hash of the recorded password is set directly.
        Device.objects.filter(pk=device.pk).update(
            sip_ha1=directory_services.sip_ha1(device.sip_username, sip_domain, f"secret{number}")
        )
        device.refresh_from_db()
        extensions[number], devices[number] = extension, device
    return RecordedTenant(tenant, extensions, devices)


@pytest.fixture
def tenant_a(db: None, django_capture_on_commit_callbacks) -> RecordedTenant:
    with django_capture_on_commit_callbacks(execute=True):
        return make_recorded_tenant()


@dataclass
class Node:
    node: SwitchNode
    username: str
    secret: str

    def authorization(self, secret: str | None = None) -> str:
        token = base64.b64encode(f"{self.username}:{secret or self.secret}".encode()).decode()
        return f"Basic {token}"


def make_node(name: str = "fs1", address: str = NODE_ADDRESS) -> Node:
    node, credentials = freeswitch_services.check_create_node(
        actor=None, name=name, esl_host=address, allowed_addresses=[f"{address}/32", "192.0.2.0/24"]
    )
    return Node(node, credentials.xml_curl_username, credentials.xml_curl_secret)


@pytest.fixture
def node(db: None) -> Node:
    return make_node()


@pytest.fixture
def post_xml(node: Node):
    """POST a body to /freeswitch/xml/ as the node (from its address, with its credentials)."""
    client = Client()

    def post(body: bytes, *, authorization: str | None = None, address: str = NODE_ADDRESS):
        extra = {"REMOTE_ADDR": address}
        auth = node.authorization() if authorization is None else authorization
        if auth:
            extra["HTTP_AUTHORIZATION"] = auth
        return client.post("/freeswitch/xml/", data=body, content_type="application/x-www-form-urlencoded", **extra)

    return post
