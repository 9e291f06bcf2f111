"""API representations of the directory, shared by the REST API and the domain events.

Writes go through ``telephony.directory.services``: these serializers parse and check input,
the viewsets call the service.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers
from rest_framework import views as _drf_views  # noqa: F401 - DRF's views before centrex.api.errors: avoids an import cycle

from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer
from telephony.directory.choices import CallerIdMode, ClassOfService, DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings
from tenants.choices import Language


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A key to an object of the caller's tenant only: another tenant's id is "does not exist"."""

    def __init__(self, queryset_for_tenant: Any, **kwargs: Any) -> None:
        self.queryset_for_tenant = queryset_for_tenant
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        tenant = self.context.get("tenant")
        if tenant is None:
            return self.queryset_for_tenant(None).none()
        return self.queryset_for_tenant(tenant)


def _extensions_of(tenant: Any) -> Any:
    return Extension.objects.for_tenant(tenant) if tenant is not None else Extension.objects


def _numbers_of(tenant: Any) -> Any:
    return PhoneNumber.objects.for_tenant(tenant) if tenant is not None else PhoneNumber.objects


def _active_members_of(tenant: Any) -> Any:
    from tenants.models import User

    if tenant is None:
        return User.objects
    return User.objects.filter(membership__tenant=tenant, membership__is_active=True, is_active=True)


EXTENSION_EXAMPLE = {
    "id": "4f7c1f7e-2f6c-4b53-9d1e-3a1c2b4d5e6f",
    "number": "1001",
    "display_name": "Anna Weber",
    "user": "0b9e1d8a-6c55-4d3e-8a11-2f3b4c5d6e7f",
    "caller_id_mode": "main",
    "outbound_number": "7d1e2f3a-4b5c-6d7e-8f90-1a2b3c4d5e6f",
    "class_of_service": "national",
    "allow_premium": False,
    "language": "de",
    "devices": [{"id": "1c2d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f", "name": "Desk phone", "sip_username": "1001"}],
    "created_at": "2026-11-22T08:00:00Z",
    "updated_at": "2026-11-22T08:00:00Z",
}


class DeviceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "name", "sip_username"]


@extend_schema_serializer(
    examples=[
        OpenApiExample("Extension", value=EXTENSION_EXAMPLE, response_only=True),
        OpenApiExample(
            "Create an extension",
            value={"number": "1001", "display_name": "Anna Weber", "class_of_service": "national"},
            request_only=True,
        ),
    ]
)
class ExtensionSerializer(CentrexModelSerializer):
    """An extension; ``user`` and ``outbound_number`` must belong to the same tenant."""

    clean_model = False  # the service checks the numbering plan and the relations
    user = TenantRelatedField(_active_members_of, required=False, allow_null=True)
    outbound_number = TenantRelatedField(_numbers_of, required=False, allow_null=True)
    caller_id_mode = serializers.ChoiceField(choices=CallerIdMode.choices, required=False)
    class_of_service = serializers.ChoiceField(choices=ClassOfService.choices, required=False)
    language = serializers.ChoiceField(choices=[("", _("Company default")), *Language.choices], required=False)
    devices = DeviceBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Extension
        fields = [
            "id",
            "number",
            "display_name",
            "user",
            "caller_id_mode",
            "outbound_number",
            "class_of_service",
            "allow_premium",
            "language",
            "devices",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "devices", "created_at", "updated_at"]


