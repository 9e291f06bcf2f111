"""Star codes dialled from a phone: the dialplan answer for a destination starting with ``*``.

``telephony.freeswitch.dialplan.answer_dialplan`` hands over here once the switch has
authenticated the calling device (digest, ``variable_sip_auth_username``); the caller-ID is
never used, so a code only ever changes the settings of the extension whose device dialled it.

The code is read against the tenant's table (``grammar.parse``) and applied by the handler of
its kind, in a transaction of its own: when the answer goes back to the switch the change is
committed and the cached answers it makes stale are dropped (the services schedule that on
commit), so the next call already follows it. The caller hears

- a confirmation: the call is answered, three short 800 Hz beeps, then it is hung up;
- an error, when the code is unknown, its slot or target cannot be read or the service refuses
  it (no such extension, no profile n ...): the same refusal as any undialable number (special
  information tone as early media, then ``484 Invalid number``). Nothing changes.

Intercom (``*80`` + extension) changes nothing: it is a call. It is routed like any call of the
authenticated device (tenant state, the caller's extension), with ``CallRequest.intercom`` set, so
the engine puts it through to the target's primary device, auto-answered, or refuses it with the
same error answer when the target does not take intercom calls ([DFN] §1.8, §3.1).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from telephony.calls.routing import (
    REFUSAL_SIP_CODES,
    CallKind,
    CallPlan,
    CallRequest,
    CallSource,
    PlayAnnouncement,
    Refusal,
    Reject,
    TenantSnapshot,
)
from telephony.calls.snapshot import live_state
from telephony.directory.models import Device, Extension
from telephony.featurecodes import grammar, handlers
from telephony.featurecodes.choices import StarCodeKind
from telephony.featurecodes.selectors import code_table
from telephony.freeswitch.dialplan import render_plan, route_with_groups
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Three short beeps at 800 Hz: the change is made.
CONFIRMATION_TONE = "tone_stream://%(200,100,800);loops=3"
CALL_KIND = "feature_code"

_TENANT_ID = re.compile(r"^[0-9a-f-]{36}$")
_EXTENSION = re.compile(r"^[0-9]{2,6}$")


def answer_feature_code(
    snapshot: TenantSnapshot, *, sip_username: str, destination: str, context: str, now: datetime | None = None
) -> str:
    """The dialplan document for star code ``destination`` dialled by the device ``sip_username``."""
    now = now or timezone.now()
    if not snapshot.can_place_calls(now):
        return _error(snapshot, context, destination, Refusal.SERVICE_SUSPENDED)
    request = grammar.parse(destination, code_table(snapshot.tenant_id))
    if not isinstance(request, grammar.FeatureRequest):
        logger.info("unreadable star code", extra={"tenant": snapshot.tenant_id, "problem": getattr(request, "problem", "")})
        return _error(snapshot, context, destination)
    if request.kind == StarCodeKind.INTERCOM:
        return _intercom_call(snapshot, sip_username, request.target, context=context, destination=destination, now=now)
    tenant = Tenant.objects.filter(pk=snapshot.tenant_id).first()
    extension = _dialling_extension(tenant, sip_username) if tenant else None
    if tenant is None or extension is None:
        return _error(snapshot, context, destination, Refusal.CALLER_UNKNOWN)
    try:
        with transaction.atomic():
            handlers.apply(tenant, extension, request)
    except (ValidationError, handlers.FeatureUnavailable) as error:
        logger.info(
            "star code refused",
            extra={"tenant": snapshot.tenant_id, "extension": extension.number, "kind": request.kind, "error": str(error)},
        )
        return _error(snapshot, context, destination, caller_extension=extension.number)
    logger.info("star code applied", extra={"tenant": snapshot.tenant_id, "extension": extension.number, "kind": request.kind})
    return _confirmation(snapshot.tenant_id, context, destination, extension.number)


def _intercom_call(
    snapshot: TenantSnapshot, sip_username: str, extension: str, *, context: str, destination: str, now: datetime
) -> str:
    """``*80`` + ``extension``: a call from the authenticated device, routed by the engine as an intercom call."""
    call = CallRequest(
        tenant_id=snapshot.tenant_id,
        source=CallSource.DEVICE,
        destination=extension,
        caller=sip_username,
        now=now,
        intercom=True,
    )
    plan = route_with_groups(call, snapshot, live_state(snapshot.tenant_id))
    if plan.kind == CallKind.REFUSED:
        logger.info("intercom call refused", extra={"tenant": snapshot.tenant_id, "target": extension})
    caller = snapshot.extensions.get(plan.caller_extension or "")
    language = (caller.language if caller else "") or snapshot.language
    return render_plan(plan, context=context, destination=destination, language=language)


def _dialling_extension(tenant: Tenant, sip_username: str) -> Extension | None:
    device = (
        Device.objects.for_tenant(tenant)
        .filter(sip_username=sip_username, is_active=True)
        .select_related("extension__user")
        .first()
    )
    return device.extension if device else None


def _error(
    snapshot: TenantSnapshot,
    context: str,
    destination: str,
    reason: Refusal = Refusal.INVALID_NUMBER,
    caller_extension: str | None = None,
) -> str:
    plan = CallPlan(
        tenant_id=snapshot.tenant_id,
        kind=CallKind.REFUSED,
        steps=(PlayAnnouncement(reason), Reject(REFUSAL_SIP_CODES[reason], reason)),
        caller_extension=caller_extension,
    )
    caller = snapshot.extensions.get(caller_extension or "")
    language = (caller.language if caller else "") or snapshot.language
    return render_plan(plan, context=context, destination=destination, language=language)


def _confirmation(tenant_id: str, context: str, destination: str, extension_number: str) -> str:
    """Answer, beep, hang up: in the shape of ``telephony.freeswitch.dialplan.render_plan``."""
    if not _TENANT_ID.match(tenant_id) or not _EXTENSION.match(extension_number):
        raise ValueError("refusing to render an unexpected value")
    document = ET.Element("document", type="freeswitch/xml")
    section = ET.SubElement(document, "section", name="dialplan", description="centrex star code")
    context_element = ET.SubElement(section, "context", name=context)
    extension = ET.SubElement(context_element, "extension", name=f"centrex-{CALL_KIND}")
    condition = ET.SubElement(extension, "condition", field="destination_number", expression=f"^{re.escape(destination)}$")
    actions = [
        ("export", f"tenant_id={tenant_id}"),
        ("export", f"centrex_call_kind={CALL_KIND}"),
        ("export", f"centrex_caller_extension={extension_number}"),
        ("answer", ""),
        ("playback", CONFIRMATION_TONE),
        ("hangup", "NORMAL_CLEARING"),
    ]
    for application, data in actions:
        action = ET.SubElement(condition, "action", application=application)
        if data:
            action.set("data", data)
    ET.indent(document, space="  ")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(document, encoding="unicode") + "\n"
