"""Create the demo operator and the demo tenant (an admin and two users) for ``make run``.

Passwords are generated on first run and kept in ``var/demo-logins.txt``; later runs print
the same logins and change nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from tenants import services
from tenants.choices import Feature, Role
from tenants.models import Tenant, User

OPERATOR_EMAIL = "operator@example.com"
DEMO_USERS = [
    ("admin@demo.example.com", "Ada Admin", Role.ADMIN),
    ("alice@demo.example.com", "Alice Example", Role.USER),
    ("bob@demo.example.com", "Bob Example", Role.USER),
]


class Command(BaseCommand):
    help = "Create the demo operator and tenant and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins_file = settings.VAR_DIR / "demo-logins.txt"
        if not Tenant.objects.filter(slug="demo").exists():
            logins_file.write_text(self._create())
            logins_file.chmod(0o600)
        self.stdout.write(logins_file.read_text() if logins_file.exists() else "Demo data exists; logins file missing.\n")

    @transaction.atomic
    def _create(self) -> str:
        lines = []
        password = secrets.token_urlsafe(12)
        if not User.objects.filter(email=OPERATOR_EMAIL).exists():
            services.do_create_operator(actor=None, email=OPERATOR_EMAIL, password=password, full_name="Olga Operator")
            lines.append(f"operator  {OPERATOR_EMAIL}  {password}  (sets up TOTP at first login)")
        tenant = services.check_create_tenant(actor=None, name="Demo GmbH", slug="demo", tryout=False)
        services.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=10)
        services.check_set_licence(tenant, actor=None, feature=Feature.MOBILITY, quantity=10)
        for email, name, role in DEMO_USERS:
            # The demo users get their password here instead of an invitation e-mail.
            membership = services.check_invite_user(
                tenant, actor=None, email=email, full_name=name, role=role, send_invitation=False
            )
            password = secrets.token_urlsafe(12)
            membership.user.set_password(password)
            membership.user.save(update_fields=["password"])
            lines.append(f"{role:<9} {email}  {password}")
        return "Demo logins:\n" + "".join(f"  {line}\n" for line in lines)
