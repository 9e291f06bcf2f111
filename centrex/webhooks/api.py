"""REST API of webhooks: endpoints (CRUD, rotate secret, test, re-enable) and the delivery log (read).

Reads need ``admin:read``, writes ``admin:write``. The secret is in the responses of create,
retrieve and rotate-secret (not in lists).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from centrex.api.schema import validation_error_example
from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer
from centrex.api.viewsets import TenantGenericViewSet, TenantReadOnlyViewSet
from centrex.webhooks import event_types, services
from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint

ENDPOINT_EXAMPLE = {
    "id": "0b6f3d4e-2a1c-4f5e-9d8b-7c6a5b4e3d21",
    "url": "https://crm.example.com/centrex/events",
    "description": "CRM call popups",
    "event_types": ["call.answered", "call.ended", "call.started"],
    "is_active": True,
    "disabled_reason": "",
    "disabled_at": None,
    "consecutive_failures": 0,
    "last_error": "",
    "created_at": "2026-11-20T08:00:00Z",
    "updated_at": "2026-11-20T08:00:00Z",
}
SECRET_EXAMPLE = "whsec_Vq3m0d9kzJ8yTq1u5r7b2HcLx4nPfGdS6eA0iKjYtUo"
DELIVERY_EXAMPLE = {
    "id": "5d2c1b0a-9e8f-4d7c-b6a5-4f3e2d1c0b9a",
    "endpoint": ENDPOINT_EXAMPLE["id"],
    "event_id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
    "event_type": "call.ended",
    "status": "succeeded",
    "attempts": 2,
    "response_status_code": 200,
    "response_time_ms": 84,
    "last_error": "",
    "next_attempt_at": None,
    "completed_at": "2026-11-20T09:00:31Z",
    "payload": {
        "id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "type": "call.ended",
        "created_at": "2026-11-20T09:00:00Z",
        "tenant": "3c2b1a09-8f7e-4d6c-5b4a-39281706f5e4",
        "data": {"call": "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", "duration": 42},
    },
    "attempt_log": [
        {
            "at": "2026-11-20T09:00:01Z",
            "status_code": 500,
            "response_time_ms": 120,
            "error": "The endpoint answered with HTTP 500.",
            "retry_in": 30,
        },
        {"at": "2026-11-20T09:00:31Z", "status_code": 200, "response_time_ms": 84, "error": "", "retry_in": None},
    ],
    "created_at": "2026-11-20T09:00:00Z",
}


class EventTypesField(serializers.ListField):
    """A list of known event types; a bad item is reported as a plain message, not under its index."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            messages = [message for item in detail.values() for message in item] if isinstance(detail, dict) else detail
            raise serializers.ValidationError(messages) from exc


class WebhookEndpointSerializer(CentrexModelSerializer):
    clean_model = False  # the service validates (URL rules, address checks, event types)
    url = serializers.CharField(max_length=2000, help_text="HTTPS URL the events are POSTed to.")
    event_types = EventTypesField(
        child=serializers.ChoiceField(choices=event_types.choices()),
        allow_empty=False,
        help_text="Event types to receive, e.g. call.started.",
    )
    is_active = serializers.BooleanField(required=False, help_text="false disables the endpoint; true enables it again.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "last_error",
            "created_at",
            "updated_at",
        ]


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signing secret: HMAC-SHA256 key of X-Centrex-Signature.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(CentrexModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "response_status_code",
            "response_time_ms",
            "last_error",
            "next_attempt_at",
            "completed_at",
            "payload",
            "attempt_log",
            "created_at",
        ]
        read_only_fields = fields


WITH_SECRET = {**ENDPOINT_EXAMPLE, "secret": SECRET_EXAMPLE}


