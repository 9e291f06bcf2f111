"""Helpers for the tenants tests: real logins through allauth, links from e-mails, tryout tenants."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from tenants import services
from tenants.choices import Role
from tenants.models import Membership, Tenant
from tests.conftest import PASSWORD

# A fixed moment for tests that move the clock; tryouts started here end 14 days later.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def login(client: Client, email: str, password: str = PASSWORD, **extra: str) -> object:
    """Log in the way a person does: the allauth login form with e-mail and password."""
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def link_path(message: mail.EmailMessage) -> str:
    """The path of the set-password / reset link in an e-mail (the test client needs no host)."""
    match = LINK.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def make_tryout_tenant(slug: str = "trial", *, now: datetime = T0, **fields: object) -> Tenant:
    return services.check_create_tenant(actor=None, name=slug.capitalize(), slug=slug, tryout=True, now=now, **fields)


def add_member(tenant: Tenant, local: str, *, role: str = Role.USER, password: str | None = PASSWORD) -> Membership:
    """A user of ``tenant`` created through the service; with ``password`` as if they had set it."""
    membership = services.check_invite_user(
        tenant, actor=None, email=f"{local}@{tenant.slug}.example.com", role=role, send_invitation=False
    )
    if password:
        membership.user.set_password(password)
        membership.user.save(update_fields=["password"])
    return membership


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """PBKDF2 with a million rounds costs ~0.3 s per hash; these tests hash many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def trial(db: None) -> Tenant:
    return make_tryout_tenant()
