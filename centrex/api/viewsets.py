"""Base classes of every REST API resource.

How to add a resource (in your app, e.g. ``telephony/directory/api.py``):

1. A serializer deriving from ``CentrexModelSerializer`` (unknown fields are rejected and the
   model's ``full_clean()`` runs; it never saves).
2. A viewset deriving from ``TenantViewSet`` (tenant data), ``TenantReadOnlyViewSet``,
   ``OperatorViewSet`` or ``OperatorReadOnlyViewSet`` (platform data) with ``queryset``,
   ``serializer_class``, ``required_scopes = {"read": "directory:read", "write": "directory:write"}``
   (per-action keys such as ``"resend": "admin:write"`` override read/write), ``filterset_fields``
   or ``filterset_class`` and ``ordering_fields``. Offer only the routes you support: combine
   ``TenantGenericViewSet`` with DRF mixins, or define ``partial_update`` alone for PATCH-only changes.
3. Writes call your services: override ``perform_create``/``perform_update``/``perform_destroy``
   and set ``serializer.instance`` to the service's result, passing ``self.tenant`` and
   ``actor=self.actor``. Service ``ValidationError``/``Http404`` become 400/404 by themselves.
4. Document with ``extend_schema``/``extend_schema_view`` (tags and an ``OpenApiExample``).
5. ``def register(router) -> None`` in that module registers the viewset, and the module is
   listed in ``centrex.api.urls.API_MODULES``. Operator resources register under ``operator/``.
   Add the "other tenant's id is 404" and scope tests.

Queries are scoped in one place: ``get_queryset()`` takes the declared ``queryset``, applies
``for_tenant(self.tenant)`` and then the ``scope_queryset()`` hook, so another tenant's id is 404.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.access import Caller, caller
from centrex.api.models import ApiKey
from centrex.api.permissions import HasRequiredScopes, IsOperatorCaller, IsTenantCaller
from tenants import audit
from tenants.models import Tenant, User


class CentrexAPIMixin:
    """Caller, scope checks and audit attribution shared by every API view.

    While a request made with an API key runs, ``tenants.audit.current_api_key`` holds the
    key, so every audit entry the services write names it.
    """

    required_scopes: dict[str, str] = {}
    ordering_fields: list[str] = []
    _api_key_context: contextvars.Token[uuid.UUID | None] | None = None

    @property
    def caller(self) -> Caller:
        return caller(self.request)  # type: ignore[attr-defined]

    @property
    def actor(self) -> User | None:
        """The user to pass to services as ``actor=``."""
        return self.caller.user

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if isinstance(request.auth, ApiKey):
            self._api_key_context = audit.current_api_key.set(request.auth.pk)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if self._api_key_context is not None:
            audit.current_api_key.reset(self._api_key_context)
            self._api_key_context = None
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["caller"] = self.caller
        context["tenant"] = self.caller.tenant
        return context

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        """Hook: narrow or annotate the (already tenant-scoped) queryset."""
        return queryset

    def perform_create(self, serializer: Any) -> None:
        raise ImproperlyConfigured(f"{type(self).__name__} must create through a service (override perform_create).")

    def perform_update(self, serializer: Any) -> None:
        raise ImproperlyConfigured(f"{type(self).__name__} must update through a service (override perform_update).")

    def perform_destroy(self, instance: Any) -> None:
        raise ImproperlyConfigured(f"{type(self).__name__} must delete through a service (override perform_destroy).")


class _TenantScoped(CentrexAPIMixin):
    permission_classes: Sequence[Any] = (permissions.IsAuthenticated, IsTenantCaller, HasRequiredScopes)

    @property
    def tenant(self) -> Tenant:
        tenant = self.caller.tenant
        assert tenant is not None, "IsTenantCaller lets only tenant callers in"
        return tenant

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return queryset.none()
        return self.scope_queryset(queryset.for_tenant(self.tenant))


class _OperatorScoped(CentrexAPIMixin):
    permission_classes: Sequence[Any] = (permissions.IsAuthenticated, IsOperatorCaller, HasRequiredScopes)

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return self.scope_queryset(queryset)


class TenantViewSet(_TenantScoped, viewsets.ModelViewSet):
    """Tenant data: list/retrieve scoped to the caller's tenant; writes through services."""


class TenantReadOnlyViewSet(_TenantScoped, viewsets.ReadOnlyModelViewSet):
    """Tenant data that the API only reads."""


class TenantGenericViewSet(_TenantScoped, viewsets.GenericViewSet):
    """Tenant-scoped base for custom actions only (combine with DRF mixins as needed)."""


class OperatorViewSet(_OperatorScoped, viewsets.ModelViewSet):
    """Platform data for operators (session or operator key with platform:* scopes)."""


class OperatorReadOnlyViewSet(_OperatorScoped, viewsets.ReadOnlyModelViewSet):
    """Platform data that the API only reads."""


class OperatorGenericViewSet(_OperatorScoped, viewsets.GenericViewSet):
    """Operator base for custom actions only (combine with DRF mixins as needed)."""
