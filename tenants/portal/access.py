"""Who may open which portal page: operators, tenant admins, any member.

Tenant configuration pages follow the DFN flow "switch to system configuration, re-enter the
password": they open only while the session's last authentication (the login, or re-entering
the password at ``/accounts/reauthenticate/``) is less than ``ACCOUNT_REAUTHENTICATION_TIMEOUT``
seconds old. Each admin page visit renews that window, so an admin working in the
configuration is not asked again every few minutes, but one who comes back after a break is.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from tenants.choices import Role
from tenants.models import Membership, Tenant, User

# When this session last proved its password (login) or last used an admin page; unix time.
ADMIN_MODE_SESSION_KEY = "tenants_admin_mode_at"


@receiver(user_logged_in, dispatch_uid="tenants.admin_mode_on_login")
def _stamp_login(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ADMIN_MODE_SESSION_KEY] = time.time()


def last_authenticated_at(request: HttpRequest) -> float:
    """The latest of: the login, a re-authentication (allauth's records), the last admin page visit."""
    times = [record.get("at", 0.0) for record in get_authentication_records(request, request.user)]
    times.append(request.session.get(ADMIN_MODE_SESSION_KEY, 0.0))
    return max(times)


def admin_mode_expired(request: HttpRequest) -> bool:
    return time.time() - last_authenticated_at(request) >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


class OperatorRequiredMixin(LoginRequiredMixin):
    """Platform operators (staff) only; the MFA middleware has already enforced TOTP."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MemberRequiredMixin(LoginRequiredMixin):
    """Any active member of a tenant; sets ``self.tenant`` and ``self.membership``."""

    tenant: Tenant
    membership: Membership
    required_role: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = getattr(request.user, "membership", None)
        if membership is None or not membership.is_active:
            raise PermissionDenied
        if self.required_role is not None and membership.role != self.required_role:
            raise PermissionDenied
        self.membership = membership
        self.tenant = membership.tenant
        self.check_session(request)
        return super().dispatch(request, *args, **kwargs)

    def check_session(self, request: HttpRequest) -> None:
        """Further demands on the session once the role is known (none for plain members)."""


class TenantAdminRequiredMixin(MemberRequiredMixin):
    """Tenant configuration pages: admins only, after re-entering the password (DFN).

    A user without the admin role gets 403 at once; an admin whose authentication is too old
    is sent to allauth's re-authentication page and comes back to this page afterwards.
    """

    required_role = Role.ADMIN

    def check_session(self, request: HttpRequest) -> None:
        if admin_mode_expired(request):
            raise ReauthenticationRequired()
        request.session[ADMIN_MODE_SESSION_KEY] = time.time()
