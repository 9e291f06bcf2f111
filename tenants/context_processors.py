"""Template context for the portal layout: the user's tenant, role and licence state."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from centrex import navigation
from tenants.choices import Role, TenantStatus


def portal(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"platform_name": settings.PLATFORM_NAME}
    user = getattr(request, "user", None)
    nav: list[navigation.NavEntry] = []
    if user is not None and user.is_authenticated and user.is_staff:
        nav += navigation.entries_for("operator")
    membership = getattr(user, "membership", None) if user is not None and user.is_authenticated else None
    if membership is not None:
        tenant = membership.tenant
        context.update(
            current_tenant=tenant,
            is_tenant_admin=membership.role == Role.ADMIN and membership.is_active,
            tenant_status=tenant.effective_status(),
            tenant_blocked=tenant.effective_status() in {TenantStatus.EXPIRED, TenantStatus.SUSPENDED},
        )
        if membership.is_active:
            if membership.role == Role.ADMIN:
                nav += navigation.entries_for("admin")
            nav += navigation.entries_for("member")
    context["nav_entries"] = nav
    return context