@extend_schema_view(
    list=extend_schema(
        summary="List the tenant's webhook endpoints",
        examples=[OpenApiExample("Endpoints", value=ENDPOINT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a webhook endpoint with its secret",
        responses=WebhookEndpointSecretSerializer,
        examples=[OpenApiExample("Endpoint", value=WITH_SECRET, response_only=True)],
    ),
    create=extend_schema(
        summary="Register a webhook endpoint (it gets a new secret)",
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointSecretSerializer},
        examples=[
            OpenApiExample(
                "New endpoint",
                value={"url": ENDPOINT_EXAMPLE["url"], "description": "CRM call popups", "event_types": ["call.started"]},
                request_only=True,
            ),
            OpenApiExample("Created", value=WITH_SECRET, response_only=True, status_codes=["201"]),
            validation_error_example("url", "The URL must start with https://."),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint (URL, description, event types, active)",
        examples=[
            OpenApiExample("Subscribe to more", value={"event_types": ["call.ended", "call.started"]}, request_only=True),
            OpenApiExample("Endpoint", value=ENDPOINT_EXAMPLE, response_only=True),
            validation_error_example("event_types", '"call.exploded" is not a valid choice.'),
        ],
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint and its delivery log"),
    rotate_secret=extend_schema(
        summary="Give the endpoint a new secret (the old one stops working at once)",
        request=None,
        responses=WebhookEndpointSecretSerializer,
        examples=[OpenApiExample("Rotated", value=WITH_SECRET, response_only=True)],
    ),
    test=extend_schema(
        summary="Send a webhook.test event to the endpoint (once, no retries)",
        request=None,
        responses={202: WebhookDeliverySerializer},
        examples=[
            OpenApiExample(
                "Test delivery",
                value={**DELIVERY_EXAMPLE, "event_type": "webhook.test", "attempts": 1, "attempt_log": []},
                response_only=True,
                status_codes=["202"],
            )
        ],
    ),
    reenable=extend_schema(
        summary="Enable a disabled endpoint again (the failure count starts from zero)",
        request=None,
        examples=[OpenApiExample("Enabled", value=ENDPOINT_EXAMPLE, response_only=True)],
    ),
)
@extend_schema(tags=["Webhooks"])
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """The tenant's webhook endpoints."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at", "url"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"retrieve", "rotate_secret"}:
            return WebhookEndpointSecretSerializer
        return WebhookEndpointSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Read with the plain serializer (a "secret" in the input is an unknown field), answer with the secret.
        serializer = WebhookEndpointSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        endpoint = services.check_create_endpoint(self.tenant, actor=self.actor, **serializer.validated_data)
        data = WebhookEndpointSecretSerializer(endpoint, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    # PATCH only (no PUT): a change names just the fields it changes.
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.check_update_endpoint(self.tenant, actor=self.actor, endpoint=endpoint, **serializer.validated_data)
        return Response(self.get_serializer(endpoint).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.do_delete_endpoint(self.tenant, actor=self.actor, endpoint=instance)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = services.do_rotate_secret(self.tenant, actor=self.actor, endpoint=self.get_object())
        return Response(self.get_serializer(endpoint).data)

    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        delivery = services.do_send_test_event(self.tenant, actor=self.actor, endpoint=self.get_object())
        delivery.refresh_from_db()  # without a worker (eager mode) it has been tried already
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def reenable(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = services.do_reenable_endpoint(self.tenant, actor=self.actor, endpoint=self.get_object())
        return Response(self.get_serializer(endpoint).data)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries (newest first; filter by endpoint, status, event_type)",
        examples=[OpenApiExample("Deliveries", value=DELIVERY_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a webhook delivery with its payload and attempts",
        examples=[OpenApiExample("Delivery", value=DELIVERY_EXAMPLE, response_only=True)],
    ),
)
@extend_schema(tags=["Webhooks"])
class WebhookDeliveryViewSet(TenantReadOnlyViewSet):
    """The delivery log of the tenant's endpoints."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    required_scopes = {"read": Scope.ADMIN_READ}
    filterset_fields = ["endpoint", "status", "event_type"]
    ordering_fields = ["created_at", "status", "attempts"]


def register(router: BaseRouter) -> None:
    router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
    router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
