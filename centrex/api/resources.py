"""API resources of the API app itself: tenant API keys and operator API keys."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from centrex.api import services
from centrex.api.models import ApiKey
from centrex.api.schema import validation_error_example
from centrex.api.scopes import OPERATOR_SCOPE_CHOICES, TENANT_SCOPE_CHOICES, Scope
from centrex.api.serializers import CentrexModelSerializer
from centrex.api.viewsets import OperatorGenericViewSet, TenantGenericViewSet

KEY_EXAMPLE = {
    "id": "6f1c2b5e-1d3a-4a7e-9a51-0c2f3c1d9e11",
    "name": "CRM connector",
    "prefix": "3fa94c0d12ab",
    "scopes": ["calls:read", "directory:read"],
    "expires_at": "2027-01-01T00:00:00Z",
    "revoked_at": None,
    "last_used_at": "2026-11-20T09:15:00Z",
    "created_by": "admin@acme.example.com",
    "created_at": "2026-11-01T08:00:00Z",
}
TOKEN_EXAMPLE = "cxk_3fa94c0d12ab_0Jm3m7kqVxw2yTq8u1r5b9HcLz4nPfGdS6eA0iKjYtU"


class _ApiKeySerializer(CentrexModelSerializer):
    clean_model = False  # prefix and digest are made by the service, which validates the rest
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at", "created_by", "created_at"]
        read_only_fields = ["id", "prefix", "revoked_at", "last_used_at", "created_by", "created_at"]


class ApiKeySerializer(_ApiKeySerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=TENANT_SCOPE_CHOICES), allow_empty=False)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    token = serializers.CharField(read_only=True, help_text="The secret token. Shown only in this response: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "token"]


class OperatorApiKeySerializer(_ApiKeySerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=OPERATOR_SCOPE_CHOICES), allow_empty=False)


class OperatorApiKeyCreatedSerializer(OperatorApiKeySerializer):
    token = serializers.CharField(read_only=True, help_text="The secret token. Shown only in this response: store it now.")

    class Meta(OperatorApiKeySerializer.Meta):
        fields = [*OperatorApiKeySerializer.Meta.fields, "token"]


class _ApiKeyActions:
    """List, show, create (token shown once) and revoke; shared by tenant and operator keys."""

    queryset: Any = ApiKey.objects.select_related("created_by")
    filterset_fields = ["name"]
    ordering_fields = ["created_at", "name", "expires_at", "last_used_at"]
    created_serializer_class: type[serializers.Serializer]

    def _key_tenant(self) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        key, token = services.check_create_api_key(
            self._key_tenant(),
            actor=self.actor,  # type: ignore[attr-defined]
            grantable=self.caller.scopes,  # type: ignore[attr-defined]
            **serializer.validated_data,
        )
        data = self.created_serializer_class(key, context=self.get_serializer_context()).data  # type: ignore[attr-defined]
        return Response({**data, "token": token}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = services.do_revoke_api_key(self._key_tenant(), actor=self.actor, key=self.get_object())  # type: ignore[attr-defined]
        return Response(self.get_serializer(key).data)  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(
        summary="List the tenant's API keys",
        examples=[OpenApiExample("Keys", value=KEY_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="Show an API key", examples=[OpenApiExample("Key", value=KEY_EXAMPLE, response_only=True)]),
    create=extend_schema(
        summary="Create an API key (the token is in this response only)",
        responses={201: ApiKeyCreatedSerializer},
        examples=[
            OpenApiExample(
                "New key",
                value={"name": "CRM connector", "scopes": ["calls:read", "directory:read"], "expires_at": "2027-01-01T00:00:00Z"},
                request_only=True,
            ),
            OpenApiExample("Created", value={**KEY_EXAMPLE, "token": TOKEN_EXAMPLE}, response_only=True, status_codes=["201"]),
            validation_error_example("scopes", "Choose at least one scope."),
        ],
    ),
    revoke=extend_schema(
        summary="Revoke an API key",
        request=None,
        examples=[OpenApiExample("Revoked", value={**KEY_EXAMPLE, "revoked_at": "2026-11-22T10:00:00Z"}, response_only=True)],
    ),
)
@extend_schema(tags=["API keys"])
class ApiKeyViewSet(
    _ApiKeyActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet
):
    """The tenant's API keys (tenant admins, or keys with admin scopes)."""

    serializer_class = ApiKeySerializer
    created_serializer_class = ApiKeyCreatedSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}

    def _key_tenant(self) -> Any:
        return self.tenant


OPERATOR_KEY_EXAMPLE = {**KEY_EXAMPLE, "name": "Billing export", "scopes": ["platform:read"], "created_by": "ops@example.com"}


@extend_schema_view(
    list=extend_schema(
        summary="List operator API keys",
        examples=[OpenApiExample("Keys", value=OPERATOR_KEY_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show an operator API key",
        examples=[OpenApiExample("Key", value=OPERATOR_KEY_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create an operator API key (the token is in this response only)",
        responses={201: OperatorApiKeyCreatedSerializer},
        examples=[
            OpenApiExample("New key", value={"name": "Billing export", "scopes": ["platform:read"]}, request_only=True),
            OpenApiExample(
                "Created", value={**OPERATOR_KEY_EXAMPLE, "token": TOKEN_EXAMPLE}, response_only=True, status_codes=["201"]
            ),
            validation_error_example("scopes", "Choose at least one scope."),
        ],
    ),
    revoke=extend_schema(
        summary="Revoke an operator API key",
        request=None,
        examples=[
            OpenApiExample("Revoked", value={**OPERATOR_KEY_EXAMPLE, "revoked_at": "2026-11-22T10:00:00Z"}, response_only=True)
        ],
    ),
)
@extend_schema(tags=["Operator: API keys"])
class OperatorApiKeyViewSet(
    _ApiKeyActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OperatorGenericViewSet
):
    """Operator keys (platform:* scopes), managed by operators."""

    serializer_class = OperatorApiKeySerializer
    created_serializer_class = OperatorApiKeyCreatedSerializer
    required_scopes = {"read": Scope.PLATFORM_READ, "write": Scope.PLATFORM_WRITE}

    def scope_queryset(self, queryset: Any) -> Any:
        return queryset.filter(tenant__isnull=True)

    def _key_tenant(self) -> Any:
        return None


def register(router: BaseRouter) -> None:
    router.register("api-keys", ApiKeyViewSet, basename="apikey")
    router.register("operator/api-keys", OperatorApiKeyViewSet, basename="operator-apikey")
