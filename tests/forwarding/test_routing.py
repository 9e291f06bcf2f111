"""The pure engine with forwarding profiles and DND ([DFN] §1.9, §1.10): hand-built snapshots, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from telephony.calls.routing import (
    BridgeExternal,
    Busy,
    CallerId,
    CallKind,
    ClassOfService,
    Endpoint,
    ExtensionInfo,
    ForwardCondition,
    ForwardRule,
    ForwardTarget,
    Hangup,
    HangupCause,
    LiveState,
    PlayAnnouncement,
    Refusal,
    Reject,
    RingTargets,
    Voicemail,
    route,
)
from tests.routing.builders import DOMAIN, from_device, from_trunk, snapshot

IDLE = LiveState()
FROM_1002 = CallerId("1002", "Extension 1002")
RING_1001 = (Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN))
ALWAYS, BUSY, NO_ANSWER, NOT_REGISTERED = (
    ForwardCondition.ALWAYS,
    ForwardCondition.BUSY,
    ForwardCondition.NO_ANSWER,
    ForwardCondition.NOT_REGISTERED,
)


def forwarding(*rules: ForwardRule, dnd: bool = False, number: str = "1001", **fields: object):
    """The builders' snapshot with ``rules`` (and DND) on extension ``number``."""
    base = snapshot(**fields)
    extensions = dict(base.extensions)
    extensions[number] = replace(extensions[number], forwarding=rules, dnd=dnd)
    return replace(base, extensions=extensions)


def to_voicemail(condition: ForwardCondition, seconds: int = 30) -> ForwardRule:
    return ForwardRule(condition, ForwardTarget.VOICEMAIL, no_answer_s=seconds)


def to_number(condition: ForwardCondition, number: str, seconds: int = 30) -> ForwardRule:
    return ForwardRule(condition, ForwardTarget.NUMBER, number, no_answer_s=seconds)


VOICEMAIL_1001 = (Voicemail("1001", DOMAIN), Hangup())


# --- always ---------------------------------------------------------------------------
def test_route_always_to_voicemail_goes_straight_to_the_mailbox() -> None:
    plan = route(from_device("1001", username="1002"), forwarding(to_voicemail(ALWAYS)), IDLE)
    assert plan.kind == CallKind.INTERNAL
    assert plan.steps == VOICEMAIL_1001
    assert not plan.needs_line_state


def test_route_always_to_busy_ends_busy() -> None:
    plan = route(from_device("1001", username="1002"), forwarding(ForwardRule(ALWAYS, ForwardTarget.BUSY)), IDLE)
    assert plan.steps == (Busy(),)


def test_route_always_to_extension_rings_it_without_following_its_forwarding() -> None:
    # given 1001 forwards to 1003, which itself forwards to 1001 (a loop)
    snap = forwarding(to_number(ALWAYS, "1003"))
    snap = replace(
        snap, extensions={**snap.extensions, "1003": replace(snap.extensions["1003"], forwarding=(to_number(ALWAYS, "1001"),))}
    )
    # when 1002 calls 1001
    plan = route(from_device("1001", username="1002"), snap, IDLE)
    # then 1003 rings, once
    assert plan.steps == (RingTargets((Endpoint("1003", DOMAIN),), 30, FROM_1002), Hangup(HangupCause.LAST_ATTEMPT))


def test_route_always_to_outside_number_calls_out_as_the_forwarding_extension() -> None:
    # given 1001 (national, own DID) forwards always to +49892343123 ([DFN] §3.1's example)
    plan = route(from_device("1001", username="1003"), forwarding(to_number(ALWAYS, "+49892343123")), IDLE)
    # then even internal-only 1003 reaches it: 1001 calls out, presenting its own number
    assert plan.steps == (
        BridgeExternal("+49892343123", ("carrier-a", "carrier-b"), CallerId("+49891234561", "Extension 1001"), 60),
        Hangup(HangupCause.LAST_ATTEMPT),
    )


def test_route_always_outside_beyond_class_of_service_refused() -> None:
    # given 1001 (national only) forwards abroad (set before its class of service changed)
    plan = route(from_device("1001", username="1002"), forwarding(to_number(ALWAYS, "+442079460958")), IDLE)
    assert plan.steps == (
        PlayAnnouncement(Refusal.INTERNATIONAL_NOT_ALLOWED),
        Reject(403, Refusal.INTERNATIONAL_NOT_ALLOWED),
    )


