"""The pure engine with company routing: hunt groups, numbers by time range, ## dialling, caller-ID rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from telephony.calls.routing import (
    ALWAYS,
    HOLIDAY,
    OUTSIDE,
    BridgeExternal,
    CallKind,
    GroupCall,
    GroupInfo,
    GroupMemberInfo,
    Hangup,
    HangupCause,
    LiveState,
    MediaKind,
    MediaRef,
    NoAnswer,
    PlayMedia,
    RingTargets,
    RingTone,
    Target,
    TargetKind,
    route,
)
from telephony.forwarding.schedule import Holiday, Period, Range, Schedule
from telephony.groups.strategies import GroupState
from tests.routing.builders import MAIN_NUMBER, extension, from_device, from_trunk, snapshot

IDS = {number: f"00000000-0000-4000-8000-00000000{number}" for number in ("1001", "1002", "1003", "1005", "1006")}
SALES, SUPPORT = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
OFFICE = "33333333-3333-4333-8333-333333333333"
ROUTED = "+49891234569"


def group(group_id: str = SALES, short: str = "300", members: tuple[str, ...] = ("1002", "1003", "1005"), **fields) -> GroupInfo:
    fields.setdefault("strategy", "hierarchical")
    fields.setdefault("ring_count", 2)
    fields.setdefault("cycles", 1)
    return GroupInfo(
        id=group_id,
        short_number=short,
        name=f"Group {short}",
        members=tuple(GroupMemberInfo(IDS[n], n) for n in members),
        **fields,
    )


def company(*groups: GroupInfo, **overrides) -> object:
    extensions = {
        **snapshot().extensions,
        "1005": extension("1005", id=IDS["1005"], devices=("1005",)),
        "1006": extension("1006", id=IDS["1006"], devices=("1006",)),
    }
    extensions = {number: replace(info, id=IDS.get(number, "")) for number, info in extensions.items()}
    devices = {**snapshot().devices, "1005": "1005", "1006": "1006"}
    return snapshot(
        extensions=extensions,
        devices=devices,
        groups={g.id: g for g in groups},
        group_numbers={g.short_number: g.id for g in groups},
        **overrides,
    )


def rings(plan) -> list[tuple[tuple[str, ...], int]]:
    return [
        (tuple(e.sip_username for e in step.endpoints), step.timeout_s) for step in plan.steps if isinstance(step, RingTargets)
    ]


# --- strategies through route() -----------------------------------------------------------
def test_route_group_short_number_hierarchical_rings_in_list_order_each_ring_count_times_5s() -> None:
    plan = route(from_device("300"), company(group()), LiveState())
    assert plan.kind == CallKind.INTERNAL and plan.groups == (SALES,)
    assert rings(plan) == [(("1002",), 10), (("1003",), 10), (("1005",), 10)]
    assert plan.steps[0] == GroupCall(SALES, (IDS["1002"], IDS["1003"], IDS["1005"]))
    assert plan.steps[1] == RingTone(MediaRef(MediaKind.RING_TONE))
    assert plan.steps[-1] == Hangup(HangupCause.LAST_ATTEMPT)


def test_route_group_simultaneous_rings_every_device_at_once() -> None:
    plan = route(from_device("300"), company(group(strategy="simultaneous", ring_count=4)), LiveState())
    assert rings(plan) == [(("1002", "1003", "1005"), 20)]


def test_route_group_cyclic_starts_at_the_claimed_member_and_goes_round_cycles_times() -> None:
    sales = group(strategy="cyclic", cycles=2)
    plan = route(from_device("300"), company(sales), LiveState(group_states={SALES: GroupState(cyclic_start=1)}))
    assert [r[0][0] for r in rings(plan)] == ["1003", "1005", "1002", "1003", "1005", "1002"]


def test_route_group_least_active_rings_the_longest_idle_first() -> None:
    idle = {IDS["1002"]: 300.0, IDS["1003"]: 100.0, IDS["1005"]: 200.0}
    plan = route(
        from_device("300"), company(group(strategy="least_active")), LiveState(group_states={SALES: GroupState(idle_since=idle)})
    )
    assert [r[0][0] for r in rings(plan)] == ["1003", "1005", "1002"]


def test_route_group_random_is_a_permutation_per_cycle_and_follows_the_seed() -> None:
    sales = group(strategy="random", cycles=2)
    first = route(from_device("300"), company(sales), LiveState(seed=7))
    again = route(from_device("300"), company(sales), LiveState(seed=7))
    assert rings(first) == rings(again)
    order = [r[0][0] for r in rings(first)]
    assert sorted(order[:3]) == sorted(order[3:]) == ["1002", "1003", "1005"]


def test_route_group_skips_unregistered_members_and_the_calling_device() -> None:
    # 1003 not registered; 1002 is calling
    live = LiveState(registered=frozenset({"1001", "1002", "1005"}))
    plan = route(from_device("300", username="1002"), company(group()), live)
    assert rings(plan) == [(("1005",), 10)]


def test_route_group_nobody_available_goes_straight_to_the_no_answer_rule() -> None:
    sales = group(no_answer=NoAnswer.ANNOUNCEMENT, no_answer_announcement=MediaRef(MediaKind.ANNOUNCEMENT, "m-1"))
    plan = route(from_device("300"), company(sales), LiveState(registered=frozenset()))
    assert rings(plan) == []
    assert plan.steps == (PlayMedia(MediaRef(MediaKind.ANNOUNCEMENT, "m-1")), Hangup())


# --- no-answer rules ---------------------------------------------------------------------------
def test_route_group_no_answer_diverts_to_another_group_and_stops_at_a_loop() -> None:
    sales = group(no_answer=NoAnswer.GROUP, no_answer_group=SUPPORT)
    support = group(SUPPORT, "301", ("1006",), strategy="simultaneous", no_answer=NoAnswer.GROUP, no_answer_group=SALES)
    plan = route(from_device("300"), company(sales, support), LiveState())
    assert plan.groups == (SALES, SUPPORT)
    assert rings(plan)[-1] == (("1006",), 10)
    assert [s.group_id for s in plan.steps if isinstance(s, GroupCall)] == [SALES, SUPPORT]
    assert plan.steps[-1] == Hangup(HangupCause.LAST_ATTEMPT)


def test_route_group_no_answer_to_a_number_goes_out_presenting_the_main_number() -> None:
    sales = group(no_answer=NoAnswer.NUMBER, no_answer_number="0891111111")
    plan = route(
        from_trunk(ROUTED), company(sales, number_routes={ROUTED: {ALWAYS: Target(TargetKind.GROUP, SALES)}}), LiveState()
    )
    bridge = plan.steps[-2]
    assert isinstance(bridge, BridgeExternal)
    assert bridge.number == "+49891111111" and bridge.caller_id.number == MAIN_NUMBER
    assert bridge.trunks == ("carrier-a", "carrier-b")


@pytest.mark.parametrize("number", ["09001234567", "0891234561"])  # premium rate; the company's own number
def test_route_group_no_answer_number_refused_numbers_just_end(number: str) -> None:
    sales = group(no_answer=NoAnswer.NUMBER, no_answer_number=number)
    plan = route(from_device("300"), company(sales), LiveState())
    assert not plan.goes_outside
    assert plan.steps[-1] == Hangup(HangupCause.LAST_ATTEMPT)


def test_route_group_no_answer_number_counts_the_inbound_line_against_the_limit() -> None:
    # max_outside_calls is 2: one other call plus this inbound call fill the lines
    sales = group(no_answer=NoAnswer.NUMBER, no_answer_number="0891111111")
    snap = company(sales, number_routes={ROUTED: {ALWAYS: Target(TargetKind.GROUP, SALES)}})
    assert route(from_trunk(ROUTED), snap, LiveState(outside_calls=0)).goes_outside
    assert not route(from_trunk(ROUTED), snap, LiveState(outside_calls=1)).goes_outside


# --- numbers by time range ----------------------------------------------------------------------
BERLIN = Schedule(
    "Europe/Berlin",
    ranges=(Range(OFFICE, "Office", frozenset({0, 1, 2, 3, 4}), (Period(8 * 60, 12 * 60), Period(14 * 60, 18 * 60))),),
    holidays=(Holiday("Christmas", date(2026, 12, 24), date(2026, 12, 26)),),
)
TABLE = {
    OFFICE: Target(TargetKind.GROUP, SALES),
    HOLIDAY: Target(TargetKind.ANNOUNCEMENT, "closed"),
    OUTSIDE: Target(TargetKind.EXTENSION, "1006"),
}


def timed(now: datetime):
    snap = company(group(strategy="simultaneous"), number_routes={ROUTED: TABLE}, schedule=BERLIN)
    return route(from_trunk(ROUTED, now=now), snap, LiveState())


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "group"),  # Monday 08:00 Berlin (CET): first minute of the range
        (datetime(2026, 11, 23, 6, 59, tzinfo=UTC), "outside"),  # 07:59
        (datetime(2026, 11, 23, 10, 59, tzinfo=UTC), "group"),  # 11:59
        (datetime(2026, 11, 23, 11, 0, tzinfo=UTC), "outside"),  # 12:00 is the end, exclusive
        (datetime(2026, 11, 23, 13, 0, tzinfo=UTC), "group"),  # 14:00
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "outside"),  # Saturday
        (datetime(2026, 12, 24, 10, 0, tzinfo=UTC), "holiday"),  # Thursday, but Christmas Eve
        (datetime(2026, 12, 26, 22, 59, tzinfo=UTC), "holiday"),  # 23:59 local on the last holiday
        (datetime(2026, 12, 26, 23, 0, tzinfo=UTC), "outside"),  # Sunday 00:00 local: holidays are over
        # Daylight saving: Monday 30 March 2026 08:00 Berlin is 06:00 UTC (CEST), 07:00 UTC the week before.
        (datetime(2026, 3, 30, 6, 0, tzinfo=UTC), "group"),
        (datetime(2026, 3, 23, 6, 0, tzinfo=UTC), "outside"),
        (datetime(2026, 10, 26, 7, 0, tzinfo=UTC), "group"),  # back to CET on 25 October
        (datetime(2026, 10, 26, 6, 30, tzinfo=UTC), "outside"),
    ],
)
def test_route_number_by_time_range_at_the_boundaries(instant: datetime, expected: str) -> None:
    plan = timed(instant)
    kinds = {
        "group": lambda p: p.groups == (SALES,) and rings(p) == [(("1002", "1003", "1005"), 10)],
        "holiday": lambda p: p.steps == (PlayMedia(MediaRef(MediaKind.ANNOUNCEMENT, "closed")), Hangup()),
        "outside": lambda p: rings(p) == [(("1006",), 30)] and not p.groups,
    }
    assert kinds[expected](plan), plan
    assert plan.kind == CallKind.INBOUND and plan.destination == ROUTED


def test_route_number_holiday_without_target_takes_the_outside_target() -> None:
    table = {OFFICE: TABLE[OFFICE], OUTSIDE: Target(TargetKind.HANGUP)}
    snap = company(group(), number_routes={ROUTED: table}, schedule=BERLIN)
    plan = route(from_trunk(ROUTED, now=datetime(2026, 12, 24, 10, 0, tzinfo=UTC)), snap, LiveState())
    assert plan.steps == (Hangup(),)


def test_route_number_dialled_from_inside_routes_without_the_carrier() -> None:
    snap = company(group(), number_routes={ROUTED: {ALWAYS: Target(TargetKind.GROUP, SALES)}}, schedule=BERLIN)
    plan = route(from_device("0891234569"), snap, LiveState())
    assert plan.groups == (SALES,) and not plan.goes_outside and plan.kind == CallKind.INTERNAL


# --- ## + short number, caller-ID rules -------------------------------------------------------------
def test_route_directory_short_number_dials_the_contacts_first_number_under_outside_rules() -> None:
    snap = company(contacts={"12": "+498955555555", "13": "+442079460958"})
    plan = route(from_device("##12"), snap, LiveState())
    assert plan.kind == CallKind.OUTBOUND and plan.destination == "+498955555555"
    # 1001 may call nationally only; 1003 internal only; unknown short numbers are refused
    assert route(from_device("##13"), snap, LiveState()).kind == CallKind.REFUSED
    assert route(from_device("##12", username="1003"), snap, LiveState()).kind == CallKind.REFUSED
    assert route(from_device("##99"), snap, LiveState()).outcome.sip_code == 404


def test_route_directory_short_number_needs_no_access_digit() -> None:
    snap = company(contacts={"12": "+498955555555"}, access_code_required=True)
    assert route(from_device("##12"), snap, LiveState()).destination == "+498955555555"


def test_route_caller_id_rule_presents_the_rules_number_for_the_own_number() -> None:
    snap = company(caller_id_rules={"+49891234561": ROUTED})
    plan = route(from_device("08912345678"), snap, LiveState())
    assert plan.steps[0].caller_id.number == ROUTED
    # 1002 presents the main number by its own setting; rules touch only own numbers
    assert route(from_device("08912345678", username="1002"), snap, LiveState()).steps[0].caller_id.number == MAIN_NUMBER


def test_route_group_nobody_available_and_no_rule_is_refused_not_reachable() -> None:
    plan = route(from_device("300"), company(group()), LiveState(registered=frozenset({"1001"})))
    assert plan.kind == CallKind.REFUSED and plan.outcome.sip_code == 480 and plan.groups == (SALES,)
