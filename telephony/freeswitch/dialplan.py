"""The ``dialplan`` section of xml_curl: one lookup per call, answered by the routing engine.

``answer_dialplan(node, params)`` reads the mod_xml_curl post (``Caller-Context``,
``Caller-Destination-Number`` and the channel variables), decides who is calling, loads the
tenant's snapshot and live state, asks ``telephony.calls.routing.route`` for a ``CallPlan`` and
renders it as dialplan XML for that one call.

Who is calling, and how the post proves it:

- a device of the tenant: the context is the tenant's SIP domain (the directory sets
  ``user_context`` to it) and the switch authenticated the INVITE by digest:
  ``variable_sip_authorized=true``, ``variable_sip_auth_username`` (the device's SIP user name) and
  ``variable_sip_auth_realm`` equal to the domain. ``sip_from_user`` and the caller-ID fields are
  chosen by the phone and prove nothing; they are not used.
- the control plane itself (click-to-call): a ``loopback`` channel (``Caller-Source=mod_loopback``),
  which only an ESL ``originate`` creates; its caller-ID number is the extension it dials for.
- a carrier: calls from the platform's trunks arrive in ``TRUNK_CONTEXT`` (the external sofia
  profile's context); the called number (DID) picks the tenant. From there a call can only
  reach the tenant that owns the number, never go out again.
- anything else on a tenant's context is refused (403).

Calls that reach hunt groups are routed twice (``route_with_groups``): the first plan names the
groups, whose rotation state is then claimed in Redis, and the second plan rings by it. A group
call exports ``centrex_group_id`` and ``centrex_group_members`` so the switch gateway can report
who answered; its ring tone is set as ``ringback``/``transfer_ringback``; uploaded audio is played
through mod_http_cache from ``telephony.freeswitch.media``.

Everything that reaches the XML is escaped by ElementTree, and every value placed in an
application's data is either ours (causes, timeouts) or checked against a strict pattern first
(SIP user names, trunk names, numbers); free text (names) is reduced to harmless characters,
because FreeSWITCH expands ``${...}`` in application data.
"""

from __future__ import annotations

import logging
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from telephony.calls import numbering
from telephony.calls.routing import (
    REFUSAL_SIP_CODES,
    BridgeExternal,
    Busy,
    CallerId,
    CallKind,
    CallPlan,
    CallRequest,
    CallSource,
    GroupCall,
    Hangup,
    HangupCause,
    LiveState,
    MediaRef,
    PlayAnnouncement,
    PlayMedia,
    Refusal,
    Reject,
    RingTargets,
    RingTone,
    Step,
    TenantSnapshot,
    Voicemail,
    available_members,
    route,
)
from telephony.calls.snapshot import (
    REDIS_ERRORS,
    line_state,
    live_state,
    registered_devices,
    snapshot_for_domain,
    snapshot_for_number,
)
from telephony.freeswitch import media

logger = logging.getLogger(__name__)

# The dialplan context of the external sofia profile, where calls from the trunks arrive.
TRUNK_CONTEXT = getattr(settings, "FREESWITCH_TRUNK_CONTEXT", "public")

# Causes on which an outside call moves on to the next trunk: the trunk or the carrier failed,
# not the called party (busy or no answer must not make the phone ring a second time).
TRUNK_FAILURE_CAUSES = (
    "NORMAL_TEMPORARY_FAILURE",
    "DESTINATION_OUT_OF_ORDER",
    "NETWORK_OUT_OF_ORDER",
    "NORMAL_CIRCUIT_CONGESTION",
    "SWITCH_CONGESTION",
    "REQUESTED_CHAN_UNAVAIL",
    "GATEWAY_DOWN",
    "RECOVERY_ON_TIMER_EXPIRE",
    "SERVICE_UNAVAILABLE",
    "NO_ROUTE_TRANSIT_NET",
    "INCOMPATIBLE_DESTINATION",
)

