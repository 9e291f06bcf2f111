"""Properties of ``route()`` with forwarding rules and DND on any extension (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.calls import numbering
from telephony.calls.routing import (
    TERMINAL_STEPS,
    BridgeExternal,
    CallRequest,
    CallSource,
    ForwardCondition,
    ForwardRule,
    ForwardTarget,
    LiveState,
    RingTargets,
    TenantSnapshot,
    Voicemail,
    route,
)
from tests.routing.test_route_properties import EXTENSION_NUMBERS, USERNAMES, calls, snapshots

FORWARD_NUMBERS = [*EXTENSION_NUMBERS, "+49892343123", "+442079460958", "+499001234567", "+49891234560"]


@st.composite
def rules(draw: st.DrawFn) -> tuple[ForwardRule, ...]:
    conditions = draw(st.sets(st.sampled_from(ForwardCondition)))
    found = []
    for condition in sorted(conditions):
        target = draw(st.sampled_from(ForwardTarget))
        number = draw(st.sampled_from(FORWARD_NUMBERS)) if target == ForwardTarget.NUMBER else ""
        found.append(ForwardRule(condition, target, number, draw(st.sampled_from([5, 10, 15, 20]))))
    return tuple(found)


@st.composite
def forwarding_situations(draw: st.DrawFn) -> tuple[CallRequest, TenantSnapshot, LiveState]:
    snapshot = draw(snapshots())
    extensions = {
        number: replace(info, forwarding=draw(rules()), dnd=draw(st.booleans())) for number, info in snapshot.extensions.items()
    }
    snapshot = replace(snapshot, extensions=extensions)
    known = st.none() | st.frozensets(st.sampled_from(USERNAMES))
    live = LiveState(outside_calls=draw(st.integers(0, 5)), registered=draw(known), busy=draw(known))
    call = draw(calls(snapshot))
    if draw(st.booleans()) and extensions:
        call = replace(call, destination=draw(st.sampled_from(sorted(extensions))))
    return call, snapshot, live


@settings(max_examples=300)
@given(forwarding_situations())
def test_property_forwarded_plans_end_in_one_definite_outcome(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    plan = route(*situation)
    assert isinstance(plan.outcome, TERMINAL_STEPS)
    assert sum(isinstance(step, TERMINAL_STEPS) for step in plan.steps) == 1
    assert route(*situation) == plan


@settings(max_examples=300)
@given(forwarding_situations())
def test_property_forwarding_stays_in_the_tenant_and_its_rules(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    for step in plan.steps:
        if isinstance(step, RingTargets):
            assert step.endpoints and all(e.sip_username in snapshot.devices for e in step.endpoints)
        if isinstance(step, Voicemail):
            assert step.mailbox in snapshot.extensions and step.domain == snapshot.sip_domain
        if isinstance(step, BridgeExternal) and not step.emergency:
            assert step.trunks == snapshot.trunks
            assert step.caller_id.number is None or step.caller_id.number in snapshot.numbers
            outside = numbering.outside_number(step.number, snapshot.country)
            assert outside is not None and step.number not in snapshot.numbers
            # never for a blocked tenant, never beyond the line limit (a trunk call holds a line itself)
            assert snapshot.can_place_calls(call.now)
            assert live.outside_calls + (1 if call.source == CallSource.TRUNK else 0) < snapshot.max_outside_calls


@settings(max_examples=200)
@given(forwarding_situations())
def test_property_dnd_extension_never_rings_for_others(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    target = snapshot.extensions.get(numbering.clean_dialled(call.destination) or "")
    if target is None or not target.dnd or plan.caller_extension == target.number or plan.groups:
        return
    if call.source == CallSource.TRUNK:
        return  # a DID reaches extensions by number, not by the dialled digits
    rung = {e.sip_username for step in plan.steps if isinstance(step, RingTargets) for e in step.endpoints}
    forwarded_to = {r.number for r in target.forwarding if r.target == ForwardTarget.NUMBER}
    others = {u for n in forwarded_to if n in snapshot.extensions for u in snapshot.extensions[n].devices}
    assert rung <= others
