"""The five distribution strategies (pure): order of ringing, timing, skipping, rotation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.groups.strategies import GroupState, Member, RingStep, ring_plan, total_seconds

A, B, C, D = (Member(x, n) for x, n in (("a", "101"), ("b", "102"), ("c", "103"), ("d", "104")))
MEMBERS = [A, B, C, D]


def order(plan: list[RingStep]) -> list[str]:
    return ["+".join(step.extension_ids) for step in plan]


def test_simultaneous_rings_all_available_at_once_for_ring_count_times_5s():
    plan = ring_plan(
        "simultaneous",
        [A, B, Member("c", "103", available=False), D],
        ring_count=3,
        cycles=5,
        state=GroupState(),
        rng=random.Random(1),
    )
    assert plan == [RingStep(("a", "b", "d"), 15)]


def test_cyclic_rings_each_in_turn_for_the_cycles_starting_after_last_answerer():
    # given the previous call was answered by b: the claim hands this call the start after b
    plan = ring_plan("cyclic", MEMBERS, ring_count=3, cycles=2, state=GroupState(cyclic_start=2), rng=random.Random(1))
    # then
    assert order(plan) == ["c", "d", "a", "b", "c", "d", "a", "b"]
    assert {step.seconds for step in plan} == {15}


def test_cyclic_skips_unavailable_members():
    members = [A, Member("b", "102", available=False), C, D]
    plan = ring_plan("cyclic", members, ring_count=1, cycles=1, state=GroupState(cyclic_start=1), rng=random.Random(1))
    assert order(plan) == ["c", "d", "a"]


def test_hierarchical_rings_first_available_in_list_order_then_the_next():
    members = [Member("a", "101", available=False), B, C]
    plan = ring_plan("hierarchical", members, ring_count=2, cycles=3, state=GroupState(), rng=random.Random(1))
    assert order(plan) == ["b", "c"]
    assert plan[0].seconds == 10


def test_least_active_starts_with_the_member_idle_longest():
    state = GroupState(idle_since={"a": 300.0, "b": 100.0, "c": 200.0})  # d never busy
    plan = ring_plan("least_active", MEMBERS, ring_count=4, cycles=1, state=state, rng=random.Random(1))
    assert order(plan) == ["d", "b", "c", "a"]
    assert plan[0].seconds == 20


def test_random_rings_every_member_once_per_cycle_in_an_order_that_varies():
    orders = {
        tuple(order(ring_plan("random", MEMBERS, ring_count=1, cycles=1, state=GroupState(), rng=random.Random(seed))))
        for seed in range(20)
    }
    assert len(orders) > 5
    assert all(sorted(o) == ["a", "b", "c", "d"] for o in orders)
    two_cycles = ring_plan("random", MEMBERS, ring_count=2, cycles=2, state=GroupState(), rng=random.Random(3))
    assert len(two_cycles) == 8
    assert sorted(order(two_cycles[:4])) == sorted(order(two_cycles[4:])) == ["a", "b", "c", "d"]


def test_no_available_member_gives_an_empty_plan():
    members = [Member("a", "101", available=False)]
    for strategy in ("cyclic", "hierarchical", "simultaneous", "least_active", "random"):
        assert ring_plan(strategy, members, ring_count=3, cycles=3, state=GroupState(), rng=random.Random(1)) == []


@pytest.mark.parametrize(
    ("strategy", "members", "rings", "cycles", "seconds"),
    [
        ("cyclic", 4, 3, 3, 180),
        ("cyclic", 3, 3, 3, 135),
        ("simultaneous", 4, 3, 3, 15),
        ("random", 2, 2, 2, 40),
        ("hierarchical", 4, 3, 3, 60),
    ],
)
def test_total_ring_time(strategy, members, rings, cycles, seconds):
    # 3 rings x 5 s x 3 cycles x 4 members = 3 minutes: the VTX example's "3 minutes" with 4 members
    assert total_seconds(strategy, members, ring_count=rings, cycles=cycles) == seconds


@given(
    strategy=st.sampled_from(["cyclic", "hierarchical", "simultaneous", "least_active", "random"]),
    availability=st.lists(st.booleans(), min_size=1, max_size=8),
    ring_count=st.integers(1, 20),
    cycles=st.integers(1, 10),
    start=st.integers(0, 20),
    seed=st.integers(0, 1000),
)
def test_plans_only_ring_available_members_for_whole_rings(strategy, availability, ring_count, cycles, start, seed):
    members = [Member(str(i), str(100 + i), available=flag) for i, flag in enumerate(availability)]
    plan = ring_plan(
        strategy, members, ring_count=ring_count, cycles=cycles, state=GroupState(cyclic_start=start), rng=random.Random(seed)
    )
    available = {m.extension_id for m in members if m.available}
    assert all(set(step.extension_ids) <= available for step in plan)
    assert all(step.seconds == ring_count * 5 for step in plan)
    if available:
        assert {x for step in plan for x in step.extension_ids} == available
