"""``manage.py seed_demo``: the demo operator and tenant for ``make run``, and logins that work."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from tenants.choices import Role, TenantStatus
from tenants.models import Membership, Tenant, User
from tests.tenants.conftest import login

pytestmark = pytest.mark.django_db

LOGIN_LINE = re.compile(r"^\s+(operator|admin|user)\s+(\S+@\S+)\s+(\S+)", re.MULTILINE)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_operator_and_demo_tenant_with_admin_and_two_users(settings, tmp_path):
    # given
    settings.VAR_DIR = tmp_path

    # when
    output = seed()

    # then
    tenant = Tenant.objects.get(slug="demo")
    assert tenant.status == TenantStatus.ACTIVE
    roles = sorted(Membership.objects.for_tenant(tenant).values_list("role", flat=True))
    assert roles == [Role.ADMIN, Role.USER, Role.USER]
    assert User.objects.get(email="operator@example.com").is_staff is True
    logins = LOGIN_LINE.findall(output)
    assert [role for role, _email, _password in logins] == ["operator", "admin", "user", "user"]
    logins_file = tmp_path / "demo-logins.txt"
    assert logins_file.read_text() == output
    assert logins_file.stat().st_mode & 0o777 == 0o600


def test_seed_demo_printed_passwords_log_in(settings, tmp_path):
    # given
    settings.VAR_DIR = tmp_path
    logins = LOGIN_LINE.findall(seed())

    # when
    responses = {email: login(Client(), email, password) for _role, email, password in logins}

    # then
    assert {email: response.status_code for email, response in responses.items()} == dict.fromkeys(responses, 302)
    assert responses["admin@demo.example.com"].url == "/"


def test_seed_demo_sends_no_invitations(settings, tmp_path, django_capture_on_commit_callbacks, mailoutbox):
    # given
    settings.VAR_DIR = tmp_path

    # when
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    # then
    assert mailoutbox == []


def test_seed_demo_second_run_prints_same_logins_and_creates_nothing(settings, tmp_path):
    # given
    settings.VAR_DIR = tmp_path
    first = seed()
    users = User.objects.count()

    # when
    second = seed()

    # then
    assert second == first
    assert User.objects.count() == users
    assert Tenant.objects.filter(slug="demo").count() == 1
