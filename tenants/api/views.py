"""Viewsets of the tenants app: operators manage tenants and licences; tenants manage users.

Every write calls a ``tenants.services`` function, exactly as the portal pages do.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.schema import validation_error_example
from centrex.api.scopes import Scope
from centrex.api.serializers import DetailSerializer
from centrex.api.viewsets import OperatorGenericViewSet, OperatorReadOnlyViewSet, TenantGenericViewSet, TenantReadOnlyViewSet
from tenants import selectors, services
from tenants.api import serializers as s
from tenants.api.filters import AuditEntryFilter, OperatorAuditEntryFilter, TenantFilter
from tenants.choices import Feature
from tenants.models import AuditEntry, Licence, Membership, Tenant

TENANT_EXAMPLE = {
    "id": "0b6f7e0a-9c1e-4b3a-8f55-2d7c1c4e8a10",
    "name": "Acme",
    "slug": "acme",
    "sip_domain": "acme.sip.centrex.test",
    "time_zone": "Europe/Berlin",
    "language": "de",
    "country": "DE",
    "status": "tryout",
    "tryout_ends_at": "2026-12-06T08:00:00Z",
    "licences_purchased_at": None,
    "created_at": "2026-11-22T08:00:00Z",
}
LICENCE_EXAMPLE = {"feature": "users", "quantity": 25, "updated_at": "2026-11-22T08:00:00Z"}
USER_EXAMPLE = {
    "id": "5d0c1f9e-2b7a-4c61-9f0e-7a4b3c2d1e0f",
    "user_id": "a3b2c1d0-1111-4222-8333-944455566677",
    "email": "jane@acme.example.com",
    "full_name": "Jane Doe",
    "language": "de",
    "role": "user",
    "is_active": True,
    "has_password": False,
    "created_at": "2026-11-22T08:00:00Z",
}
AUDIT_EXAMPLE = {
    "id": 4711,
    "tenant": "0b6f7e0a-9c1e-4b3a-8f55-2d7c1c4e8a10",
    "actor": "a3b2c1d0-1111-4222-8333-944455566677",
    "actor_label": "admin@acme.example.com",
    "api_key_id": "6f1c2b5e-1d3a-4a7e-9a51-0c2f3c1d9e11",
    "action": "user.role",
    "object_type": "tenants.membership",
    "object_id": "5d0c1f9e-2b7a-4c61-9f0e-7a4b3c2d1e0f",
    "object_repr": "Jane Doe @ Acme",
    "before": {"role": "user", "is_active": True},
    "after": {"role": "admin", "is_active": True},
    "created_at": "2026-11-22T09:30:00Z",
}


def _response(example: dict[str, Any] | list[dict[str, Any]], name: str = "Example") -> OpenApiExample:
    return OpenApiExample(name, value=example, response_only=True)


# --- Operators: tenants and their licences ---------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List tenants", examples=[_response(TENANT_EXAMPLE, "Tenant")]),
    retrieve=extend_schema(summary="Show a tenant", examples=[_response(TENANT_EXAMPLE, "Tenant")]),
    create=extend_schema(
        summary="Create a tenant",
        request=s.TenantCreateSerializer,
        responses={201: s.TenantSerializer},
        examples=[
            OpenApiExample(
                "New tenant",
                value={"name": "Acme", "slug": "acme", "time_zone": "Europe/Berlin", "language": "de", "country": "DE"},
                request_only=True,
            ),
            OpenApiExample("Created", value=TENANT_EXAMPLE, response_only=True, status_codes=["201"]),
            validation_error_example("slug", "Tenant with this slug already exists."),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a tenant's name, SIP domain, time zone, language or country",
        request=s.TenantUpdateSerializer,
        responses={200: s.TenantSerializer},
        examples=[
            OpenApiExample("Rename", value={"name": "Acme Corp"}, request_only=True),
            _response({**TENANT_EXAMPLE, "name": "Acme Corp"}, "Changed"),
            validation_error_example("time_zone", "Mars/Olympus is not a known time zone."),
        ],
    ),
    suspend=extend_schema(
        summary="Suspend a tenant (its users cannot call or use the API)",
        request=None,
        examples=[_response({**TENANT_EXAMPLE, "status": "suspended"}, "Suspended")],
    ),
    reactivate=extend_schema(
        summary="Lift a suspension (back to active, tryout or expired as the licences say)",
        request=None,
        examples=[_response({**TENANT_EXAMPLE, "status": "active"}, "Reactivated")],
    ),
    tryout=extend_schema(
        summary="Start the 14-day tryout (once, and never after licences were bought)",
        request=None,
        examples=[
            _response(TENANT_EXAMPLE, "In tryout"),
            validation_error_example("non_field_errors", "This tenant has already used its tryout."),
        ],
    ),
)
@extend_schema(tags=["Operator: tenants"])
class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OperatorGenericViewSet):
    """Tenants of the platform: create, change, suspend/reactivate, tryout, licences."""

    queryset = Tenant.objects.all()
    serializer_class = s.TenantSerializer
    required_scopes = {"read": Scope.PLATFORM_READ, "write": Scope.PLATFORM_WRITE}
    filterset_class = TenantFilter
    ordering_fields = ["name", "slug", "created_at", "status"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return s.TenantCreateSerializer
        if self.action == "partial_update":
            return s.TenantUpdateSerializer
        if self.action == "set_licence":
            return s.LicenceSetSerializer
        return s.TenantSerializer

    def _tenant_response(self, tenant: Tenant, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.TenantSerializer(tenant, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant = services.check_create_tenant(actor=self.actor, **serializer.validated_data)
        return self._tenant_response(tenant, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tenant = self.get_object()
        serializer = self.get_serializer(tenant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        tenant = services.check_update_tenant(tenant, actor=self.actor, **serializer.validated_data)
        return self._tenant_response(tenant)

    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._tenant_response(services.do_suspend_tenant(self.get_object(), actor=self.actor))

    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._tenant_response(services.do_reactivate_tenant(self.get_object(), actor=self.actor))

    @action(detail=True, methods=["post"])
    def tryout(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._tenant_response(services.check_start_tryout(self.get_object(), actor=self.actor))

    @extend_schema(
        summary="List a tenant's licences",
        responses={200: s.LicenceSerializer(many=True)},
        examples=[_response([LICENCE_EXAMPLE, {**LICENCE_EXAMPLE, "feature": "fax", "quantity": 2}], "Licences")],
    )
    @action(detail=True, methods=["get"])
    def licences(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tenant = self.get_object()
        rows = Licence.objects.for_tenant(tenant)
        return Response(s.LicenceSerializer(rows, many=True).data)

    @extend_schema(
        summary="Set how many of a licensed feature a tenant has bought",
        request=s.LicenceSetSerializer,
        responses={200: s.LicenceSerializer},
        examples=[
            OpenApiExample("25 user licences", value={"feature": "users", "quantity": 25}, request_only=True),
            _response(LICENCE_EXAMPLE, "Set"),
            validation_error_example("quantity", "12 users are active: deactivate users before reducing the licences."),
        ],
    )
    @licences.mapping.post
    def set_licence(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tenant = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence = services.check_set_licence(tenant, actor=self.actor, **serializer.validated_data)
        return Response(s.LicenceSerializer(licence).data)


@extend_schema_view(
    list=extend_schema(summary="The whole platform's audit log", examples=[_response(AUDIT_EXAMPLE, "Entry")]),
    retrieve=extend_schema(summary="Show an audit entry", examples=[_response(AUDIT_EXAMPLE, "Entry")]),
)
@extend_schema(tags=["Operator: audit log"])
class OperatorAuditLogViewSet(OperatorReadOnlyViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = s.AuditEntrySerializer
    required_scopes = {"read": Scope.PLATFORM_READ}
    filterset_class = OperatorAuditEntryFilter
    ordering_fields = ["created_at", "action"]


# --- Tenants: users, licences, audit log ------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the tenant's users", examples=[_response(USER_EXAMPLE, "User")]),
    retrieve=extend_schema(summary="Show a user", examples=[_response(USER_EXAMPLE, "User")]),
    create=extend_schema(
        summary="Invite a user (e-mails a link to set a password; uses a user licence)",
        request=s.UserInviteSerializer,
        responses={201: s.UserSerializer},
        examples=[
            OpenApiExample(
                "Invite", value={"email": "jane@acme.example.com", "full_name": "Jane Doe", "role": "user"}, request_only=True
            ),
            OpenApiExample("Invited", value=USER_EXAMPLE, response_only=True, status_codes=["201"]),
            validation_error_example("email", "A user with this e-mail address already exists."),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a user's role or (de)activate them",
        request=s.UserUpdateSerializer,
        responses={200: s.UserSerializer},
        examples=[
            OpenApiExample("Make admin", value={"role": "admin"}, request_only=True),
            _response({**USER_EXAMPLE, "role": "admin"}, "Changed"),
            validation_error_example("non_field_errors", "A tenant needs at least one active admin."),
        ],
    ),
    deactivate=extend_schema(
        summary="Deactivate a user (frees a licence; they can no longer log in)",
        request=None,
        examples=[_response({**USER_EXAMPLE, "is_active": False}, "Deactivated")],
    ),
    activate=extend_schema(
        summary="Activate a user again (needs a free licence)",
        request=None,
        examples=[_response(USER_EXAMPLE, "Activated")],
    ),
    resend_invitation=extend_schema(
        summary="Send the invitation e-mail again",
        request=None,
        responses={202: DetailSerializer},
        examples=[
            OpenApiExample("Queued", value={"detail": "The invitation was sent again."}, response_only=True, status_codes=["202"])
        ],
    ),
)
@extend_schema(tags=["Users"])
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    """The tenant's users (memberships): invite, change role, deactivate/activate, re-invite."""

    queryset = Membership.objects.select_related("user")
    serializer_class = s.UserSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["role", "is_active"]
    ordering_fields = ["user__email", "created_at", "role"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return s.UserInviteSerializer
        if self.action == "partial_update":
            return s.UserUpdateSerializer
        return s.UserSerializer

    def _user_response(self, membership: Membership, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.UserSerializer(membership, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.check_invite_user(self.tenant, actor=self.actor, **serializer.validated_data)
        return self._user_response(membership, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Both changes in one request: the role first, so "make admin and activate" works in either state.
        if "role" in data:
            membership = services.check_change_role(self.tenant, actor=self.actor, membership=membership, role=data["role"])
        if "is_active" in data:
            membership = services.check_set_user_active(
                self.tenant, actor=self.actor, membership=membership, active=data["is_active"]
            )
        return self._user_response(membership)

    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = services.check_set_user_active(self.tenant, actor=self.actor, membership=self.get_object(), active=False)
        return self._user_response(membership)

    @action(detail=True, methods=["post"])
    def activate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = services.check_set_user_active(self.tenant, actor=self.actor, membership=self.get_object(), active=True)
        return self._user_response(membership)

    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.check_resend_invitation(self.tenant, actor=self.actor, membership=self.get_object())
        return Response({"detail": _("The invitation was sent again.")}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="The tenant's licences, one row per bought feature", examples=[_response(LICENCE_EXAMPLE, "Licence")]
    ),
    summary=extend_schema(
        summary="Licence summary: status, user licences in use, add-ons",
        responses={200: s.LicenceSummarySerializer},
        examples=[
            _response(
                {
                    "status": "active",
                    "tryout_ends_at": None,
                    "user_licences": 25,
                    "user_licences_bought": 25,
                    "active_users": 12,
                    "addons": [
                        {"feature": feature.value, "label": str(feature.label), "quantity": 0} for feature in Feature.addons()
                    ],
                },
                "Summary",
            )
        ],
    ),
)
@extend_schema(tags=["Licences"])
class LicenceViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    """What the tenant has bought (read only; operators set licences)."""

    queryset = Licence.objects.all()
    serializer_class = s.LicenceSerializer
    required_scopes = {"read": Scope.ADMIN_READ}
    ordering_fields = ["feature"]
    lookup_field = "feature"

    @action(detail=False, methods=["get"])
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(s.LicenceSummarySerializer(selectors.licence_summary(self.tenant)).data)


@extend_schema_view(
    list=extend_schema(summary="The tenant's audit log", examples=[_response(AUDIT_EXAMPLE, "Entry")]),
    retrieve=extend_schema(summary="Show an audit entry", examples=[_response(AUDIT_EXAMPLE, "Entry")]),
)
@extend_schema(tags=["Audit log"])
class AuditLogViewSet(TenantReadOnlyViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = s.AuditEntrySerializer
    required_scopes = {"read": Scope.ADMIN_READ}
    filterset_class = AuditEntryFilter
    ordering_fields = ["created_at", "action"]
