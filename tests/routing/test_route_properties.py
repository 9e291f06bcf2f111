"""Properties of ``route()`` that hold for every snapshot, call and live state (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.calls import numbering
from telephony.calls.routing import (
    TERMINAL_STEPS,
    BridgeExternal,
    CallerIdMode,
    CallKind,
    CallPlan,
    CallRequest,
    CallSource,
    ClassOfService,
    ExtensionInfo,
    LiveState,
    RingTargets,
    TenantSnapshot,
    TenantState,
    route,
)
from tests.routing.builders import NOW, TENANT_ID

COUNTRIES = ["DE", "AT", "CH", "FR", "GB", "US"]
OWNED_NUMBERS = ["+49891234560", "+49891234561", "+43123456789", "+41441234567"]
OUTSIDE_NUMBERS = ["08912345678", "+498912345678", "00442079460958", "09001234567", "01801234567", "+12125551234", "2125551234"]
EXTENSION_NUMBERS = ["10", "100", "1001", "1002", "1003", "2000", "4711", "123456"]
EMERGENCY = sorted({number for numbers in numbering.EMERGENCY_NUMBERS.values() for number in numbers})
USERNAMES = ["1001", "1002", "desk", "soft", "web-1", "1003"]


@st.composite
def extensions(draw: st.DrawFn, number: str) -> ExtensionInfo:
    return ExtensionInfo(
        number=number,
        display_name=draw(st.text(max_size=20)),
        devices=tuple(sorted(draw(st.sets(st.sampled_from(USERNAMES), max_size=3)))),
        class_of_service=draw(st.sampled_from(ClassOfService)),
        allow_premium=draw(st.booleans()),
        caller_id_mode=draw(st.sampled_from(CallerIdMode)),
        own_number=draw(st.none() | st.sampled_from(OWNED_NUMBERS)),
        presented_number=draw(st.none() | st.sampled_from(OWNED_NUMBERS)),
    )


@st.composite
def snapshots(draw: st.DrawFn) -> TenantSnapshot:
    numbers = draw(st.lists(st.sampled_from(EXTENSION_NUMBERS), unique=True, max_size=5))
    infos = {number: draw(extensions(number)) for number in numbers}
    devices: dict[str, str] = {}
    for info in infos.values():
        for username in info.devices:
            devices.setdefault(username, info.number)
    # A device belongs to one extension: drop it from the others.
    infos = {
        number: ExtensionInfo(**{**info.__dict__, "devices": tuple(u for u in info.devices if devices[u] == number)})
        for number, info in infos.items()
    }
    owned = draw(st.lists(st.sampled_from(OWNED_NUMBERS[:3]), unique=True))
    status = draw(st.sampled_from(TenantState))
    return TenantSnapshot(
        tenant_id=TENANT_ID,
        sip_domain="tenant-a.example",
        country=draw(st.sampled_from(COUNTRIES)),
        status=status,
        tryout_ends_at=NOW + draw(st.sampled_from([timedelta(days=-1), timedelta(days=3)]))
        if status == TenantState.TRYOUT
        else None,
        access_code_required=draw(st.booleans()),
        max_outside_calls=draw(st.integers(0, 3)),
        main_number=draw(st.none() | st.sampled_from(OWNED_NUMBERS)),
        extensions=infos,
        devices=devices,
        numbers={number: draw(st.none() | st.sampled_from(numbers)) if numbers else None for number in owned},
        trunks=tuple(draw(st.lists(st.sampled_from(["carrier-a", "carrier-b", "carrier-c"]), unique=True, max_size=3))),
    )


destinations = st.one_of(
    st.sampled_from(EXTENSION_NUMBERS + EMERGENCY + OUTSIDE_NUMBERS + OWNED_NUMBERS),
    st.builds(lambda number: "0" + number, st.sampled_from(EMERGENCY + OUTSIDE_NUMBERS + EXTENSION_NUMBERS)),
    st.builds(lambda number: number + "#", st.sampled_from(EXTENSION_NUMBERS + EMERGENCY + OUTSIDE_NUMBERS)),
    st.text(max_size=12),
)


@st.composite
def calls(draw: st.DrawFn, snapshot: TenantSnapshot) -> CallRequest:
    source = draw(st.sampled_from(CallSource))
    if source == CallSource.DEVICE:
        caller = draw(st.sampled_from([*USERNAMES, "stranger"]))
    elif source == CallSource.ORIGINATE:
        caller = draw(st.sampled_from(EXTENSION_NUMBERS))
    else:
        caller = draw(st.sampled_from(["+4930123456", "anonymous", "", "0301234567"]))
    return CallRequest(TENANT_ID, source, draw(destinations), caller, NOW, caller_name=draw(st.text(max_size=10)))


@st.composite
def situations(draw: st.DrawFn) -> tuple[CallRequest, TenantSnapshot, LiveState]:
    snapshot = draw(snapshots())
    live = LiveState(outside_calls=draw(st.integers(0, 5)))
    return draw(calls(snapshot)), snapshot, live


def bridges(plan: CallPlan) -> list[BridgeExternal]:
    return [step for step in plan.steps if isinstance(step, BridgeExternal)]


def is_emergency_dial(call: CallRequest, snapshot: TenantSnapshot) -> bool:
    digits = numbering.clean_dialled(call.destination)
    if digits is None or call.source == CallSource.TRUNK:
        return False
    if numbering.is_emergency_number(digits, snapshot.country):
        return True
    return (
        snapshot.access_code_required and digits.startswith("0") and numbering.is_emergency_number(digits[1:], snapshot.country)
    )


@settings(max_examples=250)
@given(situations())
def test_property_emergency_numbers_always_bridge_out(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    if is_emergency_dial(call, snapshot) and snapshot.trunks:
        assert plan.kind == CallKind.EMERGENCY
        (bridge,) = bridges(plan)
        assert bridge.emergency and bridge.trunks == snapshot.trunks
        assert not bridge.caller_id.withheld


@settings(max_examples=250)
@given(situations())
def test_property_only_allowed_callers_go_outside(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    if not plan.goes_outside or plan.kind == CallKind.EMERGENCY:
        return
    # a non-emergency outside call: from an extension with outside rights, of a tenant in good
    # standing, under the limit, never from a trunk
    assert call.source != CallSource.TRUNK
    caller = snapshot.extensions[plan.caller_extension]
    assert caller.class_of_service != ClassOfService.INTERNAL
    assert snapshot.can_place_calls(call.now)
    assert live.outside_calls < snapshot.max_outside_calls
    (bridge,) = bridges(plan)
    outside = numbering.outside_number(bridge.number, snapshot.country)
    assert outside is not None and outside.e164 == bridge.number
    assert caller.allow_premium or not outside.premium
    assert caller.class_of_service == ClassOfService.INTERNATIONAL or not outside.international


@settings(max_examples=250)
@given(situations())
def test_property_blocked_tenant_gets_only_emergency_calls(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    if not snapshot.can_place_calls(call.now):
        assert plan.kind in (CallKind.EMERGENCY, CallKind.REFUSED)
        assert not any(isinstance(step, RingTargets) for step in plan.steps)


@settings(max_examples=250)
@given(situations())
def test_property_every_plan_ends_in_one_definite_outcome(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    plan = route(*situation)
    assert plan.steps and isinstance(plan.outcome, TERMINAL_STEPS)
    assert sum(isinstance(step, TERMINAL_STEPS) for step in plan.steps) == 1
    assert plan.tenant_id == TENANT_ID


@settings(max_examples=200)
@given(situations())
def test_property_routing_is_deterministic(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    assert route(*situation) == route(*situation)


@settings(max_examples=250)
@given(situations())
def test_property_no_step_leaves_the_tenant(situation: tuple[CallRequest, TenantSnapshot, LiveState]) -> None:
    call, snapshot, live = situation
    plan = route(call, snapshot, live)
    for step in plan.steps:
        if isinstance(step, RingTargets):
            assert step.endpoints
            for endpoint in step.endpoints:
                assert endpoint.domain == snapshot.sip_domain
                assert endpoint.sip_username in snapshot.devices
        if isinstance(step, BridgeExternal):
            assert step.trunks == snapshot.trunks
            # only the tenant's own numbers are ever presented
            assert step.caller_id.number is None or step.caller_id.number in snapshot.numbers


hostile_text = st.text(alphabet=st.sampled_from("ab1 ${}(),;=|^[]<>&\"'\n\\/"), max_size=20)
ALLOWED_APPLICATIONS = {"export", "set", "bridge", "hangup", "pre_answer", "playback", "respond", "privacy"}


@settings(max_examples=250)
@given(situations(), hostile_text, st.one_of(hostile_text, st.sampled_from(EXTENSION_NUMBERS + OUTSIDE_NUMBERS)))
def test_property_rendered_plan_is_safe_xml_with_known_applications_only(
    situation: tuple[CallRequest, TenantSnapshot, LiveState], name: str, destination: str
) -> None:
    import xml.etree.ElementTree as ET
    from dataclasses import replace

    from telephony.freeswitch.dialplan import render_plan

    # given display names and destinations full of characters FreeSWITCH or XML treat specially
    call, snapshot, live = situation
    extensions = {number: replace(info, display_name=name) for number, info in snapshot.extensions.items()}
    call = replace(call, destination=destination, caller_name=name)
    plan = route(call, replace(snapshot, extensions=extensions), live)
    # when
    document = render_plan(plan, context=snapshot.sip_domain, destination=destination, language="en")
    # then it parses, uses only our applications, and no free text can expand or split
    actions = ET.fromstring(document.encode()).findall("./section/context/extension/condition/action")
    assert actions
    for action in actions:
        application, data = action.get("application"), action.get("data", "")
        assert application in ALLOWED_APPLICATIONS
        assert "\n" not in data and '"' not in data
        if data != "${originate_disposition}":
            assert "$" not in data and "{" not in data and "}" not in data
        if application == "set" and data.startswith("effective_caller_id_name="):
            assert not set(data.split("=", 1)[1]) & set(",;=|^[]<>&'\\")
