"""The pure engine with selective (source-based) forwarding rules ([DFN] §1.9): hand-built snapshots, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from telephony.calls.routing import (
    BridgeExternal,
    Busy,
    CallerId,
    CallKind,
    Endpoint,
    ForwardCondition,
    ForwardRule,
    ForwardTarget,
    Hangup,
    HangupCause,
    LiveState,
    RingTargets,
    SelectiveMatch,
    SelectiveRule,
    TenantSnapshot,
    Voicemail,
    route,
    selective_rule,
)
from tests.routing.builders import DOMAIN, from_device, from_trunk, snapshot

IDLE = LiveState()
DID_1001 = "+49891234561"
RING_1001 = (Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN))
VOICEMAIL_1001 = (Voicemail("1001", DOMAIN), Hangup())
ALWAYS, BUSY, NO_ANSWER = ForwardCondition.ALWAYS, ForwardCondition.BUSY, ForwardCondition.NO_ANSWER


def with_rules(*selective: SelectiveRule, forwarding: tuple[ForwardRule, ...] = (), dnd: bool = False) -> TenantSnapshot:
    """The builders' snapshot with 1001's active profile holding ``forwarding`` and ``selective`` rules."""
    base = snapshot()
    extensions = dict(base.extensions)
    extensions["1001"] = replace(extensions["1001"], forwarding=forwarding, selective=selective, dnd=dnd)
    return replace(base, extensions=extensions)


def forward(match: SelectiveMatch, *rules: ForwardRule, value: str = "", numbers: tuple[str, ...] = ()) -> SelectiveRule:
    return SelectiveRule(match, value, frozenset(numbers), allow=False, forwarding=rules)


def allow(match: SelectiveMatch, value: str = "", numbers: tuple[str, ...] = ()) -> SelectiveRule:
    return SelectiveRule(match, value, frozenset(numbers), allow=True)


def always_to(number: str) -> ForwardRule:
    return ForwardRule(ALWAYS, ForwardTarget.NUMBER, number)


VOICEMAIL_ALWAYS = ForwardRule(ALWAYS, ForwardTarget.VOICEMAIL)


def ringing_extension(plan, number: str) -> tuple[Endpoint, ...]:
    (ring,) = [step for step in plan.steps if isinstance(step, RingTargets)]
    return ring.endpoints


def bridged_number(plan) -> str:
    (bridge,) = {step.number for step in plan.steps if isinstance(step, BridgeExternal)}
    return bridge


# --- the seed's worked examples ([DFN] §1.9) --------------------------------------------------
def test_route_anonymous_callers_always_go_to_voicemail() -> None:
    # given 1001's active profile: anonymous callers -> always -> voicemail, no ordinary rule
    snap = with_rules(forward(SelectiveMatch.ANONYMOUS, VOICEMAIL_ALWAYS))
    # when a caller withholds the number, or the carrier sends none / "anonymous"
    for call in (
        from_trunk(DID_1001, caller="+4930123456", caller_withheld=True),
        from_trunk(DID_1001, caller=""),
        from_trunk(DID_1001, caller="anonymous"),
    ):
        plan = route(call, snap, IDLE)
        # then they reach the mailbox
        assert (plan.kind, plan.steps) == (CallKind.INBOUND, VOICEMAIL_1001)
    # while a caller with a number, and a colleague, ring 1001
    assert route(from_trunk(DID_1001, caller="+4930123456"), snap, IDLE).steps[0] == RingTargets(
        RING_1001, 30, CallerId("+4930123456")
    )
    assert ringing_extension(route(from_device("1001", username="1002"), snap, IDLE), "1001") == RING_1001


def test_route_withheld_number_is_not_shown_to_the_extension() -> None:
    plan = route(from_trunk(DID_1001, caller="+4930123456", caller_withheld=True), with_rules(), IDLE)
    assert plan.steps[0] == RingTargets(RING_1001, 30, CallerId(None))


def test_route_all_internal_calls_to_the_assistant_who_always_gets_through() -> None:
    # given: all internal calls -> always -> the assistant 1002, plus a rule letting 1002 itself through
    snap = with_rules(
        forward(SelectiveMatch.INTERNAL, always_to("1002")),
        allow(SelectiveMatch.EXTENSION, "1002"),
    )
    # when 1003 calls, 1002 rings instead of 1001
    plan = route(from_device("1001", username="1003"), snap, IDLE)
    assert plan.steps == (
        RingTargets((Endpoint("1002", DOMAIN),), 30, CallerId("1003", "Extension 1003")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )
    # when the assistant calls, 1001 rings
    plan = route(from_device("1001", username="1002"), snap, IDLE)
    assert plan.steps[0] == RingTargets(RING_1001, 30, CallerId("1002", "Extension 1002"))
    # and outside callers are not internal: 1001 rings for them too
    assert route(from_trunk(DID_1001), snap, IDLE).steps[0].endpoints == RING_1001


PREFIX_RULES = (
    forward(SelectiveMatch.PREFIX, always_to("1002"), value="+49"),  # a German-speaking colleague
    forward(SelectiveMatch.PREFIX, always_to("1003"), value="+4989"),  # Munich
    forward(SelectiveMatch.PREFIX, VOICEMAIL_ALWAYS, value="+4989999998"),  # one company
    allow(SelectiveMatch.PREFIX, value="+4989999998101"),  # one person's DDI: always gets through
)


@pytest.mark.parametrize("order", [PREFIX_RULES, tuple(reversed(PREFIX_RULES))])
@pytest.mark.parametrize(
    ("caller", "outcome"),
    [
        ("+4930123456", "1002"),  # Berlin: only +49 matches
        ("+4989555666", "1003"),  # Munich
        ("+4989999998100", "voicemail"),  # the company, another person
        ("+4989999998101", "rings 1001"),  # the one person allowed through
        ("+33142685300", "ordinary"),  # no rule: the profile's ordinary rule
    ],
)
def test_route_prefix_rules_the_most_specific_wins(order: tuple[SelectiveRule, ...], caller: str, outcome: str) -> None:
    # given the four prefix levels (in either order) and an ordinary "always -> +4922112345" rule
    snap = with_rules(*order, forwarding=(always_to("+4922112345"),))
    # when the caller calls 1001's number
    plan = route(from_trunk(DID_1001, caller=caller), snap, IDLE)
    # then the most specific rule decides
    if outcome == "voicemail":
        assert plan.steps == VOICEMAIL_1001
    elif outcome == "rings 1001":
        assert plan.steps[0] == RingTargets(RING_1001, 30, CallerId(caller))
    elif outcome == "ordinary":
        assert bridged_number(plan) == "+4922112345"
    else:
        assert ringing_extension(plan, outcome) == (Endpoint(outcome, DOMAIN),)


# --- matching, kind by kind ------------------------------------------------------------------
def test_route_contact_rule_matches_any_of_its_numbers() -> None:
    snap = with_rules(forward(SelectiveMatch.CONTACT, VOICEMAIL_ALWAYS, numbers=("+4930123456", "+4917612345678")))
    assert route(from_trunk(DID_1001, caller="+4930123456"), snap, IDLE).steps == VOICEMAIL_1001
    # the carrier's national form is normalised before matching
    assert route(from_trunk(DID_1001, caller="017612345678"), snap, IDLE).steps == VOICEMAIL_1001
    assert route(from_trunk(DID_1001, caller="+4930999999"), snap, IDLE).steps[0].endpoints == RING_1001


def test_route_extension_rule_beats_all_internal() -> None:
    snap = with_rules(
        forward(SelectiveMatch.INTERNAL, ForwardRule(ALWAYS, ForwardTarget.BUSY)),
        forward(SelectiveMatch.EXTENSION, VOICEMAIL_ALWAYS, value="1003"),
    )
    assert route(from_device("1001", username="1003"), snap, IDLE).steps == VOICEMAIL_1001
    assert route(from_device("1001", username="1002"), snap, IDLE).steps == (Busy(),)


def test_route_whole_number_beats_a_contact_which_beats_a_prefix() -> None:
    number = "+4930123456"
    prefix = forward(SelectiveMatch.PREFIX, ForwardRule(ALWAYS, ForwardTarget.BUSY), value="+4930")
    contact = forward(SelectiveMatch.CONTACT, VOICEMAIL_ALWAYS, numbers=(number,))
    exact = forward(SelectiveMatch.PREFIX, always_to("1002"), value=number)
    call = from_trunk(DID_1001, caller=number)
    assert route(call, with_rules(prefix), IDLE).steps == (Busy(),)
    assert route(call, with_rules(prefix, contact), IDLE).steps == VOICEMAIL_1001
    assert route(call, with_rules(contact, prefix), IDLE).steps == VOICEMAIL_1001
    assert ringing_extension(route(call, with_rules(exact, contact, prefix), IDLE), "1002") == (Endpoint("1002", DOMAIN),)
    assert ringing_extension(route(call, with_rules(prefix, contact, exact), IDLE), "1002") == (Endpoint("1002", DOMAIN),)


def test_selective_rule_groups_of_callers_never_compete() -> None:
    rules = (
        forward(SelectiveMatch.ANONYMOUS, VOICEMAIL_ALWAYS),
        forward(SelectiveMatch.INTERNAL, VOICEMAIL_ALWAYS),
        forward(SelectiveMatch.PREFIX, VOICEMAIL_ALWAYS, value="+49"),
    )
    assert selective_rule(rules, internal="1002") is rules[1]
    assert selective_rule(rules, outside="+4930123456") is rules[2]
    assert selective_rule(rules) is rules[0]
    # no rule for a group: none
    assert selective_rule(rules[:1], internal="1002") is None
    assert selective_rule(rules[1:], outside="+33142685300") is None
    assert selective_rule(rules[1:]) is None


def test_route_from_click_to_call_counts_as_internal() -> None:
    from telephony.calls.routing import CallRequest, CallSource
    from tests.routing.builders import NOW, TENANT_ID

    snap = with_rules(forward(SelectiveMatch.INTERNAL, VOICEMAIL_ALWAYS))
    call = CallRequest(TENANT_ID, CallSource.ORIGINATE, "1001", "1002", NOW)
    assert route(call, snap, IDLE).steps == VOICEMAIL_1001


def test_route_internal_caller_via_the_did_is_still_internal() -> None:
    # 1003 dials 1001's own outside number: routed inside, and 1003 is who calls
    snap = with_rules(forward(SelectiveMatch.EXTENSION, VOICEMAIL_ALWAYS, value="1003"))
    assert route(from_device(DID_1001, username="1003"), snap, IDLE).steps == VOICEMAIL_1001


# --- what a matching rule does -----------------------------------------------------------------
def test_route_selective_rule_replaces_the_ordinary_rules() -> None:
    # given ordinary rules "always -> voicemail"; Munich callers: no answer after 10 s -> 1002
    no_answer = ForwardRule(NO_ANSWER, ForwardTarget.NUMBER, "1002", no_answer_s=10)
    snap = with_rules(forward(SelectiveMatch.PREFIX, no_answer, value="+4989"), forwarding=(VOICEMAIL_ALWAYS,))
    plan = route(from_trunk(DID_1001, caller="+4989555666"), snap, IDLE)
    assert plan.steps == (
        RingTargets(RING_1001, 10, CallerId("+4989555666")),
        RingTargets((Endpoint("1002", DOMAIN),), 30, CallerId("+4989555666")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )
    # others follow the ordinary rule
    assert route(from_trunk(DID_1001, caller="+4930123456"), snap, IDLE).steps == VOICEMAIL_1001


def test_route_selective_busy_condition_reads_the_line_state() -> None:
    snap = with_rules(forward(SelectiveMatch.INTERNAL, ForwardRule(BUSY, ForwardTarget.VOICEMAIL)))
    call = from_device("1001", username="1002")
    first = route(call, snap, IDLE)
    assert first.needs_line_state
    busy = LiveState(registered=frozenset({"1001"}), busy=frozenset({"1001"}))
    assert route(call, snap, busy).steps == VOICEMAIL_1001
    idle = LiveState(registered=frozenset({"1001"}), busy=frozenset())
    assert route(call, snap, idle).steps[0].endpoints == RING_1001


def test_route_allow_skips_the_ordinary_rules_but_not_dnd() -> None:
    snap = with_rules(allow(SelectiveMatch.EXTENSION, "1002"), forwarding=(VOICEMAIL_ALWAYS,))
    assert route(from_device("1001", username="1002"), snap, IDLE).steps[0].endpoints == RING_1001
    # global DND still means no device rings: with no rule of its own the allowed caller hears busy
    dnd = with_rules(allow(SelectiveMatch.EXTENSION, "1002"), forwarding=(VOICEMAIL_ALWAYS,), dnd=True)
    assert route(from_device("1001", username="1002"), dnd, IDLE).steps == (Busy(),)


def test_route_extension_calling_itself_is_never_forwarded() -> None:
    snap = with_rules(forward(SelectiveMatch.INTERNAL, VOICEMAIL_ALWAYS))
    plan = route(from_device("1001", username="1001-2"), snap, IDLE)
    assert plan.steps[0].endpoints == (Endpoint("1001", DOMAIN),)


def test_route_selective_outside_target_calls_out_as_the_forwarding_extension() -> None:
    snap = with_rules(forward(SelectiveMatch.ANONYMOUS, always_to("+49892343123")))
    plan = route(from_trunk(DID_1001, caller="", caller_withheld=True), snap, IDLE)
    assert plan.steps[0] == BridgeExternal(
        "+49892343123", ("carrier-a", "carrier-b"), CallerId("+49891234561", "Extension 1001"), 60
    )
