"""The pure engine with call options ([DFN] §1.8, §1.10): call waiting, parallel ringing, DND per device, intercom."""

from __future__ import annotations

from dataclasses import replace

from telephony.calls.routing import (
    Busy,
    CallerId,
    CallKind,
    CallRequest,
    CallSource,
    ClassOfService,
    Endpoint,
    ForwardCondition,
    ForwardRule,
    ForwardTarget,
    Hangup,
    HangupCause,
    LiveState,
    OutsideLeg,
    PlayAnnouncement,
    Refusal,
    Reject,
    RingTargets,
    TenantSnapshot,
    TenantState,
    Voicemail,
    route,
)
from tests.routing.builders import DOMAIN, NOW, TENANT_ID, from_device, from_trunk, snapshot

IDLE = LiveState()
FROM_1002 = CallerId("1002", "Extension 1002")
RING_1001 = (Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN))
LAST = Hangup(HangupCause.LAST_ATTEMPT)


def with_1001(**fields: object) -> TenantSnapshot:
    """The builders' snapshot with extension 1001 (devices 1001 and 1001-2) changed."""
    base = snapshot()
    extensions = dict(base.extensions)
    extensions["1001"] = replace(extensions["1001"], **fields)
    return replace(base, extensions=extensions)


def line(*busy: str) -> LiveState:
    """Line state read: everybody registered, ``busy`` devices in a call."""
    return LiveState(registered=frozenset({"1001", "1001-2", "1002", "1003"}), busy=frozenset(busy))


def intercom(destination: str, username: str = "1002") -> CallRequest:
    return CallRequest(TENANT_ID, CallSource.DEVICE, destination, username, NOW, intercom=True)


# --- call waiting ----------------------------------------------------------------------
def test_route_call_waiting_off_busy_extension_is_busy() -> None:
    # given 1001 (call waiting off, the default) with its desk phone in a call
    plan = route(from_device("1001", username="1002"), with_1001(), line("1001"))
    # then the second call is busy, and the plan said it depends on the line state
    assert plan.steps == (Busy(),)
    assert plan.needs_line_state


def test_route_call_waiting_off_busy_extension_follows_busy_forwarding() -> None:
    rule = ForwardRule(ForwardCondition.BUSY, ForwardTarget.VOICEMAIL)
    plan = route(from_device("1001", username="1002"), with_1001(forwarding=(rule,)), line("1001-2"))
    assert plan.steps == (Voicemail("1001", DOMAIN), Hangup())


def test_route_call_waiting_off_idle_extension_rings_after_reading_the_line_state() -> None:
    first = route(from_device("1001", username="1002"), with_1001(), IDLE)
    assert first.needs_line_state
    assert first.steps == (RingTargets(RING_1001, 30, FROM_1002), LAST)
    assert route(from_device("1001", username="1002"), with_1001(), line("1003")).steps == first.steps


def test_route_call_waiting_on_busy_extension_rings() -> None:
    # given call waiting on, even with a busy rule
    rule = ForwardRule(ForwardCondition.BUSY, ForwardTarget.VOICEMAIL)
    plan = route(from_device("1001", username="1002"), with_1001(call_waiting=True, forwarding=(rule,)), line("1001"))
    # then the call rings (the phone gives the call-waiting tone) instead of being busy or forwarded
    assert plan.steps == (RingTargets(RING_1001, 30, FROM_1002), LAST)
    assert not plan.needs_line_state


def test_route_call_waiting_off_calling_own_extension_from_a_busy_device_rings_the_other() -> None:
    # given 1001's desk phone, in this very call, calls its own extension
    plan = route(from_device("1001", username="1001"), with_1001(), line("1001"))
    # then the other device rings: the extension is not "busy" with the call itself
    assert plan.steps == (RingTargets((Endpoint("1001-2", DOMAIN),), 30, CallerId("1001", "Extension 1001")), LAST)


def test_route_call_waiting_applies_to_trunk_calls() -> None:
    plan = route(from_trunk("+49891234561"), with_1001(), line("1001"))
    assert plan.kind == CallKind.INBOUND
    assert plan.steps == (Busy(),)


