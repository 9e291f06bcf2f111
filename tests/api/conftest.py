"""Fixtures of the API tests: keys made through the services and clients that send them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from centrex.api import services
from centrex.api.models import ApiKey
from centrex.api.scopes import OPERATOR_SCOPES, TENANT_SCOPES
from tenants.models import Tenant, User
from tests.conftest import TenantSet


def make_key(
    tenant: Tenant | None, creator: User, scopes: Iterable[str], *, expires_at: datetime | None = None, name: str = "test key"
) -> tuple[ApiKey, str]:
    return services.check_create_api_key(tenant, actor=creator, name=name, scopes=scopes, expires_at=expires_at)


def key_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def acme_key(acme: TenantSet) -> tuple[ApiKey, str]:
    """A key of acme's admin holding every tenant scope."""
    return make_key(acme.tenant, acme.admin, TENANT_SCOPES, name="acme all scopes")


@pytest.fixture
def acme_api(acme_key: tuple[ApiKey, str]) -> APIClient:
    return key_client(acme_key[1])


@pytest.fixture
def globex_api(globex: TenantSet) -> APIClient:
    return key_client(make_key(globex.tenant, globex.admin, TENANT_SCOPES)[1])


@pytest.fixture
def operator_key(operator: User) -> tuple[ApiKey, str]:
    return make_key(None, operator, OPERATOR_SCOPES, name="ops all scopes")


@pytest.fixture
def operator_api(operator_key: tuple[ApiKey, str]) -> APIClient:
    return key_client(operator_key[1])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The standing tenants set passwords for their users; a slow hash only slows these tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
