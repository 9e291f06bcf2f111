"""REST API of the directory: extensions, devices (SIP accounts), the tenant's phone numbers, telephony settings.

Scopes: ``directory:read`` to read, ``directory:write`` to change. Every write calls the same
``telephony.directory.services`` function as the portal. A device's SIP password appears only
in the answer to creating the device or resetting its password.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from centrex.api.schema import validation_error_example
from centrex.api.scopes import Scope
from centrex.api.viewsets import TenantGenericViewSet
from telephony.directory import selectors, services
from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings
from telephony.directory.serializers import (
    CALL_OPTIONS_EXAMPLE,
    EXTENSION_EXAMPLE,
    CallOptionsSerializer,
    DeviceSerializer,
    DeviceWithPasswordSerializer,
    ExtensionSerializer,
    PhoneNumberSerializer,
    ResetPasswordSerializer,
    TelephonySettingsSerializer,
)

SCOPES: dict[str, str] = {"read": Scope.DIRECTORY_READ, "write": Scope.DIRECTORY_WRITE}


class PartialUpdateMixin:
    """PATCH only: a change names the fields it changes (no PUT that would reset the others)."""

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        serializer = self.get_serializer(instance, data=request.data, partial=True)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)  # type: ignore[attr-defined]
        return Response(serializer.data)


class DirectoryViewSet(
    PartialUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """List, show, create, change (PATCH) and delete, scoped to the caller's tenant."""


NUMBER_EXAMPLE = {
    "id": "7d1e2f3a-4b5c-6d7e-8f90-1a2b3c4d5e6f",
    "number": "+49301234567",
    "label": "Reception",
    "destination_kind": "extension",
    "destination_extension": "4f7c1f7e-2f6c-4b53-9d1e-3a1c2b4d5e6f",
    "created_at": "2026-11-22T08:00:00Z",
    "updated_at": "2026-11-22T08:00:00Z",
}


