"""Click-to-call ("Anrufen mit", FEATURES.md §1.3): ring the user's chosen device first, then call the target from it.

``check_click_to_call(tenant, actor=..., target=..., device_id=... | external_number=...)``
validates everything before anything is sent:

* the device is one of the actor's own active devices and is registered now (live state tells
  on which node), or the external number (a mobile, a hotel phone) is a valid phone number;
* the target is a number (an extension or an outside number, ``+`` numbers normalised to E.164
  with ``phonenumbers``), and the routing engine (``telephony.calls.routing.route``, the same
  decision the dialplan makes) lets the actor's extension call it: class of service, premium
  numbers, suspended tenants and the outside-line limit are refused here with the reason.

Then, after commit, one ``originate`` is queued for the node (``telephony.freeswitch.tasks``):
the first leg rings the device (``user/<sip user>@<domain>``) or the external number (a
``loopback`` into the tenant's dialplan, as the extension), and when it is answered it is bridged
to a ``loopback`` into the tenant's dialplan with the extension as caller, so the second call is
routed exactly like one dialled on the phone. The REST endpoint is ``POST /api/v1/calls/click-to-call/``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.viewsets import TenantGenericViewSet
from telephony.freeswitch import commands, livestate
from tenants import audit
from tenants.models import Tenant, User

_SEPARATORS = re.compile(r"[\s\-/().]")
_NUMBER = re.compile(r"\+?[0-9]{1,20}")


@dataclass(frozen=True)
class ClickToCall:
    """A click-to-call that was queued: the id of its first leg, the node, what is rung and called."""

    call_uuid: str
    node: str
    ring: str  # the device's SIP user name or the external number
    target: str  # the normalised destination


def normalise_target(raw: str, country: str) -> str:
    """Digits as dialled (an extension, a national number) or E.164 for ``+`` numbers; raises ValidationError."""
    text = _SEPARATORS.sub("", str(raw or "")).removesuffix("#")
    if text.startswith("+"):
        try:
            parsed = phonenumbers.parse(text, country or None)
        except phonenumbers.NumberParseException as error:
            raise ValidationError({"target": _("Enter a phone number or an extension.")}) from error
        if not phonenumbers.is_valid_number(parsed):
            raise ValidationError({"target": _("This phone number does not exist.")})
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not _NUMBER.fullmatch(text):
        raise ValidationError({"target": _("Enter a phone number or an extension.")})
    return text


def _external_number(raw: str, country: str) -> str:
    try:
        parsed = phonenumbers.parse(_SEPARATORS.sub("", str(raw or "")), country or None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError({"external_number": _("Enter a valid phone number.")}) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({"external_number": _("Enter a valid phone number.")})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _route_check(tenant: Tenant, extension_number: str, target: str) -> str:
    """Ask the routing engine whether the extension may call ``target``; returns the routed destination."""
    from telephony.calls.routing import CallKind, CallRequest, CallSource, route
    from telephony.calls.snapshot import live_state, load_snapshot
    from telephony.freeswitch.dialplan import REFUSAL_PHRASES

    snapshot = load_snapshot(str(tenant.pk))
    if snapshot is None:
        raise ValidationError({"target": _("Calls cannot be placed for this tenant.")})
    call = CallRequest(
        tenant_id=str(tenant.pk), source=CallSource.ORIGINATE, destination=target, caller=extension_number, now=timezone.now()
    )
    plan = route(call, snapshot, live_state(str(tenant.pk)))
    if plan.kind == CallKind.REFUSED:
        reason = next((step.reason for step in plan.steps if hasattr(step, "reason")), None)
        message = str(REFUSAL_PHRASES[reason]) if reason is not None else _("This number cannot be called.")
        raise ValidationError({"target": message})
    return plan.destination if _NUMBER.fullmatch(plan.destination or "") else target


def _pick_node(name: str | None) -> Any:
    from telephony.freeswitch.choices import NodeStatus
    from telephony.freeswitch.models import SwitchNode

    nodes = SwitchNode.objects.filter(is_active=True)
    if name is not None:
        return nodes.filter(name=name).first()
    return nodes.filter(status=NodeStatus.UP).order_by("name").first() or nodes.order_by("name").first()


@transaction.atomic
def check_click_to_call(
    tenant: Tenant,
    *,
    actor: User,
    target: str,
    device_id: uuid.UUID | str | None = None,
    external_number: str | None = None,
) -> ClickToCall:
    """Validate a click-to-call for ``actor`` and queue it after commit (see the module docstring)."""
    from telephony.directory.models import Device, Extension
    from telephony.freeswitch.tasks import send

    if (device_id is None) == (external_number is None):
        raise ValidationError({"device": _("Choose the device to call from, or give an external number.")})
    extension = Extension.objects.for_tenant(tenant).filter(user=actor).order_by("number").first()
    if extension is None:
        raise ValidationError({"device": _("You have no extension to call from.")})
    number = normalise_target(target, tenant.country)
    call_uuid = str(uuid.uuid4())
    context = tenant.sip_domain
    ring_timeout = settings.FREESWITCH_CLICK_TO_CALL_RING_SECONDS
    if device_id is not None:
        device = Device.objects.for_tenant(tenant).filter(pk=device_id, extension__user=actor, is_active=True).first()
        if device is None:
            raise ValidationError({"device": _("This device is not one of yours.")})
        contacts = livestate.registrations(str(tenant.pk)).get(device.sip_username, [])
        if not contacts:
            raise ValidationError({"device": _("This device is not registered: switch it on and try again.")})
        node = _pick_node(contacts[0].get("node"))
        routed = _route_check(tenant, extension.number, number)
        first: commands.Endpoint = commands.UserEndpoint(device.sip_username, context)
        # The phone shows whom it is about to call.
        leg_variables: dict[str, object] = {"origination_caller_id_number": routed, "origination_caller_id_name": routed}
        ring, audited = device.sip_username, device
    else:
        outside = _external_number(external_number or "", tenant.country)
        _route_check(tenant, extension.number, outside)  # ringing the external number is an outside call too
        routed = _route_check(tenant, extension.number, number)
        node = _pick_node(None)
        first = commands.LoopbackEndpoint(outside, context)
        # Through the dialplan as the extension: its caller ID and class of service apply.
        leg_variables = {"origination_caller_id_number": extension.number}
        ring, audited = outside, extension
    if node is None:
        raise ValidationError({"device": _("No switch is available right now. Try again in a moment.")})
    variables = {
        "origination_uuid": call_uuid,
        **leg_variables,
        "tenant_id": str(tenant.pk),
        "originate_timeout": ring_timeout,
        "hangup_after_bridge": True,
    }
    second = commands.LoopbackEndpoint(routed, context, {"origination_caller_id_number": extension.number})
    args = {
        "endpoint": commands.endpoint_spec(first),
        "application": commands.application_spec(commands.BridgeTo(second)),
        "variables": variables,
    }
    commands.build("originate", args)  # every value checked before the transaction commits
    audit.record(
        tenant=tenant,
        actor=actor,
        action="call.click_to_call",
        obj=audited,
        after={"call_uuid": call_uuid, "ring": ring, "target": routed, "node": node.name},
    )
    transaction.on_commit(lambda: send(node, "originate", **args))
    return ClickToCall(call_uuid=call_uuid, node=node.name, ring=ring, target=routed)


# --- REST API ---------------------------------------------------------------------------
class ClickToCallSerializer(serializers.Serializer):
    device = serializers.UUIDField(required=False, help_text="One of your devices to ring first.")
    external_number = serializers.CharField(required=False, max_length=40, help_text="Or a phone number to ring first.")
    target = serializers.CharField(max_length=40, help_text="The extension or phone number to call.")

    def to_internal_value(self, data: Any) -> Any:
        unknown = set(getattr(data, "keys", dict)()) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
        return super().to_internal_value(data)


class ClickToCallResultSerializer(serializers.Serializer):
    call_uuid = serializers.UUIDField()
    ring = serializers.CharField()
    target = serializers.CharField()


class ClickToCallViewSet(TenantGenericViewSet):
    """Place a call from one of your devices (or an external number): it rings first, then calls the target."""

    serializer_class = ClickToCallSerializer
    required_scopes = {"create": "calls:write"}
    http_method_names = ["post", "options"]

    def get_queryset(self) -> Any:  # no list: the action creates a call, not a row
        from telephony.directory.models import Device

        return Device.objects.none()

    @extend_schema(
        tags=["calls"],
        responses={202: ClickToCallResultSerializer},
        examples=[
            OpenApiExample(
                "ring my desk phone, then call a number", value={"device": str(uuid.UUID(int=1)), "target": "+4930123456"}
            )
        ],
    )
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if self.actor is None:
            raise ValidationError({"device": _("A person must place the call.")})
        result = check_click_to_call(
            self.tenant,
            actor=self.actor,
            target=data["target"],
            device_id=data.get("device"),
            external_number=data.get("external_number"),
        )
        body = {"call_uuid": result.call_uuid, "ring": result.ring, "target": result.target}
        return Response(ClickToCallResultSerializer(body).data, status=status.HTTP_202_ACCEPTED)


def register(router: Any) -> None:
    router.register("calls/click-to-call", ClickToCallViewSet, basename="click-to-call")
