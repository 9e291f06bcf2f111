"""REST API resources of the tenants app: tenants and licences (operators), users, licences and audit log (tenants)."""

from __future__ import annotations

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    from tenants.api import views

    router.register("operator/tenants", views.TenantViewSet, basename="tenant")
    router.register("operator/audit-log", views.OperatorAuditLogViewSet, basename="operator-auditentry")
    router.register("users", views.UserViewSet, basename="user")
    router.register("licences", views.LicenceViewSet, basename="licence")
    router.register("audit-log", views.AuditLogViewSet, basename="auditentry")
