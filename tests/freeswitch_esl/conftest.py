"""Fixtures of the ESL / gateway tests: the tenant the recordings were made against, a node, a replay server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from telephony.directory import services as directory
from telephony.directory.choices import ClassOfService
from telephony.directory.models import Device, Extension
from telephony.freeswitch import services as switch
from telephony.freeswitch.models import SwitchNode
from tenants import services as tenants
from tenants.choices import Feature, Role
from tenants.models import Tenant, User

NODE_PASSWORD = "replay-node-password-0123"


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """The gateway reads the database through sync_to_async: close that thread's connection after each test,
    so the test database can be dropped at the end of the run."""
    yield
    await sync_to_async(connections.close_all)()


@dataclass
class Site:
    """A tenant with SIP domain ``domain``, extensions 1001-1003 (users 1001, 1002; 1003 without), one device each."""

    tenant: Tenant
    users: dict[str, User]
    extensions: dict[str, Extension]
    devices: dict[str, Device]


def make_site(slug: str, domain: str) -> Site:
    tenant = tenants.check_create_tenant(actor=None, name=slug.title(), slug=slug, sip_domain=domain, tryout=False)
    tenants.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=10)
    users, extensions, devices = {}, {}, {}
    for number, cos in (
        ("1001", ClassOfService.NATIONAL),
        ("1002", ClassOfService.INTERNATIONAL),
        ("1003", ClassOfService.INTERNAL),
    ):
        user = None
        if number != "1003":
            membership = tenants.check_invite_user(
                tenant, actor=None, email=f"u{number}@{slug}.example.com", full_name=f"User {number}", role=Role.USER
            )
            user = users[number] = membership.user
        extensions[number] = directory.check_create_extension(
            tenant, actor=None, number=number, display_name=f"Extension {number}", user=user, class_of_service=cos
        )
        devices[number], _ = directory.check_create_device(
            tenant, actor=None, extension=extensions[number], password=f"secret{number}-Long-Enough"
        )
    return Site(tenant, users, extensions, devices)


@pytest.fixture
def site_a(db: None, django_capture_on_commit_callbacks) -> Site:
    with django_capture_on_commit_callbacks(execute=True):
        return make_site("tenant-a", "tenant-a.example")


@pytest.fixture
def site_b(db: None, django_capture_on_commit_callbacks) -> Site:
    with django_capture_on_commit_callbacks(execute=True):
        return make_site("tenant-b", "tenant-b.example")


def make_node(port: int, name: str = "fs1") -> SwitchNode:
    node, _credentials = switch.check_create_node(
        actor=None, name=name, esl_host="127.0.0.1", esl_port=port, esl_password=NODE_PASSWORD
    )
    return node
