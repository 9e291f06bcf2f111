"""Fixtures of the directory tests: extensions, devices and numbers made through the services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from centrex import events
from telephony.directory import services
from telephony.directory.models import Device, Extension, PhoneNumber
from tests.conftest import PASSWORD, TenantSet


def make_extension(tenants: TenantSet, number: str = "1001", **fields: object) -> Extension:
    fields.setdefault("display_name", f"Extension {number}")
    return services.check_create_extension(tenants.tenant, actor=tenants.admin, number=number, **fields)


def make_device(tenants: TenantSet, extension: Extension, password: str | None = None) -> tuple[Device, str]:
    return services.check_create_device(tenants.tenant, actor=tenants.admin, extension=extension, password=password)


def make_number(tenants: TenantSet, number: str) -> PhoneNumber:
    return services.check_add_phone_number(actor=None, number=number, tenant=tenants.tenant)


@pytest.fixture
def published() -> Iterator[list[events.DomainEvent]]:
    """Every domain event delivered (after commit) while the test runs."""
    seen: list[events.DomainEvent] = []
    events.subscriber(seen.append)
    yield seen
    events._subscribers.remove(seen.append)


def admin_session(tenants: TenantSet) -> Client:
    """The tenant's admin, logged in and re-authenticated through the real forms, as the admin pages demand."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": tenants.admin.email, "password": PASSWORD})
    assert response.status_code == 302, "the admin could not log in"
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, "the admin could not re-authenticate"
    return client


@pytest.fixture
def acme_admin(acme: TenantSet) -> Client:
    return admin_session(acme)


@pytest.fixture(autouse=True)
def _english_after_test() -> Iterator[None]:
    """A request with Accept-Language leaves its language active in the thread: reset it for the next test."""
    yield
    translation.deactivate()