class DeviceSerializer(CentrexModelSerializer):
    """A device (SIP account). The password is never part of it: see ``DeviceWithPasswordSerializer``."""

    clean_model = False
    extension = TenantRelatedField(_extensions_of)
    needs_new_password = serializers.BooleanField(read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "extension",
            "name",
            "sip_username",
            "max_registrations",
            "is_active",
            "is_primary",
            "intercom",
            "dnd",
            "needs_new_password",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "sip_username", "needs_new_password", "created_at", "updated_at"]
        extra_kwargs = {
            "is_primary": {
                "help_text": _("The extension's primary device (exactly one; make another one primary to change it).")
            },
            "intercom": {"help_text": _("Answers intercom calls (*80) at once when it is the primary device.")},
            "dnd": {"help_text": _("Do not disturb on this device only; needs the mobility option.")},
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Created device with its one-time password",
            value={
                "id": "1c2d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f",
                "extension": "4f7c1f7e-2f6c-4b53-9d1e-3a1c2b4d5e6f",
                "name": "Desk phone",
                "sip_username": "1001",
                "max_registrations": 1,
                "is_active": True,
                "is_primary": True,
                "intercom": False,
                "dnd": False,
                "needs_new_password": False,
                "sip_domain": "acme.sip.centrex.test",
                "sip_password": "q3Zt0XyVw8s1LkPm7NaB4cDe",
                "created_at": "2026-11-22T08:00:00Z",
                "updated_at": "2026-11-22T08:00:00Z",
            },
            response_only=True,
        )
    ]
)
class DeviceWithPasswordSerializer(DeviceSerializer):
    """The answer to creating a device or resetting its password: the only time the password is shown."""

    sip_domain = serializers.CharField(source="tenant.sip_domain", read_only=True)
    sip_password = serializers.SerializerMethodField()

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "sip_domain", "sip_password"]

    def get_sip_password(self, obj: Device) -> str:
        return self.context["sip_password"]


class ResetPasswordSerializer(CentrexSerializer):
    password = serializers.CharField(
        required=False,
        write_only=True,
        help_text=_("Leave out to have a strong password generated (recommended)."),
        style={"input_type": "password"},
    )


class PhoneNumberSerializer(CentrexModelSerializer):
    """A phone number of the tenant; only the label and the destination can be changed."""

    clean_model = False
    number = serializers.CharField(read_only=True)
    destination_kind = serializers.ChoiceField(choices=DestinationKind.choices, required=False)
    destination_extension = TenantRelatedField(_extensions_of, required=False, allow_null=True)

    class Meta:
        model = PhoneNumber
        fields = ["id", "number", "label", "destination_kind", "destination_extension", "created_at", "updated_at"]
        read_only_fields = ["id", "number", "created_at", "updated_at"]


class TelephonySettingsSerializer(CentrexModelSerializer):
    clean_model = False
    main_number = TenantRelatedField(_numbers_of, required=False, allow_null=True)

    class Meta:
        model = TelephonySettings
        fields = ["id", "access_code_required", "max_outside_calls", "main_number", "updated_at"]
        read_only_fields = ["id", "updated_at"]


CALL_OPTIONS_EXAMPLE = {
    "extension": EXTENSION_EXAMPLE["id"],
    "extension_number": "1001",
    "call_waiting": True,
    "intercom": True,
    "primary_device": "1c2d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f",
    "parallel_ring_target": "+491701234567",
    "voicemail_pin_set": True,
}


class CallOptionsSerializer(CentrexSerializer):
    """An extension's call options ([DFN] §1.8); the voicemail PIN can be set but is never shown."""

    extension = serializers.UUIDField(source="pk", read_only=True)
    extension_number = serializers.CharField(source="number", read_only=True)
    call_waiting = serializers.BooleanField(
        required=False, help_text=_("A further call during a call rings (with a short tone) instead of busy.")
    )
    intercom = serializers.BooleanField(
        required=False, help_text=_("Callers may dial *80 and the extension to be put through to its primary device.")
    )
    primary_device = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("One of the extension's devices (ids in the devices resource).")
    )
    parallel_ring_target = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=_("Rings together with the extension: an extension number or an outside number; empty for none."),
    )
    voicemail_pin = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=30,
        help_text=_("4 to 10 digits, not one digit repeated, not the extension number; empty removes the PIN."),
        style={"input_type": "password"},
    )
    voicemail_pin_set = serializers.BooleanField(read_only=True)

    def to_representation(self, instance: Extension) -> dict[str, Any]:
        primary = next((device.pk for device in instance.devices.all() if device.is_primary), None)
        parallel = instance.parallel_ring_extension.number if instance.parallel_ring_extension else instance.parallel_ring_number
        return {
            "extension": str(instance.pk),
            "extension_number": instance.number,
            "call_waiting": instance.call_waiting,
            "intercom": instance.intercom,
            "primary_device": str(primary) if primary else None,
            "parallel_ring_target": parallel or "",
            "voicemail_pin_set": instance.voicemail_pin_set,
        }