# --- parallel ringing ------------------------------------------------------------------
def test_route_parallel_ring_extension_rings_with_the_devices() -> None:
    plan = route(from_device("1001", username="1003"), with_1001(parallel_ring="1002"), IDLE)
    ring = plan.steps[0]
    assert isinstance(ring, RingTargets)
    assert ring.endpoints == (*RING_1001, Endpoint("1002", DOMAIN))
    assert ring.outside == ()


def test_route_parallel_ring_extension_never_rings_the_caller() -> None:
    plan = route(from_device("1001", username="1002"), with_1001(parallel_ring="1002"), IDLE)
    assert plan.steps[0] == RingTargets(RING_1001, 30, FROM_1002)


def test_route_parallel_ring_outside_number_rings_over_the_first_trunk_as_the_extension() -> None:
    plan = route(from_device("1001", username="1002"), with_1001(parallel_ring="+4930555123"), IDLE)
    ring = plan.steps[0]
    assert isinstance(ring, RingTargets)
    assert ring.endpoints == RING_1001
    # the outside party sees 1001's own number (its outside caller ID), not the internal caller
    assert ring.outside == (OutsideLeg("+4930555123", "carrier-a", CallerId("+49891234561", "Extension 1001")),)


def test_route_parallel_ring_outside_number_under_the_extensions_class_of_service() -> None:
    # given 1001 may only call nationally: an international parallel target is left out, the devices ring
    international = route(from_device("1001", username="1002"), with_1001(parallel_ring="+4121555123"), IDLE)
    assert international.steps[0] == RingTargets(RING_1001, 30, FROM_1002)
    internal_only = with_1001(parallel_ring="+4930555123", class_of_service=ClassOfService.INTERNAL)
    assert route(from_device("1001", username="1002"), internal_only, IDLE).steps[0] == RingTargets(RING_1001, 30, FROM_1002)


def test_route_parallel_ring_outside_number_respects_the_outside_call_limit() -> None:
    full = LiveState(outside_calls=2)
    plan = route(from_device("1001", username="1002"), with_1001(parallel_ring="+4930555123"), full)
    assert plan.steps[0] == RingTargets(RING_1001, 30, FROM_1002)


def test_route_parallel_ring_with_no_device_rings_the_target_alone() -> None:
    plan = route(from_trunk("+49891234561"), with_1001(devices=(), parallel_ring="1002"), IDLE)
    assert plan.steps[0].endpoints == (Endpoint("1002", DOMAIN),)


def test_route_parallel_ring_not_applied_when_forwarded_always() -> None:
    rule = ForwardRule(ForwardCondition.ALWAYS, ForwardTarget.VOICEMAIL)
    plan = route(from_device("1001", username="1002"), with_1001(parallel_ring="1003", forwarding=(rule,)), IDLE)
    assert plan.steps == (Voicemail("1001", DOMAIN), Hangup())


# --- DND per device ----------------------------------------------------------------------
def test_route_device_dnd_skips_that_device_only() -> None:
    plan = route(from_device("1001", username="1002"), with_1001(dnd_devices=frozenset({"1001-2"})), IDLE)
    assert plan.steps[0] == RingTargets((Endpoint("1001", DOMAIN),), 30, FROM_1002)


def test_route_device_dnd_on_every_device_follows_forwarding_like_global_dnd() -> None:
    rule = ForwardRule(ForwardCondition.BUSY, ForwardTarget.VOICEMAIL)
    all_dnd = frozenset({"1001", "1001-2"})
    plan = route(from_device("1001", username="1002"), with_1001(dnd_devices=all_dnd, forwarding=(rule,)), IDLE)
    assert plan.steps == (Voicemail("1001", DOMAIN), Hangup())
    # without forwarding: busy, as under global DND
    assert route(from_device("1001", username="1002"), with_1001(dnd_devices=all_dnd), IDLE).steps == (Busy(),)