def test_route_always_outside_lines_full_refused_counting_the_trunk_call() -> None:
    # given one outside call in progress and a limit of 2: the incoming trunk call holds the second line
    snap = forwarding(to_number(ALWAYS, "+49892343123"))
    plan = route(from_trunk("+49891234561"), snap, LiveState(outside_calls=1))
    assert plan.kind == CallKind.INBOUND
    assert plan.outcome == Reject(503, Refusal.ALL_LINES_BUSY)
    # with no other call the forward goes out
    assert isinstance(route(from_trunk("+49891234561"), snap, IDLE).steps[0], BridgeExternal)


def test_route_did_to_extension_follows_its_forwarding() -> None:
    plan = route(from_trunk("+49891234561"), forwarding(to_voicemail(ALWAYS)), IDLE)
    assert (plan.kind, plan.steps, plan.destination) == (CallKind.INBOUND, VOICEMAIL_1001, "+49891234561")


def test_route_own_extension_calling_itself_is_not_forwarded() -> None:
    # given 1001's desk phone calls 1001 (its softphone rings)
    plan = route(from_device("1001", username="1001"), forwarding(to_voicemail(ALWAYS), dnd=True), IDLE)
    assert plan.steps == (
        RingTargets((Endpoint("1001-2", DOMAIN),), 30, CallerId("1001", "Extension 1001")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )


# --- DND ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rules", "steps"),
    [
        ((), (Busy(),)),
        ((to_voicemail(BUSY),), VOICEMAIL_1001),
        ((to_number(BUSY, "1003"), to_voicemail(ALWAYS)), VOICEMAIL_1001),
        ((to_voicemail(NO_ANSWER, 10),), (Busy(),)),
    ],
)
def test_route_dnd_uses_always_then_busy_target_else_busy(rules: tuple[ForwardRule, ...], steps: tuple) -> None:
    plan = route(from_device("1001", username="1002"), forwarding(*rules, dnd=True), IDLE)
    assert plan.steps == steps
    assert not any(isinstance(step, RingTargets) for step in plan.steps)


# --- busy -----------------------------------------------------------------------------
def test_route_busy_forwards_when_a_device_is_in_a_call() -> None:
    snap = forwarding(to_number(BUSY, "1003"))
    # the first pass asks for the line state
    first = route(from_device("1001", username="1002"), snap, IDLE)
    assert first.needs_line_state and isinstance(first.steps[0], RingTargets)
    # in a call: forwarded
    busy = LiveState(registered=frozenset({"1001", "1001-2"}), busy=frozenset({"1001-2"}))
    plan = route(from_device("1001", username="1002"), snap, busy)
    assert plan.steps == (RingTargets((Endpoint("1003", DOMAIN),), 30, FROM_1002), Hangup(HangupCause.LAST_ATTEMPT))
    # idle: rings
    idle = LiveState(registered=frozenset({"1001"}), busy=frozenset({"1003"}))
    assert route(from_device("1001", username="1002"), snap, idle).steps[0] == RingTargets(RING_1001, 30, FROM_1002)


def test_route_busy_to_busy_target_is_busy_step() -> None:
    busy = LiveState(registered=frozenset({"1001"}), busy=frozenset({"1001"}))
    plan = route(from_device("1001", username="1002"), forwarding(ForwardRule(BUSY, ForwardTarget.BUSY)), busy)
    assert plan.steps == (Busy(),)


# --- not registered -------------------------------------------------------------------
def test_route_not_registered_forwards_when_no_device_is_registered() -> None:
    snap = forwarding(to_voicemail(NOT_REGISTERED))
    nobody = LiveState(registered=frozenset({"1002"}), busy=frozenset())
    assert route(from_device("1001", username="1002"), snap, nobody).steps == VOICEMAIL_1001
    one = LiveState(registered=frozenset({"1001-2"}), busy=frozenset())
    assert route(from_device("1001", username="1002"), snap, one).steps[0] == RingTargets(RING_1001, 30, FROM_1002)


