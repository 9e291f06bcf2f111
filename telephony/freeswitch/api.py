"""Operator REST API of the switch: nodes, SIP trunks, the phone-number pool, the SIP block list.

Scopes ``platform:read`` / ``platform:write`` (operators only). Generated secrets (a node's
xml_curl secret, a generated ESL password) appear only in the answer that made them; the ESL
and trunk passwords are write-only.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework import views as _drf_views  # noqa: F401 - DRF's views before centrex.api.errors: avoids an import cycle
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from centrex.api.schema import validation_error_example
from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer
from centrex.api.viewsets import OperatorGenericViewSet
from telephony.directory import services as directory_services
from telephony.directory.api import PartialUpdateMixin
from telephony.directory.models import PhoneNumber
from telephony.freeswitch import services
from telephony.freeswitch.choices import Transport
from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk
from tenants.models import Tenant

SCOPES: dict[str, str] = {"read": Scope.PLATFORM_READ, "write": Scope.PLATFORM_WRITE}


class OperatorResourceViewSet(
    PartialUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OperatorGenericViewSet,
):
    """List, show, create, change (PATCH) and delete platform resources."""


NODE_EXAMPLE = {
    "id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    "name": "fs-1",
    "description": "Frankfurt rack 3",
    "esl_host": "10.0.0.5",
    "esl_port": 8021,
    "xml_curl_username": "fs-1-9f8e7d6c",
    "allowed_addresses": ["10.0.0.5/32"],
    "status": "up",
    "last_event_at": "2026-11-22T08:00:00Z",
    "is_active": True,
}


class SwitchNodeSerializer(CentrexModelSerializer):
    clean_model = False  # the service validates addresses and the ESL password
    allowed_addresses = serializers.ListField(child=serializers.CharField(), required=False)
    esl_host = serializers.CharField()
    esl_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="At least 16 characters, not ClueCon; generated when left out.",
    )

    class Meta:
        model = SwitchNode
        fields = [
            "id",
            "name",
            "description",
            "esl_host",
            "esl_port",
            "esl_password",
            "xml_curl_username",
            "allowed_addresses",
            "status",
            "last_event_at",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "xml_curl_username", "status", "last_event_at", "created_at", "updated_at"]


class NodeCredentialsSerializer(SwitchNodeSerializer):
    """A node with its freshly generated secrets: the only answer that holds them."""

    xml_curl_secret = serializers.SerializerMethodField()
    generated_esl_password = serializers.SerializerMethodField()

    class Meta(SwitchNodeSerializer.Meta):
        fields = [*SwitchNodeSerializer.Meta.fields, "xml_curl_secret", "generated_esl_password"]

    def get_xml_curl_secret(self, obj: SwitchNode) -> str:
        return self.context["xml_curl_secret"]

    def get_generated_esl_password(self, obj: SwitchNode) -> str | None:
        return self.context.get("esl_password")


class TrunkSerializer(CentrexModelSerializer):
    clean_model = False
    transport = serializers.ChoiceField(choices=Transport.choices, required=False)
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, help_text="Write-only; empty keeps it.")

    class Meta:
        model = Trunk
        fields = [
            "id",
            "name",
            "proxy",
            "port",
            "transport",
            "realm",
            "username",
            "password",
            "register",
            "priority",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PoolNumberSerializer(CentrexModelSerializer):
    clean_model = False
    number = serializers.CharField(help_text="E.164, or national for the tenant's (else the platform's) country.")
    country = serializers.CharField(write_only=True, required=False, max_length=2)
    tenant = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.all(), required=False, allow_null=True)

    class Meta:
        model = PhoneNumber
        fields = ["id", "number", "country", "label", "tenant", "destination_kind", "destination_extension", "created_at"]
        read_only_fields = ["id", "destination_kind", "destination_extension", "created_at"]


class AssignSerializer(CentrexSerializer):
    tenant = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.all(), allow_null=True)


class BlockedAddressSerializer(CentrexModelSerializer):
    class Meta:
        model = BlockedAddress
        fields = ["id", "address", "failures", "reason", "node", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List the switch nodes"),
    retrieve=extend_schema(summary="Show a switch node", examples=[OpenApiExample("Node", value=NODE_EXAMPLE)]),
    create=extend_schema(
        summary="Register a node; the answer holds its xml_curl secret (and a generated ESL password) once",
        responses={201: NodeCredentialsSerializer},
        examples=[
            OpenApiExample(
                "Node", value={"name": "fs-1", "esl_host": "10.0.0.5", "allowed_addresses": ["10.0.0.0/24"]}, request_only=True
            ),
            validation_error_example("esl_host", "The event socket must listen on a private address (e.g. 10.0.0.5)."),
        ],
    ),
    partial_update=extend_schema(summary="Change a node's addresses, ESL settings or active state"),
    destroy=extend_schema(summary="Remove a node"),
    rotate_secret=extend_schema(
        summary="Generate a new xml_curl secret (shown once)", request=None, responses={200: NodeCredentialsSerializer}
    ),
)
@extend_schema(tags=["Operator: switch nodes"])
class SwitchNodeViewSet(OperatorResourceViewSet):
    queryset = SwitchNode.objects.all()
    serializer_class = SwitchNodeSerializer
    required_scopes: dict[str, str] = {**SCOPES, "rotate_secret": Scope.PLATFORM_WRITE}
    filterset_fields = ["status", "is_active"]
    ordering_fields = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        node, credentials = services.check_create_node(actor=self.actor, **data)
        context = {**self.get_serializer_context(), "xml_curl_secret": credentials.xml_curl_secret}
        context["esl_password"] = credentials.esl_password
        return Response(NodeCredentialsSerializer(node, context=context).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        # The name labels the node's command queue: fixed once created (another name is refused by the service).
        if data.get("name") == serializer.instance.name:
            del data["name"]
        if not data.get("esl_password"):
            data.pop("esl_password", None)
        serializer.instance = services.check_update_node(actor=self.actor, node=serializer.instance, **data)

    def perform_destroy(self, instance: SwitchNode) -> None:
        services.do_delete_node(actor=self.actor, node=instance)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str, **kwargs: Any) -> Response:
        node = self.get_object()
        secret = services.do_rotate_node_secret(actor=self.actor, node=node)
        node.refresh_from_db()
        context = {**self.get_serializer_context(), "xml_curl_secret": secret}
        return Response(NodeCredentialsSerializer(node, context=context).data)


@extend_schema_view(
    list=extend_schema(summary="List the SIP trunks"),
    retrieve=extend_schema(summary="Show a trunk (never its password)"),
    create=extend_schema(
        summary="Add a SIP trunk",
        examples=[
            OpenApiExample(
                "Carrier",
                value={
                    "name": "carrier-a",
                    "proxy": "sip.carrier.example",
                    "username": "acc1",
                    "password": "s3cret",
                    "register": True,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(summary="Change a trunk (an empty or missing password keeps it)"),
    destroy=extend_schema(summary="Remove a trunk"),
)
@extend_schema(tags=["Operator: trunks"])
class TrunkViewSet(OperatorResourceViewSet):
    queryset = Trunk.objects.all()
    serializer_class = TrunkSerializer
    required_scopes = SCOPES
    filterset_fields = ["is_active", "register"]
    ordering_fields = ["priority", "name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.check_create_trunk(actor=self.actor, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if data.get("name") == serializer.instance.name:  # the name names the gateway: fixed once created
            del data["name"]
        serializer.instance = services.check_update_trunk(actor=self.actor, trunk=serializer.instance, **data)

    def perform_destroy(self, instance: Trunk) -> None:
        services.do_delete_trunk(actor=self.actor, trunk=instance)


@extend_schema_view(
    list=extend_schema(summary="List the platform's phone numbers"),
    retrieve=extend_schema(summary="Show a number"),
    create=extend_schema(
        summary="Add a number to the pool (optionally assigned to a tenant)",
        examples=[
            OpenApiExample("National input", value={"number": "030 1234567", "country": "DE"}, request_only=True),
            validation_error_example("number", "12 is not a valid phone number."),
        ],
    ),
    destroy=extend_schema(summary="Remove an unassigned number from the platform"),
    assign=extend_schema(summary="Assign the number to a tenant, or back to the pool (null)", request=AssignSerializer),
)
@extend_schema(tags=["Operator: phone numbers"])
class NumberPoolViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, OperatorGenericViewSet
):
    queryset = PhoneNumber.objects.select_related("tenant")
    serializer_class = PoolNumberSerializer
    required_scopes: dict[str, str] = {**SCOPES, "assign": Scope.PLATFORM_WRITE}
    filterset_fields = ["tenant"]
    ordering_fields = ["number"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = directory_services.check_add_phone_number(actor=self.actor, **serializer.validated_data)

    def perform_destroy(self, instance: PhoneNumber) -> None:
        directory_services.do_delete_phone_number(actor=self.actor, phone_number=instance)

    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str, **kwargs: Any) -> Response:
        number = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = directory_services.check_assign_phone_number(
            actor=self.actor, phone_number=number, tenant=serializer.validated_data["tenant"]
        )
        return Response(PoolNumberSerializer(number, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="List the blocked addresses"),
    retrieve=extend_schema(summary="Show a blocked address"),
    destroy=extend_schema(summary="Clear an address from the block list"),
)
@extend_schema(tags=["Operator: block list"])
class BlockedAddressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OperatorGenericViewSet):
    queryset = BlockedAddress.objects.select_related("node")
    serializer_class = BlockedAddressSerializer
    required_scopes = SCOPES
    filterset_fields = ["node"]
    ordering_fields = ["created_at", "failures"]
    http_method_names = ["get", "delete", "head", "options"]

    def perform_destroy(self, instance: BlockedAddress) -> None:
        services.do_clear_blocked_address(actor=self.actor, blocked=instance)


def register(router: BaseRouter) -> None:
    router.register("operator/switch-nodes", SwitchNodeViewSet, basename="operator-switchnode")
    router.register("operator/trunks", TrunkViewSet, basename="operator-trunk")
    router.register("operator/phone-numbers", NumberPoolViewSet, basename="operator-phonenumber")
    router.register("operator/blocked-addresses", BlockedAddressViewSet, basename="operator-blockedaddress")