# The hangup cause FreeSWITCH turns into each SIP answer we give (for channels that are not SIP).
SIP_CODE_CAUSES = {
    403: "OUTGOING_CALL_BARRED",
    404: "UNALLOCATED_NUMBER",
    480: "SUBSCRIBER_ABSENT",
    484: "INVALID_NUMBER_FORMAT",
    486: "USER_BUSY",
    503: "NORMAL_CIRCUIT_CONGESTION",
}

# The special information tone (ITU-T E.180: 950, 1400, 1800 Hz) that tells a caller, in any
# language, that the call cannot be completed; played as early media before the refusal.
SIT_TONE = "tone_stream://%(330,0,950);%(330,0,1400);%(330,1000,1800);loops=2"

# What the caller's phone shows as the reason of a refusal (the SIP reason phrase).
REFUSAL_PHRASES = {
    Refusal.INVALID_NUMBER: _("Invalid number"),
    Refusal.UNKNOWN_NUMBER: _("Number unknown"),
    Refusal.NUMBER_NOT_ROUTED: _("Number not in service"),
    Refusal.ACCESS_CODE_REQUIRED: _("Dial 0 before outside numbers"),
    Refusal.OUTSIDE_CALLS_NOT_ALLOWED: _("Outside calls not allowed"),
    Refusal.INTERNATIONAL_NOT_ALLOWED: _("International calls not allowed"),
    Refusal.PREMIUM_NOT_ALLOWED: _("Premium-rate numbers not allowed"),
    Refusal.SERVICE_SUSPENDED: _("Telephone service suspended"),
    Refusal.ALL_LINES_BUSY: _("All outside lines busy"),
    Refusal.NO_ROUTE_OUT: _("No outside line available"),
    Refusal.NOT_REACHABLE: _("Not reachable"),
    Refusal.CALLER_UNKNOWN: _("Caller not allowed"),
    Refusal.VOICEMAIL_OFF: _("Voicemail switched off"),
}

