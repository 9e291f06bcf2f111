"""Event normalisation: a FreeSWITCH event (decoded headers) becomes a small typed record.

Pure functions, no I/O: the switch gateway resolves the tenant and the user, updates live state
and publishes the domain events. The header names are those of the recorded FreeSWITCH 1.10
events (``shared/fixtures/freeswitch/esl/05_*`` and ``06_*``) and of mod_sofia's
``sofia::register_failure`` / ``sofia::expire`` (same module, not in the recordings).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

# What the gateway subscribes to ("event plain ..."): nothing else is sent by the node.
CHANNEL_EVENTS = ("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE")
SOFIA_EVENTS = ("sofia::register", "sofia::unregister", "sofia::expire", "sofia::register_failure")
SUBSCRIPTION = (*CHANNEL_EVENTS, "PRESENCE_IN", "CUSTOM", *SOFIA_EVENTS)

# The sofia profile of the platform's trunks (see deploy/freeswitch/ and sync.EXTERNAL_PROFILE).
EXTERNAL_PROFILE = "external"

_CHANNEL_OPS = {
    "CHANNEL_CREATE": "started",
    "CHANNEL_ANSWER": "answered",
    "CHANNEL_BRIDGE": "bridged",
    "CHANNEL_HANGUP_COMPLETE": "ended",
}
_CONTACT_URI = re.compile(r"<([^>]*)>")


@dataclass(frozen=True)
class Registration:
    domain: str
    sip_user: str
    call_id: str
    contact: str
    network_ip: str
    network_port: int
    user_agent: str
    expires: int
    tenant_hint: str


@dataclass(frozen=True)
class Unregistration:
    domain: str
    sip_user: str
    call_id: str
    contact: str
    reason: str  # "unregister" or "expire"
    tenant_hint: str


@dataclass(frozen=True)
class RegisterFailure:
    domain: str
    sip_user: str
    network_ip: str
    network_port: int
    user_agent: str


@dataclass(frozen=True)
class ChannelChange:
    op: str  # started / answered / bridged / ended
    uuid: str
    domain: str
    tenant_hint: str
    sip_user: str  # the tenant's device on this leg ("" for a trunk or loopback leg)
    direction: str  # inbound / outbound, seen from the switch
    caller_number: str
    caller_name: str
    destination: str
    other_leg: str
    outside: bool  # this leg is on a trunk
    hangup_cause: str
    created_at: float  # epoch seconds
    group_id: str = ""  # the hunt group the call came through (exported by the dialplan), or ""


@dataclass(frozen=True)
class PresenceChange:
    domain: str
    sip_user: str
    state: str  # idle / ringing / busy / offline


SwitchEvent = Registration | Unregistration | RegisterFailure | ChannelChange | PresenceChange


def tenant_hint(value: str) -> str:
    """``value`` when it is a canonical UUID (our directory and dialplan set ``tenant_id`` so), else ``""``."""
    try:
        return value if str(uuid.UUID(value)) == value else ""
    except (ValueError, AttributeError, TypeError):
        return ""


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _split_address(value: str) -> tuple[str, str]:
    user, _, domain = value.partition("@")
    return user, domain.lower()


def normalise(event: Mapping[str, str]) -> SwitchEvent | None:
    """The record for one event, or None for events the control plane does not act on."""
    name = event.get("Event-Name", "")
    if name == "CUSTOM":
        return _sofia(event)
    if name in _CHANNEL_OPS:
        return _channel(event, _CHANNEL_OPS[name])
    if name == "PRESENCE_IN":
        return _presence(event)
    return None


def _sofia(event: Mapping[str, str]) -> SwitchEvent | None:
    subclass = event.get("Event-Subclass", "")
    if subclass == "sofia::register":
        return Registration(
            domain=(event.get("realm") or event.get("from-host") or "").lower(),
            sip_user=event.get("username") or event.get("from-user", ""),
            call_id=event.get("call-id", ""),
            contact=event.get("contact", ""),
            network_ip=event.get("network-ip", ""),
            network_port=_int(event.get("network-port")),
            user_agent=event.get("user-agent", ""),
            expires=_int(event.get("expires")),
            tenant_hint=tenant_hint(event.get("tenant_id", "")),
        )
    if subclass in ("sofia::unregister", "sofia::expire"):
        return Unregistration(
            domain=(event.get("realm") or event.get("from-host") or event.get("host") or "").lower(),
            sip_user=event.get("username") or event.get("from-user") or event.get("user", ""),
            call_id=event.get("call-id", ""),
            contact=contact_uri(event.get("contact", "")),
            reason=subclass.partition("::")[2],
            tenant_hint=tenant_hint(event.get("tenant_id", "")),
        )
    if subclass == "sofia::register_failure":
        return RegisterFailure(
            domain=event.get("to-host", "").lower(),
            sip_user=event.get("to-user", ""),
            network_ip=event.get("network-ip", ""),
            network_port=_int(event.get("network-port")),
            user_agent=event.get("user-agent", ""),
        )
    return None


def _channel(event: Mapping[str, str], op: str) -> ChannelChange | None:
    channel = event.get("Unique-ID", "")
    if not channel:
        return None
    presence_user, presence_domain = _split_address(event.get("Channel-Presence-ID", ""))
    name = event.get("Channel-Name", "")
    outside = name.startswith("sofia/gateway/") or event.get("variable_sofia_profile_name") == EXTERNAL_PROFILE
    loopback = name.startswith("loopback/")
    device = "" if outside or loopback else presence_user or event.get("variable_dialed_user", "")
    domain = (
        event.get("variable_domain_name")
        or event.get("variable_dialed_domain")
        or presence_domain
        or event.get("Caller-Context", "")
    ).lower()
    return ChannelChange(
        op=op,
        uuid=channel,
        domain=domain,
        tenant_hint=tenant_hint(event.get("variable_tenant_id", "")),
        sip_user=device,
        direction=event.get("Call-Direction", ""),
        caller_number=event.get("Caller-Caller-ID-Number", ""),
        caller_name=event.get("Caller-Caller-ID-Name", ""),
        destination=event.get("Caller-Destination-Number", ""),
        other_leg=event.get("Other-Leg-Unique-ID") or event.get("Bridge-B-Unique-ID") or "",
        outside=outside,
        hangup_cause=event.get("Hangup-Cause", "") if op == "ended" else "",
        created_at=_int(event.get("Caller-Channel-Created-Time")) / 1_000_000,
        group_id=tenant_hint(event.get("variable_centrex_group_id", "")),
    )


def _presence(event: Mapping[str, str]) -> PresenceChange | None:
    user, domain = _split_address(event.get("Channel-Presence-ID") or event.get("from", ""))
    if not user or not domain:
        return None
    if event.get("presence-source") == "register":
        state = "offline" if event.get("status", "").lower() == "unregistered" else "idle"
    else:
        state = {"ringing": "ringing", "early": "ringing", "answered": "busy", "hangup": "idle"}.get(
            event.get("Answer-State", ""), ""
        )
    if not state:
        return None
    return PresenceChange(domain=domain, sip_user=user, state=state)


def contact_uri(contact: str) -> str:
    """``"" <sip:1001@127.0.0.1:5062;transport=UDP>`` -> ``sip:1001@127.0.0.1:5062;transport=UDP``."""
    match = _CONTACT_URI.search(contact)
    return match.group(1) if match else contact.strip()
