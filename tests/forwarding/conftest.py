"""Fixtures of the forwarding-profile tests: extensions made through the directory services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from telephony.directory import services as directory
from telephony.directory.choices import ClassOfService
from telephony.directory.models import Extension
from tests.conftest import TenantSet
from tests.routing.conftest import site  # noqa: F401 - fixture: the tenant the FreeSWITCH recordings were made against


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in English, whatever language an earlier test left active in the thread."""
    with translation.override("en"):
        yield


def make_extension(tenants: TenantSet, number: str, **fields: object) -> Extension:
    fields.setdefault("display_name", f"Extension {number}")
    return directory.check_create_extension(tenants.tenant, actor=tenants.admin, number=number, **fields)


@pytest.fixture
def ext(acme: TenantSet) -> Extension:
    """Acme's 1001, the user's own extension, allowed to call abroad."""
    return make_extension(acme, "1001", user=acme.user, class_of_service=ClassOfService.INTERNATIONAL)


@pytest.fixture
def colleague(acme: TenantSet) -> Extension:
    return make_extension(acme, "1002", user=acme.other_user)
