"""POST /freeswitch/cdr/: mod_json_cdr posts, turned into call records.

mod_json_cdr sends the raw JSON CDR of one channel as the body (labelled
``application/x-www-form-urlencoded``) with ``?uuid=<channel uuid>`` on the URL. This module
knows that format: it finds the call a leg belongs to (the A leg's uuid), the tenant (the
``tenant_id`` our directory and dialplan set, else the tenant's SIP domain from the channel),
the direction, and hands a neutral ``CallLegReport`` to ``telephony.calls.services``.

Answers: 200 when stored or deliberately not stored (a CDR of no known tenant is logged and
acknowledged, so the node does not retry it forever); 400 for a body that is not a CDR
(nothing stored; the node keeps it in its error directory); 401 for anything not from a node.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError

from telephony.calls.choices import CallDirection
from telephony.calls.services import CallLegReport, do_record_call_leg
from telephony.freeswitch import auth
from telephony.freeswitch.xmlcurl import BAD_REQUEST, MAX_BODY_BYTES, UNAUTHORIZED, Answer

if TYPE_CHECKING:
    from tenants.models import Tenant

logger = logging.getLogger(__name__)

OK = Answer(200, "ok\n", "text/plain; charset=utf-8")
# mod_json_cdr bodies are a few tens of kB; a long call with many applications can grow them.
MAX_CDR_BYTES = 16 * MAX_BODY_BYTES

# Switch variables kept on the leg for troubleshooting (not the whole CDR).
KEPT_VARIABLES = (
    "sip_call_id",
    "sip_user_agent",
    "sip_network_ip",
    "sip_term_status",
    "sip_hangup_disposition",
    "hangup_cause_q850",
    "read_codec",
    "write_codec",
    "last_app",
    "last_arg",
    "bridge_uuid",
    "sofia_profile_name",
    "sip_gateway_name",
    "rtp_audio_in_mos",
)


class CdrError(ValueError):
    """The body is not a CDR we can read."""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _int(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


def _time(variables: Mapping[str, Any], name: str) -> datetime | None:
    """A channel time from ``<name>_uepoch`` (microseconds) or ``<name>_epoch``; ``None`` for 0/absent."""
    micro = _int(variables.get(f"{name}_uepoch"))
    if micro:
        return datetime.fromtimestamp(micro / 1_000_000, tz=UTC)
    seconds = _int(variables.get(f"{name}_epoch"))
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def _caller_profile(cdr: Mapping[str, Any]) -> Mapping[str, Any]:
    callflow = cdr.get("callflow")
    first = callflow[0] if isinstance(callflow, list) and callflow else callflow
    profile = first.get("caller_profile") if isinstance(first, Mapping) else None
    return profile if isinstance(profile, Mapping) else {}


def _originator_uuid(profile: Mapping[str, Any]) -> uuid.UUID | None:
    originator = profile.get("originator")
    if isinstance(originator, Mapping):
        profiles = originator.get("originator_caller_profiles")
        if isinstance(profiles, list) and profiles and isinstance(profiles[0], Mapping):
            return _uuid(profiles[0].get("uuid"))
    return None


def _direction(variables: Mapping[str, Any], profile: Mapping[str, Any], is_a_leg: bool) -> str:
    """Inbound from a trunk, outbound to a trunk, or internal (seen from the tenant)."""
    hint = variables.get("centrex_call_direction")
    if hint in CallDirection.values:
        return hint
    if is_a_leg and (variables.get("sofia_profile_name") == "external" or profile.get("context") == "public"):
        return CallDirection.INBOUND
    channels = (
        _text(variables.get("channel_name")),
        _text(variables.get("bridge_channel")),
        _text(variables.get("last_bridge_to")),
    )
    if variables.get("sip_gateway_name") or any(channel.startswith("sofia/gateway/") for channel in channels):
        return CallDirection.OUTBOUND
    return CallDirection.INTERNAL


def parse_cdr(body: bytes) -> tuple[CallLegReport, str, list[str]]:
    """The leg report of one mod_json_cdr body, its ``tenant_id`` variable and the SIP domains that may name its tenant."""
    try:
        cdr = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise CdrError("not JSON") from error
    if not isinstance(cdr, Mapping) or not isinstance(cdr.get("variables"), Mapping):
        raise CdrError("no channel variables")
    variables: Mapping[str, Any] = cdr["variables"]
    profile = _caller_profile(cdr)
    leg_uuid = _uuid(variables.get("uuid"))
    started_at = _time(variables, "start")
    ended_at = _time(variables, "end")
    if leg_uuid is None or started_at is None or ended_at is None:
        raise CdrError("uuid or times missing")

    # The call is keyed by its A leg: a bridged or originated leg names its originator, the B
    # side of a loopback pair names its partner.
    call_uuid = _originator_uuid(profile)
    if call_uuid is None and variables.get("loopback_leg") == "B":
        call_uuid = _uuid(variables.get("other_loopback_leg_uuid"))
    is_a_leg = call_uuid is None or call_uuid == leg_uuid
    call_uuid = call_uuid or leg_uuid

    answered_at = _time(variables, "answer")
    report = CallLegReport(
        leg_uuid=leg_uuid,
        call_uuid=call_uuid,
        is_a_leg=is_a_leg,
        direction=_direction(variables, profile, is_a_leg),
        channel_name=_text(variables.get("channel_name")),
        caller_number=_text(profile.get("caller_id_number")),
        caller_name=_text(profile.get("caller_id_name")),
        destination=_text(profile.get("destination_number")),
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        duration=_int(variables.get("duration")),
        billsec=_int(variables.get("billsec")),
        hangup_cause=_text(variables.get("hangup_cause")),
        extension_id=_uuid(variables.get("extension_id")),
        # The A leg's device authenticated as user_name; a leg we called is the dialled user.
        sip_user=_text(variables.get("user_name") if is_a_leg else variables.get("dialed_user")),
        variables={name: variables[name] for name in KEPT_VARIABLES if isinstance(variables.get(name), str)},
    )
    domains = [
        _text(variables.get(name)).lower()
        for name in ("domain_name", "user_context", "dialed_domain", "requested_domain_name")
        if variables.get(name)
    ]
    if profile.get("context"):
        domains.append(_text(profile.get("context")).lower())
    return report, _text(variables.get("tenant_id")), domains


def resolve_tenant(tenant_id: object, domains: list[str]) -> Tenant | None:
    """The tenant of a CDR: the ``tenant_id`` channel variable when it is one of ours, else its SIP domain."""
    from tenants.models import Tenant

    candidate = _uuid(tenant_id)
    if candidate is not None:
        tenant = Tenant.objects.filter(pk=candidate).first()
        if tenant is not None:
            return tenant
    if not domains:
        return None
    by_domain = {tenant.sip_domain: tenant for tenant in Tenant.objects.filter(sip_domain__in=set(domains))}
    return next((by_domain[domain] for domain in domains if domain in by_domain), None)


def handle_cdr_request(
    *, remote_addr: str, forwarded_for: str | None, authorization: str | None, body: bytes, query_uuid: str | None
) -> Answer:
    """Answer one POST to /freeswitch/cdr/."""
    address = auth.client_address(remote_addr, forwarded_for)
    node = auth.authenticate_node(authorization, address, endpoint="cdr")
    if node is None:
        return UNAUTHORIZED
    if len(body) > MAX_CDR_BYTES:
        logger.warning("cdr refused: too large", extra={"node": node.name, "size": len(body)})
        return BAD_REQUEST
    try:
        report, tenant_id, domains = parse_cdr(body)
    except CdrError as error:
        logger.warning("cdr refused: malformed", extra={"node": node.name, "reason": str(error)})
        return BAD_REQUEST
    if query_uuid and _uuid(query_uuid.removeprefix("a_")) != report.leg_uuid:
        logger.warning("cdr refused: uuid mismatch", extra={"node": node.name, "leg": str(report.leg_uuid)})
        return BAD_REQUEST
    tenant = resolve_tenant(tenant_id, domains)
    if tenant is None:
        logger.warning(
            "cdr of no known tenant not stored", extra={"node": node.name, "leg": str(report.leg_uuid), "domains": domains}
        )
        return OK
    try:
        do_record_call_leg(tenant, report=report, node_id=node.id)
    except IntegrityError:
        logger.warning("cdr refused: call belongs to another tenant", extra={"node": node.name, "call": str(report.call_uuid)})
        return BAD_REQUEST
    return OK
