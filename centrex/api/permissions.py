"""Permission classes of the API: who may reach a viewset and which scope each action needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from centrex.api.access import caller
from tenants.choices import TenantStatus

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def scope_for(view: APIView | type[APIView], action: str | None, method: str) -> str | None:
    """The scope ``action`` (called with HTTP ``method``) needs: ``required_scopes[action]``, else ``read``/``write``."""
    scopes: dict[str, str] = getattr(view, "required_scopes", None) or {}
    if action and action in scopes:
        return scopes[action]
    return scopes.get("read" if method.upper() in permissions.SAFE_METHODS else "write")


def required_scope(view: APIView, request: Request) -> str | None:
    return scope_for(view, getattr(view, "action", None), request.method or "GET")


class HasRequiredScopes(permissions.BasePermission):
    """The caller holds the scope the view declares in ``required_scopes`` for this action.

    A view that declares no scope for an action is closed (deny by default).
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(view, (request.method or "").lower(), None) is None:
            return True  # no handler: let the view answer 405 rather than a misleading 403
        scope = required_scope(view, request)
        if scope is None:
            return False
        if scope not in caller(request).scopes:
            self.message = _("This action needs the %(scope)s scope.") % {"scope": scope}
            return False
        return True


class IsTenantCaller(permissions.BasePermission):
    """A tenant member (session) or tenant key; the tenant is neither suspended nor, for writes, expired.

    A suspended tenant's keys and sessions get 403 on everything; an expired tenant (tryout
    over, no licences bought) can still read but not write, as in the portal.
    """

    message = _("This resource belongs to a tenant: use a tenant API key or log in as a member of a tenant.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        tenant = caller(request).tenant
        if tenant is None:
            return False
        status = tenant.effective_status()
        if status == TenantStatus.SUSPENDED:
            raise exceptions.PermissionDenied(_("This tenant is suspended."))
        if status == TenantStatus.EXPIRED and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(_("The tryout of this tenant has ended: it can read but not change data."))
        return True


class IsOperatorCaller(permissions.BasePermission):
    """Platform operators only; to anyone else (once authenticated) operator routes do not exist.

    A 404 rather than 403, so a tenant caller cannot tell a tenant id from a random one.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if caller(request).is_operator:
            return True
        if request.user and request.user.is_authenticated:
            raise exceptions.NotFound()
        return False

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return True