_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$")
_SIP_USER = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_TRUNK = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DIAL_NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
_EXTENSION = re.compile(r"^[0-9]{2,6}$")
# A company mailbox's switch id ("vm" + E.164 digits, telephony.voicemail.models.switch_id).
_COMPANY_MAILBOX = re.compile(r"^vm[0-9]{6,15}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_TENANT_ID = re.compile(r"^[0-9a-f-]{36}$")
# Free text (display names) keeps letters, digits, spaces and a little punctuation: no "$", "{",
# "}", ",", "&", quotes or control characters, which FreeSWITCH would expand or split on.
_UNSAFE_TEXT = re.compile(r"[^\w .\-+()/]")


def answer_dialplan(node: object, params: Mapping[str, str], *, now: datetime | None = None) -> str:
    """The dialplan document for one call (``node`` is the authenticated switch node asking)."""
    now = now or timezone.now()
    context = params.get("Caller-Context", "")
    destination = params.get("Caller-Destination-Number", "")
    if context == TRUNK_CONTEXT:
        return _answer_trunk_call(context, destination, params, now)
    domain = context.lower()
    if not _DOMAIN.match(domain):
        return _refusal_document(context, destination, Refusal.UNKNOWN_NUMBER)
    snapshot = snapshot_for_domain(domain)
    if snapshot is None:
        logger.info("dialplan lookup for unknown context", extra={"node": getattr(node, "name", ""), "context": domain})
        return _refusal_document(context, destination, Refusal.UNKNOWN_NUMBER)
    source, caller = _caller(params, domain)
    if source is None:
        logger.warning("unauthenticated call refused", extra={"tenant": snapshot.tenant_id, "node": getattr(node, "name", "")})
        return _refusal_document(context, destination, Refusal.CALLER_UNKNOWN, snapshot)
    if source == CallSource.DEVICE and destination.startswith("*"):
        # A star code changes the settings of the extension whose device the switch authenticated.
        from telephony.featurecodes.dialplan import answer_feature_code

        return answer_feature_code(snapshot, sip_username=caller, destination=destination, context=context, now=now)
    call = CallRequest(
        tenant_id=snapshot.tenant_id,
        source=source,
        destination=destination,
        caller=caller,
        now=now,
        caller_name=params.get("Caller-Caller-ID-Name", ""),
    )
    plan = route_with_groups(call, snapshot, live_state(snapshot.tenant_id))
    return render_plan(plan, context=context, destination=destination, language=_language(plan, snapshot))


def _answer_trunk_call(context: str, destination: str, params: Mapping[str, str], now: datetime) -> str:
    did = numbering.inbound_e164(destination, getattr(settings, "PLATFORM_COUNTRY", "DE"))
    snapshot = snapshot_for_number(did) if did else None
    if snapshot is None:
        logger.info("call to an unknown number", extra={"trunk": params.get("variable_sip_gateway_name", "")})
        return _refusal_document(context, destination, Refusal.UNKNOWN_NUMBER)
    trunk = params.get("variable_sip_gateway_name", "")
    call = CallRequest(
        tenant_id=snapshot.tenant_id,
        source=CallSource.TRUNK,
        destination=did or "",
        caller=params.get("Caller-Caller-ID-Number", ""),
        now=now,
        caller_name=params.get("Caller-Caller-ID-Name", ""),
        trunk=trunk if _TRUNK.match(trunk) else "",
        # The carrier may send the number (P-Asserted-Identity) while the caller asked for privacy.
        caller_withheld=params.get("Caller-Privacy-Hide-Number", "").lower() == "true",
    )
    plan = route_with_groups(call, snapshot, live_state(snapshot.tenant_id, call_on_trunk=True))
    return render_plan(plan, context=context, destination=destination, language=snapshot.language)


def route_with_groups(call: CallRequest, snapshot: TenantSnapshot, live: LiveState) -> CallPlan:
    """Route in two phases when the call reaches hunt groups; ``route`` itself stays pure.

    The first pass tells which groups the call reaches. Only for those is the live state read
    further: which devices are registered (unavailable members are skipped), and the group's
    rotation state, claimed atomically in Redis (``telephony.groups.state.claim``) so that two
    calls arriving together start with different members. The second pass routes with it.

    Likewise a call to an extension that forwards on busy or when not registered: the first pass
    says so (``needs_line_state``), the second routes with the devices' registrations and calls.
    """
    plan = route(call, snapshot, live)
    if plan.needs_line_state and live.busy is None:
        registered, busy = line_state(snapshot.tenant_id)
        live = replace(live, registered=registered, busy=busy)
        plan = route(call, snapshot, live)
    if not plan.groups:
        return plan
    from telephony.groups import state

    fuller = replace(live, registered=registered_devices(snapshot.tenant_id))
    claimed = {}
    for group_id in plan.groups:
        group = snapshot.groups[group_id]
        # The rotation goes round all members; least active only chooses (and marks busy) among those who ring.
        if group.strategy == "least_active":
            member_ids = available_members(call, snapshot, fuller, group)
        else:
            member_ids = [member.extension_id for member in group.members]
        try:
            claimed[group_id] = state.claim(snapshot.tenant_id, group_id, group.strategy, member_ids)
        except REDIS_ERRORS:
            logger.warning("hunt-group state unavailable; ringing in list order", extra={"tenant": snapshot.tenant_id})
    live = replace(fuller, group_states=claimed, seed=secrets.randbits(32))
    return route(call, snapshot, live)


def _caller(params: Mapping[str, str], domain: str) -> tuple[CallSource | None, str]:
    """Who places a call in a tenant's context, from the fields the switch itself vouches for."""
    if params.get("Caller-Source") == "mod_loopback":
        return CallSource.ORIGINATE, params.get("Caller-Caller-ID-Number", "")
    username = params.get("variable_sip_auth_username", "")
    if (
        params.get("variable_sip_authorized") == "true"
        and params.get("variable_sip_auth_realm", "").lower() == domain
        and _SIP_USER.match(username)
    ):
        return CallSource.DEVICE, username
    return None, ""


def _language(plan: CallPlan, snapshot: TenantSnapshot) -> str:
    caller = snapshot.extensions.get(plan.caller_extension or "")
    return (caller.language if caller else "") or snapshot.language


def _refusal_document(context: str, destination: str, reason: Refusal, snapshot: TenantSnapshot | None = None) -> str:
    plan = CallPlan(
        tenant_id=snapshot.tenant_id if snapshot else "",
        kind=CallKind.REFUSED,
        steps=(PlayAnnouncement(reason), Reject(REFUSAL_SIP_CODES[reason], reason)),
    )
    language = snapshot.language if snapshot else settings.LANGUAGE_CODE
    return render_plan(plan, context=context, destination=destination, language=language)


# --- rendering -----------------------------------------------------------------------
def render_plan(plan: CallPlan, *, context: str, destination: str, language: str) -> str:
    """``plan`` as a dialplan document for the context and destination FreeSWITCH asked for."""
    document = ET.Element("document", type="freeswitch/xml")
    section = ET.SubElement(document, "section", name="dialplan", description="centrex routing")
    context_element = ET.SubElement(section, "context", name=context)
    extension = ET.SubElement(context_element, "extension", name=f"centrex-{plan.kind}")
    cleaned = numbering.clean_dialled(destination)
    expression = f"^{re.escape(destination)}$" if cleaned is not None else "^.*$"
    condition = ET.SubElement(extension, "condition", field="destination_number", expression=expression)

    actions: list[tuple[str, str]] = [*_call_variables(plan)]
    early_media = False
    with translation.override(language or settings.LANGUAGE_CODE):
        for step in plan.steps:
            if isinstance(step, PlayAnnouncement) and not early_media:
                actions.append(("pre_answer", ""))
                early_media = True
            actions.extend(_render_step(step, plan.tenant_id))
    variables: dict[str, str] = {}
    for application, data in actions:
        if application == "set":
            # Consecutive ring steps (sequential hunt groups) repeat the same settings: keep only the changes.
            name, _sep, value = data.partition("=")
            if variables.get(name) == value:
                continue
            variables[name] = value
        action = ET.SubElement(condition, "action", application=application)
        if data:
            action.set("data", data)
    ET.indent(document, space="  ")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(document, encoding="unicode") + "\n"


def _call_variables(plan: CallPlan) -> list[tuple[str, str]]:
    """Exported to every leg, so that CDRs, events and the switch gateway see tenant and kind."""
    variables: list[tuple[str, str]] = []
    if plan.tenant_id:
        _check(_TENANT_ID, plan.tenant_id)
        variables.append(("export", f"tenant_id={plan.tenant_id}"))
    variables.append(("export", f"centrex_call_kind={plan.kind}"))
    if plan.caller_extension and _EXTENSION.match(plan.caller_extension):
        variables.append(("export", f"centrex_caller_extension={plan.caller_extension}"))
    if plan.destination and _DIAL_NUMBER.match(plan.destination):
        variables.append(("export", f"centrex_destination={plan.destination}"))
    return variables


def _render_step(step: Step, tenant_id: str = "") -> list[tuple[str, str]]:
    if isinstance(step, GroupCall):
        _check(_TENANT_ID, step.group_id)
        for extension_id in step.member_extension_ids:
            _check(_TENANT_ID, extension_id)
        # On every leg, so the switch gateway can tell which group a member answered for (state.record_answer).
        return [
            ("export", f"centrex_group_id={step.group_id}"),
            ("export", f"centrex_group_members={'|'.join(step.member_extension_ids)}"),
        ]
    if isinstance(step, RingTone):
        source = _media_source(tenant_id, step.media)
        # What the caller hears until a member answers: before the answer (ringback) and after a transfer.
        return [("set", f"ringback={source}"), ("set", f"transfer_ringback={source}")]
    if isinstance(step, PlayMedia):
        return [("answer", ""), ("playback", _media_source(tenant_id, step.media))]
    if isinstance(step, RingTargets):
        return _render_ring(step)
    if isinstance(step, BridgeExternal):
        return _render_bridge_external(step)
    if isinstance(step, PlayAnnouncement):
        return [("playback", SIT_TONE)]
    if isinstance(step, Reject):
        phrase = safe_text(str(REFUSAL_PHRASES[step.reason]), limit=60)
        # "respond" gives SIP callers the code with a readable reason; "hangup" ends any other channel.
        return [("respond", f"{step.sip_code} {phrase}"), ("hangup", SIP_CODE_CAUSES[step.sip_code])]
    if isinstance(step, Busy):
        return [("hangup", "USER_BUSY")]
    if isinstance(step, Voicemail) and _COMPANY_MAILBOX.match(step.mailbox):
        return _render_company_voicemail(step, tenant_id)
    if isinstance(step, Voicemail):
        _check(_DOMAIN, step.domain)
        _check(_EXTENSION, step.mailbox)
        # mod_voicemail's stock profile "default"; the mailbox is the extension number in the tenant's domain.
        return [("answer", ""), ("voicemail", f"default {step.domain} {step.mailbox}")]
    if isinstance(step, Hangup):
        if step.cause == HangupCause.LAST_ATTEMPT:
            # The cause the last bridge attempt failed with (USER_BUSY, NO_ANSWER, USER_NOT_REGISTERED ...).
            return [("hangup", "${originate_disposition}")]
        return [("hangup", "NORMAL_CLEARING")]
    raise TypeError(f"no rendering for step {type(step).__name__}")


def _render_company_voicemail(step: Voicemail, tenant_id: str) -> list[tuple[str, str]]:
    """A company mailbox ([VTX] §2.8) with mod_voicemail's stock profile "default".

    mod_voicemail finds the mailbox (``vm-password``, ``vm-mailto``) in the directory
    (``telephony.freeswitch.directory``) and speaks its phrases in ``default_language``. An
    uploaded greeting is fetched through mod_http_cache (``http_get`` answers the local copy, which
    mod_voicemail needs as a file) and given as ``voicemail_greeting_path``; without one, the stock
    greeting reads out the number. A key during the greeting leads to the password prompt
    (mod_voicemail's ``login-keys`` of the profile). "Greeting only" plays the greeting and the plan hangs up.
    """
    _check(_DOMAIN, step.domain)
    _check(_COMPANY_MAILBOX, step.mailbox)
    actions: list[tuple[str, str]] = [("answer", "")]
    if step.language:
        _check(_LANGUAGE, step.language)
        actions.append(("set", f"default_language={step.language}"))
    if step.check:
        return [*actions, ("voicemail", f"check default {step.domain} {step.mailbox}")]
    greeting = None
    if step.greeting is not None:
        _check(_TENANT_ID, tenant_id)
        _check(_TENANT_ID, step.greeting)
        greeting = media.node_source(tenant_id, step.greeting)
    spoken = step.spoken_number if _DIGITS.match(step.spoken_number or "") else ""
    if not step.record:
        if greeting is None:
            return [*actions, ("playback", f"phrase:voicemail_play_greeting:{spoken or step.mailbox}")]
        return [*actions, ("playback", greeting)]
    if greeting is not None:
        actions.append(("set", f"voicemail_greeting_path=${{http_get({greeting.removeprefix('http_cache://')})}}"))
    elif spoken:
        actions.append(("set", f"voicemail_alternate_greet_id={spoken}"))
    return [*actions, ("voicemail", f"default {step.domain} {step.mailbox}")]


def _media_source(tenant_id: str, ref: MediaRef) -> str:
    if ref.media_id is None:
        return media.builtin_source(ref.kind)
    _check(_TENANT_ID, tenant_id)
    _check(_TENANT_ID, ref.media_id)
    return media.node_source(tenant_id, ref.media_id)


def _caller_id_actions(caller_id: CallerId) -> list[tuple[str, str]]:
    actions: list[tuple[str, str]] = []
    if caller_id.number is not None:
        _check(_DIAL_NUMBER, caller_id.number)
        actions.append(("set", f"effective_caller_id_number={caller_id.number}"))
        actions.append(("set", f"effective_caller_id_name={safe_text(caller_id.name) or caller_id.number}"))
    return actions


def _render_ring(step: RingTargets) -> list[tuple[str, str]]:
    timeout = int(step.timeout_s)
    # Intercom: sofia sends the device "Call-Info: <sip:...>;answer-after=0" (and "Alert-Info: Ring Answer")
    # when the leg has sip_auto_answer=true, so phones that support it answer at once without ringing.
    device_leg = f"leg_timeout={timeout},sip_auto_answer=true" if step.auto_answer else f"leg_timeout={timeout}"
    legs = []
    for endpoint in step.endpoints:
        _check(_SIP_USER, endpoint.sip_username)
        _check(_DOMAIN, endpoint.domain)
        legs.append(f"[{device_leg}]user/{endpoint.sip_username}@{endpoint.domain}")
    for outside in step.outside:
        # Parallel ringing of an outside number: that leg shows the ringing extension's outside caller ID.
        _check(_DIAL_NUMBER, outside.number)
        _check(_TRUNK, outside.trunk)
        leg_variables = [f"leg_timeout={timeout}", "sip_cid_type=pid"]
        if outside.caller_id.number is not None:
            _check(_DIAL_NUMBER, outside.caller_id.number)
            leg_variables.append(f"origination_caller_id_number={outside.caller_id.number}")
        if outside.caller_id.withheld:
            leg_variables.append("origination_privacy=hide_name+hide_number")
        legs.append(f"[{','.join(leg_variables)}]sofia/gateway/{outside.trunk}/{outside.number}")
    caller = _caller_id_actions(step.caller_id)
    if step.caller_id.number is None:
        caller = [("set", "effective_caller_id_number=anonymous"), ("set", "effective_caller_id_name=anonymous")]
    return [
        *caller,
        ("set", f"call_timeout={timeout}"),
        ("set", "hangup_after_bridge=true"),
        ("set", "continue_on_fail=true"),
        # Comma: all devices ring at once.
        ("bridge", ",".join(legs)),
    ]


def _render_bridge_external(step: BridgeExternal) -> list[tuple[str, str]]:
    _check(_DIAL_NUMBER, step.number)
    timeout = int(step.timeout_s)
    actions = _caller_id_actions(step.caller_id)
    # The carrier gets the true number in P-Asserted-Identity even when it is withheld from the callee.
    actions.append(("set", "sip_cid_type=pid"))
    if step.caller_id.withheld and not step.emergency:
        actions.append(("privacy", "full"))
    actions += [
        ("set", f"call_timeout={timeout}"),
        ("set", "hangup_after_bridge=true"),
        # An emergency call tries every trunk whatever went wrong; others only when the trunk failed.
        ("set", "continue_on_fail=" + ("true" if step.emergency else ",".join(TRUNK_FAILURE_CAUSES))),
    ]
    for trunk in step.trunks:
        _check(_TRUNK, trunk)
        actions.append(("bridge", f"[leg_timeout={timeout}]sofia/gateway/{trunk}/{step.number}"))
    return actions


def safe_text(value: str, *, limit: int = 50) -> str:
    """Free text reduced to characters FreeSWITCH neither expands nor splits on."""
    return " ".join(_UNSAFE_TEXT.sub("", value or "").split())[:limit]


def _check(pattern: re.Pattern[str], value: str) -> None:
    # The data comes from validated models; a mismatch is a bug, and must not reach the switch.
    if not pattern.match(value):
        raise ValueError(f"refusing to render an unexpected value {value!r}")