@extend_schema_view(
    list=extend_schema(summary="List the extensions"),
    retrieve=extend_schema(summary="Show an extension"),
    create=extend_schema(
        summary="Create an extension",
        examples=[validation_error_example("number", "Extension 1001 already exists.")],
    ),
    partial_update=extend_schema(
        summary="Change an extension",
        examples=[
            OpenApiExample("Show the main number", value={"caller_id_mode": "main"}, request_only=True),
            OpenApiExample("Changed", value={**EXTENSION_EXAMPLE, "caller_id_mode": "main"}, response_only=True),
            validation_error_example("number", "112 is an emergency number and cannot be used internally."),
        ],
    ),
    destroy=extend_schema(summary="Delete an extension and its devices"),
)
@extend_schema(tags=["Extensions"])
class ExtensionViewSet(DirectoryViewSet):
    queryset = Extension.objects.select_related("user", "outbound_number").prefetch_related("devices")
    serializer_class = ExtensionSerializer
    required_scopes = SCOPES
    filterset_fields = ["number", "user", "class_of_service"]
    ordering_fields = ["number", "display_name", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.check_create_extension(self.tenant, actor=self.actor, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.check_update_extension(
            self.tenant, actor=self.actor, extension=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Extension) -> None:
        services.do_delete_extension(self.tenant, actor=self.actor, extension=instance)


@extend_schema_view(
    list=extend_schema(summary="List the devices (SIP accounts)"),
    retrieve=extend_schema(summary="Show a device"),
    create=extend_schema(
        summary="Add a device to an extension; the answer holds its SIP password, shown only this once",
        responses={201: DeviceWithPasswordSerializer},
        examples=[
            OpenApiExample("Desk phone", value={"extension": EXTENSION_EXAMPLE["id"], "name": "Desk phone"}, request_only=True)
        ],
    ),
    partial_update=extend_schema(summary="Rename a device, change its registrations allowed, (de)activate it"),
    destroy=extend_schema(summary="Delete a device"),
    reset_password=extend_schema(
        summary="Give the device a new SIP password (generated unless given); shown only in this answer",
        request=ResetPasswordSerializer,
        responses={200: DeviceWithPasswordSerializer},
        examples=[validation_error_example("password", "A SIP password needs at least 10 characters.")],
    ),
)
@extend_schema(tags=["Devices"])
class DeviceViewSet(DirectoryViewSet):
    queryset = Device.objects.select_related("extension", "tenant")
    serializer_class = DeviceSerializer
    required_scopes: dict[str, str] = {**SCOPES, "reset_password": Scope.DIRECTORY_WRITE}
    filterset_fields = ["extension", "is_active", "sip_username"]
    ordering_fields = ["sip_username", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        flags = {field: data.pop(field) for field in ("is_primary", "intercom", "dnd") if field in data}
        with transaction.atomic():
            device, password = services.check_create_device(self.tenant, actor=self.actor, **data)
            if flags:
                device = services.check_update_device(self.tenant, actor=self.actor, device=device, **flags)
        return self._with_password(device, password, status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        # A device stays with its extension (its user name is made from the number): sending the same one
        # is harmless, another one is refused by the service as a field that cannot change.
        if "extension" in data and data["extension"].pk == serializer.instance.extension_id:
            del data["extension"]
        serializer.instance = services.check_update_device(self.tenant, actor=self.actor, device=serializer.instance, **data)

    def perform_destroy(self, instance: Device) -> None:
        services.do_delete_device(self.tenant, actor=self.actor, device=instance)

    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, pk: str, **kwargs: Any) -> Response:
        device = self.get_object()
        serializer = ResetPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password = services.check_reset_sip_password(
            self.tenant, actor=self.actor, device=device, password=serializer.validated_data.get("password")
        )
        device.refresh_from_db()
        return self._with_password(device, password, status.HTTP_200_OK)

    def _with_password(self, device: Device, password: str, code: int) -> Response:
        context = {**self.get_serializer_context(), "sip_password": password}
        response = Response(DeviceWithPasswordSerializer(device, context=context).data, status=code)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema_view(
    list=extend_schema(summary="List the phone numbers assigned to the company"),
    retrieve=extend_schema(summary="Show a phone number", examples=[OpenApiExample("Number", value=NUMBER_EXAMPLE)]),
    partial_update=extend_schema(
        summary="Route a phone number to an extension, or leave it unrouted",
        examples=[
            OpenApiExample(
                "To extension",
                value={"destination_kind": "extension", "destination_extension": NUMBER_EXAMPLE["destination_extension"]},
                request_only=True,
            ),
            validation_error_example("destination_extension", "Choose the extension that takes the calls."),
        ],
    ),
)
@extend_schema(tags=["Phone numbers"])
class PhoneNumberViewSet(PartialUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """The operator assigns numbers; the company decides where their calls go."""

    queryset = PhoneNumber.objects.select_related("destination_extension")
    serializer_class = PhoneNumberSerializer
    required_scopes = SCOPES
    filterset_fields = ["destination_kind", "destination_extension"]
    ordering_fields = ["number"]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer: Any) -> None:
        number = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.check_route_phone_number(
            self.tenant,
            actor=self.actor,
            phone_number=number,
            destination_kind=data.get("destination_kind", number.destination_kind),
            destination_extension=data.get("destination_extension", number.destination_extension),
            label=data.get("label"),
        )


@extend_schema_view(
    list=extend_schema(summary="The company's telephony settings (one object)"),
    retrieve=extend_schema(summary="Show the telephony settings"),
    partial_update=extend_schema(
        summary="Change the access code rule, the outside-call limit or the main number",
        examples=[
            OpenApiExample("Dial 0 to get out", value={"access_code_required": True}, request_only=True),
            validation_error_example("main_number", "Choose one of this company's phone numbers."),
        ],
    ),
)
@extend_schema(tags=["Telephony settings"])
class TelephonySettingsViewSet(PartialUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = TelephonySettings.objects.select_related("main_number")
    serializer_class = TelephonySettingsSerializer
    required_scopes = SCOPES
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if not getattr(self, "swagger_fake_view", False):
            selectors.telephony_settings(self.tenant)  # tenants made before the settings existed get them now
        return super().get_queryset()

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.check_update_telephony_settings(self.tenant, actor=self.actor, **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="List the call options of your extensions (all extensions for admins)",
        examples=[OpenApiExample("Call options", value=CALL_OPTIONS_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show an extension's call options",
        examples=[OpenApiExample("Call options", value=CALL_OPTIONS_EXAMPLE, response_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change call waiting, intercom, parallel ringing, the primary device or the voicemail PIN",
        examples=[
            OpenApiExample("Call waiting on, new PIN", value={"call_waiting": True, "voicemail_pin": "4711"}, request_only=True),
            OpenApiExample("Call options", value=CALL_OPTIONS_EXAMPLE, response_only=True),
            validation_error_example("voicemail_pin", "A PIN has 4 to 10 digits."),
        ],
    ),
)
@extend_schema(tags=["Extensions"])
class CallOptionsViewSet(PartialUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """An extension's call options, by extension id ([DFN] §1.8).

    Users change those of their own extensions (``personal:write``); admins (``directory:write``)
    those of every extension. Another user's extension answers 404, like another tenant's.
    """

    queryset = Extension.objects.select_related("tenant", "parallel_ring_extension").prefetch_related("devices")
    serializer_class = CallOptionsSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    http_method_names = ["get", "patch", "head", "options"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        if Scope.DIRECTORY_WRITE in self.caller.scopes:
            return queryset
        return queryset.filter(user=self.actor)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        pin = data.pop("voicemail_pin", None)
        extension = serializer.instance
        # One transaction: a refused PIN leaves the other options unchanged too.
        with transaction.atomic():
            if data:
                services.check_update_call_options(self.tenant, actor=self.actor, extension=extension, **data)
            if pin is not None:
                services.check_set_voicemail_pin(self.tenant, actor=self.actor, extension=extension, pin=pin)
        serializer.instance = self.get_queryset().get(pk=extension.pk)


def register(router: BaseRouter) -> None:
    router.register("extensions", ExtensionViewSet, basename="extension")
    router.register("devices", DeviceViewSet, basename="device")
    router.register("phone-numbers", PhoneNumberViewSet, basename="phonenumber")
    router.register("telephony-settings", TelephonySettingsViewSet, basename="telephonysettings")
    router.register("call-options", CallOptionsViewSet, basename="call-options")