def test_route_not_registered_extension_without_devices_forwards_at_once() -> None:
    # 1004 has no device at all: without a rule it is not reachable, with one it forwards
    assert route(from_device("1004", username="1002"), snapshot(), IDLE).outcome == Reject(480, Refusal.NOT_REACHABLE)
    plan = route(from_device("1004", username="1002"), forwarding(to_number(NOT_REGISTERED, "1002"), number="1004"), IDLE)
    assert plan.outcome == Reject(480, Refusal.NOT_REACHABLE)  # 1002 calls itself through the forward: no other device
    plan = route(from_device("1004", username="1003"), forwarding(to_number(NOT_REGISTERED, "1002"), number="1004"), IDLE)
    assert plan.steps == (
        RingTargets((Endpoint("1002", DOMAIN),), 30, CallerId("1003", "Extension 1003")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )


# --- no answer ------------------------------------------------------------------------
@pytest.mark.parametrize("seconds", [5, 10, 15, 20])
def test_route_no_answer_rings_for_the_timer_then_forwards(seconds: int) -> None:
    plan = route(from_device("1001", username="1002"), forwarding(to_voicemail(NO_ANSWER, seconds)), IDLE)
    assert plan.steps == (RingTargets(RING_1001, seconds, FROM_1002), *VOICEMAIL_1001)
    # Only because call waiting is off (busy while in a call): the no-answer rule itself needs no line state.
    assert plan.needs_line_state


def test_route_no_answer_to_outside_number_after_ringing() -> None:
    snap = forwarding(to_number(NO_ANSWER, "+49892343123", 15), number="1002")
    plan = route(from_trunk("+49891234560"), snap, IDLE)
    ring, bridge, end = plan.steps
    assert ring == RingTargets((Endpoint("1002", DOMAIN),), 15, CallerId("+4930123456", ""))
    assert isinstance(bridge, BridgeExternal) and bridge.number == "+49892343123"
    # 1002 presents the main number (caller-ID mode "main")
    assert bridge.caller_id.number == "+49891234560"
    assert end == Hangup(HangupCause.LAST_ATTEMPT)


def test_route_always_wins_over_the_other_conditions() -> None:
    rules = (to_voicemail(ALWAYS), to_number(BUSY, "1003"), to_number(NO_ANSWER, "1003", 5), to_number(NOT_REGISTERED, "1003"))
    assert route(from_device("1001", username="1002"), forwarding(*rules), IDLE).steps == VOICEMAIL_1001


def test_route_group_members_are_not_forwarded_and_not_rung_with_dnd() -> None:
    from telephony.calls.routing import GroupInfo, GroupMemberInfo

    group = GroupInfo(
        "00000000-0000-0000-0000-000000000301",
        "301",
        "Sales",
        "simultaneous",
        2,
        1,
        (GroupMemberInfo("e1", "1001"), GroupMemberInfo("e3", "1003")),
    )
    snap = replace(forwarding(to_voicemail(ALWAYS), dnd=True), groups={group.id: group}, group_numbers={"301": group.id})
    plan = route(from_device("301", username="1002"), snap, IDLE)
    # 1001 has global DND (and forwards always to voicemail): the group call neither rings it nor follows its forward
    assert not any(isinstance(step, Voicemail) for step in plan.steps)
    rung = {e.sip_username for step in plan.steps if isinstance(step, RingTargets) for e in step.endpoints}
    assert rung == {"1003"}


def test_route_group_member_devices_with_their_own_dnd_do_not_ring() -> None:
    from telephony.calls.routing import GroupInfo, GroupMemberInfo

    group = GroupInfo(
        "00000000-0000-0000-0000-000000000301", "301", "Sales", "simultaneous", 2, 1, (GroupMemberInfo("e1", "1001"),)
    )
    base = forwarding(to_voicemail(ALWAYS))
    member = replace(base.extensions["1001"], forwarding=(), dnd_devices=frozenset({"1001-2"}))
    snap = replace(
        base, extensions={**base.extensions, "1001": member}, groups={group.id: group}, group_numbers={"301": group.id}
    )
    plan = route(from_device("301", username="1002"), snap, IDLE)
    rung = {e.sip_username for step in plan.steps if isinstance(step, RingTargets) for e in step.endpoints}
    assert rung == {"1001"}


def test_route_forwarding_from_internal_only_extension_to_outside_refused() -> None:
    snap = forwarding(to_number(ALWAYS, "+49892343123"), number="1003")
    assert snap.extensions["1003"].class_of_service == ClassOfService.INTERNAL
    plan = route(from_device("1003", username="1002"), snap, IDLE)
    assert plan.outcome == Reject(403, Refusal.OUTSIDE_CALLS_NOT_ALLOWED)


def test_extension_info_forward_rule_lookup() -> None:
    info = ExtensionInfo("1001", "x", (), forwarding=(to_voicemail(BUSY),))
    assert info.forward_rule(BUSY) == to_voicemail(BUSY)
    assert info.forward_rule(ALWAYS) is None