def test_route_device_dnd_skipped_when_forwarded_to_that_extension() -> None:
    # given 1002 forwards always to 1001, whose 1001-2 has DND on
    base = with_1001(dnd_devices=frozenset({"1001-2"}))
    extensions = dict(base.extensions)
    rule = ForwardRule(ForwardCondition.ALWAYS, ForwardTarget.NUMBER, "1001")
    extensions["1002"] = replace(extensions["1002"], forwarding=(rule,))
    plan = route(from_device("1002", username="1003"), replace(base, extensions=extensions), IDLE)
    assert plan.steps[0].endpoints == (Endpoint("1001", DOMAIN),)


# --- intercom ------------------------------------------------------------------------------
INTERCOM_ON = {"intercom": True, "primary_device": "1001-2", "intercom_devices": frozenset({"1001-2"})}


def test_route_intercom_rings_the_primary_device_auto_answered() -> None:
    plan = route(intercom("1001"), with_1001(**INTERCOM_ON), IDLE)
    assert plan.kind == CallKind.INTERNAL
    assert plan.steps == (RingTargets((Endpoint("1001-2", DOMAIN),), 10, FROM_1002, auto_answer=True), LAST)
    assert plan.needs_line_state


def test_route_intercom_ignores_forwarding() -> None:
    rule = ForwardRule(ForwardCondition.ALWAYS, ForwardTarget.VOICEMAIL)
    plan = route(intercom("1001"), with_1001(**INTERCOM_ON, forwarding=(rule,)), IDLE)
    assert plan.steps[0] == RingTargets((Endpoint("1001-2", DOMAIN),), 10, FROM_1002, auto_answer=True)


def test_route_intercom_refused_unless_on_and_primary_device_flagged() -> None:
    refused = (PlayAnnouncement(Refusal.INVALID_NUMBER), Reject(484, Refusal.INVALID_NUMBER))
    cases = [
        {**INTERCOM_ON, "intercom": False},  # the target did not turn intercom on
        {**INTERCOM_ON, "intercom_devices": frozenset({"1001"})},  # another device is flagged, not the primary one
        {**INTERCOM_ON, "primary_device": "1001"},  # the primary device is not flagged
        {**INTERCOM_ON, "primary_device": None},  # no (active) primary device
    ]
    for fields in cases:
        plan = route(intercom("1001"), with_1001(**fields), IDLE)
        assert plan.kind == CallKind.REFUSED, fields
        assert plan.steps == refused
    # an unknown extension, or one's own
    assert route(intercom("1099"), with_1001(**INTERCOM_ON), IDLE).steps == refused
    assert route(intercom("1001", username="1001"), with_1001(**INTERCOM_ON), IDLE).steps == refused


def test_route_intercom_busy_when_dnd_or_in_a_call() -> None:
    assert route(intercom("1001"), with_1001(**INTERCOM_ON, dnd=True), IDLE).steps == (Busy(),)
    assert route(intercom("1001"), with_1001(**INTERCOM_ON, dnd_devices=frozenset({"1001-2"})), IDLE).steps == (Busy(),)
    assert route(intercom("1001"), with_1001(**INTERCOM_ON), line("1001-2")).steps == (Busy(),)


def test_route_intercom_in_a_suspended_tenant_is_refused() -> None:
    plan = route(intercom("1001"), replace(with_1001(**INTERCOM_ON), status=TenantState.SUSPENDED), IDLE)
    assert plan.steps == (PlayAnnouncement(Refusal.SERVICE_SUSPENDED), Reject(403, Refusal.SERVICE_SUSPENDED))


def test_route_intercom_from_an_unknown_device_is_refused() -> None:
    plan = route(intercom("1001", username="9999"), with_1001(**INTERCOM_ON), IDLE)
    assert plan.steps[-1] == Reject(403, Refusal.CALLER_UNKNOWN)


def test_route_intercom_to_emergency_number_still_goes_out() -> None:
    # an intercom code never hides an emergency call: the number is routed as dialled
    plan = route(intercom("112"), with_1001(**INTERCOM_ON), IDLE)
    assert plan.kind == CallKind.EMERGENCY
