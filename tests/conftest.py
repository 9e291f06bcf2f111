"""Shared fixtures: two standing tenants, ``acme`` and ``globex``, each with an admin and users.

Data is set up through the services, as users would create it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from tenants import services
from tenants.choices import Feature, Role
from tenants.models import Membership, Tenant, User

PASSWORD = "correct-horse-battery-staple"


@dataclass
class TenantSet:
    tenant: Tenant
    admin: User
    user: User
    other_user: User

    @property
    def admin_membership(self) -> Membership:
        return self.admin.membership

    @property
    def user_membership(self) -> Membership:
        return self.user.membership


def make_tenant(slug: str, *, users: int = 10) -> TenantSet:
    tenant = services.check_create_tenant(actor=None, name=slug.capitalize(), slug=slug, tryout=False)
    services.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=users)
    people = []
    for local, role in (("admin", Role.ADMIN), ("user", Role.USER), ("other", Role.USER)):
        membership = services.check_invite_user(
            tenant, actor=None, email=f"{local}@{slug}.example.com", full_name=f"{local.capitalize()} {slug}", role=role
        )
        membership.user.set_password(PASSWORD)
        membership.user.save(update_fields=["password"])
        people.append(membership.user)
    return TenantSet(tenant, *people)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """PBKDF2 at production strength costs ~0.3 s per password; tests don't need that."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Each xdist worker has its own Redis database, so flushing it between tests is safe."""
    cache.clear()


@pytest.fixture
def acme(db: None) -> TenantSet:
    return make_tenant("acme")


@pytest.fixture
def globex(db: None) -> TenantSet:
    return make_tenant("globex")


@pytest.fixture
def operator(db: None) -> User:
    return services.do_create_operator(actor=None, email="ops@platform.example.com", password=PASSWORD)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(acme: TenantSet) -> Client:
    return logged_in(acme.admin)


@pytest.fixture
def operator_client(operator: User) -> Client:
    """An operator who has set up TOTP, as the MFA middleware demands."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(operator, "JBSWY3DPEHPK3PXP")
    return logged_in(operator)
