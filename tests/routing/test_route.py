"""The pure routing engine: one test per rule, on hand-built snapshots (no database, no switch)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from telephony.calls.routing import (
    BridgeExternal,
    Busy,
    CallerId,
    CallerIdMode,
    CallKind,
    CallPlan,
    CallRequest,
    CallSource,
    ClassOfService,
    Endpoint,
    Hangup,
    HangupCause,
    LiveState,
    PlayAnnouncement,
    Refusal,
    Reject,
    RingTargets,
    TenantState,
    route,
)
from tests.routing.builders import DOMAIN, MAIN_NUMBER, NOW, TENANT_ID, extension, from_device, from_trunk, snapshot

IDLE = LiveState()


def assert_refused(plan: CallPlan, reason: Refusal, sip_code: int) -> None:
    assert plan.kind == CallKind.REFUSED
    assert plan.steps == (PlayAnnouncement(reason), Reject(sip_code, reason))
    assert not plan.goes_outside


def bridge_of(plan: CallPlan) -> BridgeExternal:
    assert isinstance(plan.steps[0], BridgeExternal)
    assert plan.outcome == Hangup(HangupCause.LAST_ATTEMPT)
    return plan.steps[0]


# --- internal calls ------------------------------------------------------------------
def test_route_extension_to_extension_rings_all_its_devices() -> None:
    # given 1002 calling 1001, which has two active devices
    # when
    plan = route(from_device("1001", username="1002"), snapshot(), IDLE)
    # then
    assert plan.kind == CallKind.INTERNAL
    assert plan.steps == (
        RingTargets((Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN)), 30, CallerId("1002", "Extension 1002")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )
    assert (plan.caller_extension, plan.destination, plan.tenant_id) == ("1002", "1001", TENANT_ID)


def test_route_trailing_hash_is_stripped_and_number_rings_at_once() -> None:
    plan = route(from_device("1002#"), snapshot(), IDLE)
    assert plan.kind == CallKind.INTERNAL
    assert plan.steps[0].endpoints == (Endpoint("1002", DOMAIN),)


def test_route_own_extension_rings_the_other_devices_not_the_caller() -> None:
    plan = route(from_device("1001", username="1001-2"), snapshot(), IDLE)
    assert plan.steps[0].endpoints == (Endpoint("1001", DOMAIN),)


def test_route_own_extension_from_its_only_device_is_busy() -> None:
    plan = route(from_device("1002", username="1002"), snapshot(), IDLE)
    assert plan.steps == (Busy(),)


def test_route_extension_without_devices_is_not_reachable() -> None:
    assert_refused(route(from_device("1004"), snapshot(), IDLE), Refusal.NOT_REACHABLE, 480)


def test_route_unknown_internal_number_gets_announcement_and_404() -> None:
    assert_refused(route(from_device("1999"), snapshot(), IDLE), Refusal.UNKNOWN_NUMBER, 404)


def test_route_garbage_destination_gets_484_without_echoing_it() -> None:
    plan = route(from_device("10${system(id)}"), snapshot(), IDLE)
    assert_refused(plan, Refusal.INVALID_NUMBER, 484)
    assert plan.destination == ""


def test_route_unknown_device_is_refused() -> None:
    assert_refused(route(from_device("1002", username="intruder"), snapshot(), IDLE), Refusal.CALLER_UNKNOWN, 403)


def test_route_snapshot_of_another_tenant_is_a_programming_error() -> None:
    call = CallRequest("00000000-0000-0000-0000-000000000000", CallSource.DEVICE, "1002", "1001", NOW)
    with pytest.raises(ValueError, match="another tenant"):
        route(call, snapshot(), IDLE)


def test_call_plan_must_end_with_exactly_one_terminal_step() -> None:
    with pytest.raises(ValueError):
        CallPlan(TENANT_ID, CallKind.INTERNAL, (PlayAnnouncement(Refusal.UNKNOWN_NUMBER),))
    with pytest.raises(ValueError):
        CallPlan(TENANT_ID, CallKind.INTERNAL, (Busy(), Hangup()))


# --- outside calls -------------------------------------------------------------------
@pytest.mark.parametrize("dialled", ["08912345678", "00498912345678", "+498912345678", "08912345678#"])
def test_route_national_number_in_any_form_goes_out_as_e164_over_trunks_in_order(dialled: str) -> None:
    plan = route(from_device(dialled), snapshot(), IDLE)
    assert plan.kind == CallKind.OUTBOUND
    bridge = bridge_of(plan)
    assert bridge.number == "+498912345678"
    assert bridge.trunks == ("carrier-a", "carrier-b")
    assert bridge.caller_id == CallerId("+49891234561", "Extension 1001")
    assert not bridge.emergency


def test_route_local_number_without_area_code_is_not_guessed() -> None:
    assert_refused(route(from_device("12345678"), snapshot(), IDLE), Refusal.UNKNOWN_NUMBER, 404)


def test_route_number_of_the_company_itself_rings_the_extension_directly() -> None:
    plan = route(from_device("0891234561", username="1002"), snapshot(), IDLE)
    assert plan.kind == CallKind.INTERNAL
    assert not plan.goes_outside
    assert plan.steps[0].endpoints == (Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN))


def test_route_without_trunks_says_no_outside_line() -> None:
    assert_refused(route(from_device("08912345678"), snapshot(trunks=()), IDLE), Refusal.NO_ROUTE_OUT, 503)


# --- access code ---------------------------------------------------------------------
def test_route_access_code_on_outside_number_with_zero_goes_out() -> None:
    plan = route(from_device("008912345678"), snapshot(access_code_required=True), IDLE)
    assert bridge_of(plan).number == "+498912345678"


def test_route_access_code_on_international_number_after_zero_goes_out() -> None:
    plan = route(from_device("0004420794609581", username="1002"), snapshot(access_code_required=True), IDLE)
    assert plan.kind == CallKind.REFUSED  # 11 digits after +44 20: not a valid UK number
    plan = route(from_device("000442079460958", username="1002"), snapshot(access_code_required=True), IDLE)
    assert bridge_of(plan).number == "+442079460958"


@pytest.mark.parametrize("dialled", ["+498912345678", "4711", "8912345678"])
def test_route_access_code_on_number_without_zero_is_not_routed_outside(dialled: str) -> None:
    plan = route(from_device(dialled), snapshot(access_code_required=True), IDLE)
    assert_refused(plan, Refusal.ACCESS_CODE_REQUIRED, 404)


def test_route_access_code_on_national_number_dialled_without_the_zero_is_not_routed_outside() -> None:
    # "089 12345678" dialled as is: the 0 is taken as the access code and "89..." is no number.
    plan = route(from_device("08912345678"), snapshot(access_code_required=True), IDLE)
    assert_refused(plan, Refusal.UNKNOWN_NUMBER, 404)


def test_route_access_code_on_internal_numbers_still_win() -> None:
    plan = route(from_device("1002"), snapshot(access_code_required=True), IDLE)
    assert plan.kind == CallKind.INTERNAL


def test_route_access_code_on_click_to_call_with_plus_number_goes_out() -> None:
    call = CallRequest(TENANT_ID, CallSource.ORIGINATE, "+498912345678", "1001", NOW)
    assert bridge_of(route(call, snapshot(access_code_required=True), IDLE)).number == "+498912345678"


# --- class of service ----------------------------------------------------------------
def test_route_internal_only_extension_cannot_call_outside() -> None:
    assert_refused(route(from_device("08912345678", username="1003"), snapshot(), IDLE), Refusal.OUTSIDE_CALLS_NOT_ALLOWED, 403)


def test_route_national_extension_cannot_call_abroad() -> None:
    plan = route(from_device("00442079460958"), snapshot(), IDLE)
    assert_refused(plan, Refusal.INTERNATIONAL_NOT_ALLOWED, 403)


def test_route_international_extension_calls_abroad() -> None:
    plan = route(from_device("00442079460958", username="1002"), snapshot(), IDLE)
    assert bridge_of(plan).number == "+442079460958"


def test_route_premium_rate_number_blocked_unless_allowed() -> None:
    assert_refused(route(from_device("09001234567"), snapshot(), IDLE), Refusal.PREMIUM_NOT_ALLOWED, 403)
    assert bridge_of(route(from_device("09001234567", username="1002"), snapshot(), IDLE)).number == "+499001234567"


def test_route_shared_cost_number_is_an_ordinary_national_number() -> None:
    assert bridge_of(route(from_device("01801234567"), snapshot(), IDLE)).number == "+491801234567"


# --- caller ID -----------------------------------------------------------------------
def test_route_caller_id_main_mode_presents_the_main_number() -> None:
    plan = route(from_device("08912345678", username="1002"), snapshot(), IDLE)
    assert bridge_of(plan).caller_id == CallerId(MAIN_NUMBER, "Extension 1002")


def test_route_caller_id_main_mode_prefers_the_number_chosen_for_the_extension() -> None:
    chosen = "+49891234569"
    extensions = {**snapshot().extensions, "1002": replace(snapshot().extensions["1002"], presented_number=chosen)}
    plan = route(from_device("08912345678", username="1002"), snapshot(extensions=extensions), IDLE)
    assert bridge_of(plan).caller_id.number == chosen


def test_route_caller_id_withheld_keeps_the_number_for_the_carrier_but_hides_it() -> None:
    extensions = {**snapshot().extensions, "1001": replace(snapshot().extensions["1001"], caller_id_mode=CallerIdMode.WITHHELD)}
    plan = route(from_device("08912345678"), snapshot(extensions=extensions), IDLE)
    assert bridge_of(plan).caller_id == CallerId("+49891234561", "Extension 1001", withheld=True)


def test_route_caller_id_never_presents_a_number_the_tenant_does_not_own() -> None:
    foreign = "+4940999999"
    extensions = {**snapshot().extensions, "1002": replace(snapshot().extensions["1002"], presented_number=foreign)}
    plan = route(from_device("08912345678", username="1002"), snapshot(extensions=extensions, main_number=None), IDLE)
    assert bridge_of(plan).caller_id.number is None


# --- limits and tenant status --------------------------------------------------------
def test_route_outside_call_limit_reached_refuses_with_503() -> None:
    assert_refused(route(from_device("08912345678"), snapshot(), LiveState(outside_calls=2)), Refusal.ALL_LINES_BUSY, 503)
    assert route(from_device("08912345678"), snapshot(), LiveState(outside_calls=1)).kind == CallKind.OUTBOUND


def test_route_outside_call_limit_does_not_touch_internal_calls() -> None:
    assert route(from_device("1002"), snapshot(), LiveState(outside_calls=99)).kind == CallKind.INTERNAL


@pytest.mark.parametrize("status", [TenantState.SUSPENDED, TenantState.EXPIRED])
def test_route_blocked_tenant_places_no_call(status: TenantState) -> None:
    assert_refused(route(from_device("1002"), snapshot(status=status), IDLE), Refusal.SERVICE_SUSPENDED, 403)
    assert_refused(route(from_device("08912345678"), snapshot(status=status), IDLE), Refusal.SERVICE_SUSPENDED, 403)


def test_route_tryout_past_its_end_counts_as_expired() -> None:
    running = snapshot(status=TenantState.TRYOUT, tryout_ends_at=NOW + timedelta(days=1))
    over = snapshot(status=TenantState.TRYOUT, tryout_ends_at=NOW - timedelta(seconds=1))
    assert route(from_device("1002"), running, IDLE).kind == CallKind.INTERNAL
    assert_refused(route(from_device("1002"), over, IDLE), Refusal.SERVICE_SUSPENDED, 403)


# --- emergency -----------------------------------------------------------------------
@pytest.mark.parametrize("dialled", ["112", "110", "112#"])
def test_route_emergency_goes_out_bare_over_all_trunks(dialled: str) -> None:
    plan = route(from_device(dialled), snapshot(), IDLE)
    assert plan.kind == CallKind.EMERGENCY
    bridge = bridge_of(plan)
    assert bridge.number == dialled.rstrip("#")
    assert bridge.emergency
    assert bridge.trunks == ("carrier-a", "carrier-b")
    assert bridge.caller_id == CallerId("+49891234561", "Extension 1001")


def test_route_emergency_ignores_class_of_service_access_code_status_and_limit() -> None:
    # given the worst case: internal-only extension with withheld caller ID, access code on,
    # tenant suspended, every outside line in use
    blocked = snapshot(access_code_required=True, status=TenantState.SUSPENDED)
    # when
    plan = route(from_device("112", username="1003"), blocked, LiveState(outside_calls=50))
    # then it goes out, presenting the main number (1003 has no number of its own), not withheld
    bridge = bridge_of(plan)
    assert plan.kind == CallKind.EMERGENCY
    assert bridge.caller_id == CallerId(MAIN_NUMBER, "Extension 1003", withheld=False)


def test_route_emergency_with_access_digit_in_front_still_connects() -> None:
    plan = route(from_device("0110"), snapshot(access_code_required=True), IDLE)
    assert bridge_of(plan).number == "110"


def test_route_emergency_from_unknown_device_still_connects() -> None:
    plan = route(from_device("112", username="not-in-snapshot"), snapshot(), IDLE)
    assert plan.kind == CallKind.EMERGENCY
    assert bridge_of(plan).caller_id.number == MAIN_NUMBER


@pytest.mark.parametrize(
    ("country", "number"), [("AT", "133"), ("CH", "117"), ("FR", "15"), ("GB", "999"), ("US", "911"), ("IT", "113")]
)
def test_route_emergency_numbers_follow_the_tenant_location(country: str, number: str) -> None:
    plan = route(from_device(number), snapshot(country=country), IDLE)
    assert plan.kind == CallKind.EMERGENCY


def test_route_another_countrys_emergency_number_is_not_an_emergency_here() -> None:
    assert route(from_device("911"), snapshot(), IDLE).kind == CallKind.REFUSED


def test_route_emergency_over_no_trunks_is_refused_clearly() -> None:
    assert_refused(route(from_device("112"), snapshot(trunks=()), IDLE), Refusal.NO_ROUTE_OUT, 503)


# --- inbound from trunks -------------------------------------------------------------
@pytest.mark.parametrize("did", ["+49891234561", "49891234561", "0891234561"])
def test_route_did_rings_its_extension(did: str) -> None:
    plan = route(from_trunk(did, caller="004930123456"), snapshot(), IDLE)
    assert plan.kind == CallKind.INBOUND
    assert plan.steps == (
        RingTargets((Endpoint("1001", DOMAIN), Endpoint("1001-2", DOMAIN)), 30, CallerId("+4930123456", "")),
        Hangup(HangupCause.LAST_ATTEMPT),
    )
    assert plan.destination == "+49891234561"


def test_route_did_from_anonymous_caller_shows_no_number() -> None:
    plan = route(from_trunk("+49891234561", caller="anonymous"), snapshot(), IDLE)
    assert plan.steps[0].caller_id == CallerId(None, "")


def test_route_unknown_did_gets_announcement_and_404() -> None:
    assert_refused(route(from_trunk("+49891111111"), snapshot(), IDLE), Refusal.UNKNOWN_NUMBER, 404)


def test_route_unrouted_did_gets_announcement_and_404() -> None:
    assert_refused(route(from_trunk("+49891234569"), snapshot(), IDLE), Refusal.NUMBER_NOT_ROUTED, 404)


def test_route_did_of_blocked_tenant_is_unavailable() -> None:
    plan = route(from_trunk("+49891234561"), snapshot(status=TenantState.SUSPENDED), IDLE)
    assert plan.steps == (PlayAnnouncement(Refusal.SERVICE_SUSPENDED), Reject(480, Refusal.SERVICE_SUSPENDED))


def test_route_did_when_all_outside_lines_busy_is_busy() -> None:
    assert route(from_trunk("+49891234561"), snapshot(), LiveState(outside_calls=2)).steps == (Busy(),)


def test_route_trunk_call_never_goes_out_again() -> None:
    # a carrier "dialling" an outside or emergency number through us gets nowhere
    for did in ("+498912345678", "112", "08912345678"):
        plan = route(from_trunk(did), snapshot(), IDLE)
        assert not plan.goes_outside


def test_extension_info_defaults_are_the_directory_defaults() -> None:
    info = extension("1005")
    assert (info.class_of_service, info.caller_id_mode, info.allow_premium) == (
        ClassOfService.NATIONAL,
        CallerIdMode.OWN,
        False,
    )
