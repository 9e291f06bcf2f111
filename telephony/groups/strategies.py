"""The five distribution strategies as pure functions: who rings, in which order, how long.

``ring_plan()`` turns a group's members, its strategy, ring count and cycles, and the state the
strategies remember (where the cyclic rotation stands, when each member last became idle)
into a list of ring steps. It does no I/O: the state comes from ``telephony.groups.state``,
which hands out each call's state atomically, so two calls arriving at once do not both start
with the same member.

Decisions where [VTX] is silent (FEATURES.md §7):
- 1 ring = 5 s; a member rings ``ring_count`` x 5 s per turn.
- Cyclic and random go round all available members ``cycles`` times; hierarchical, simultaneous
  and least active make one pass (the seed names cycles only for cyclic and random).
- Hierarchical rings available members one after the other in list order (priority hunting):
  an unavailable member is skipped, an available one that does not answer passes the call on.
- Least active rings the member idle longest first, then the next idle longest.
- Unavailable members (not registered, do not disturb) are skipped by every strategy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from telephony.groups.choices import Strategy

RING_SECONDS = 5


@dataclass(frozen=True)
class Member:
    extension_id: str
    number: str
    available: bool = True


@dataclass(frozen=True)
class GroupState:
    """What the strategies remember between calls, as handed to this call."""

    # Cyclic: the position (in member order) of the member this call starts with.
    cyclic_start: int = 0
    # Least active: extension id -> when that member last became idle (epoch seconds); absent = never busy.
    idle_since: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RingStep:
    extension_ids: tuple[str, ...]  # ringing together
    seconds: int


def ring_plan(
    strategy: str, members: list[Member], *, ring_count: int, cycles: int, state: GroupState, rng: random.Random
) -> list[RingStep]:
    available = [member for member in members if member.available]
    if not available:
        return []
    seconds = ring_count * RING_SECONDS
    if strategy == Strategy.SIMULTANEOUS:
        return [RingStep(tuple(m.extension_id for m in available), seconds)]
    if strategy == Strategy.HIERARCHICAL:
        order = available
        rounds = 1
    elif strategy == Strategy.LEAST_ACTIVE:
        order = sorted(available, key=lambda m: (state.idle_since.get(m.extension_id, float("-inf")), members.index(m)))
        rounds = 1
    elif strategy == Strategy.CYCLIC:
        start = state.cyclic_start % len(members)
        rotated = members[start:] + members[:start]
        order = [member for member in rotated if member.available]
        rounds = cycles
    elif strategy == Strategy.RANDOM:
        steps = []
        for _ in range(cycles):
            shuffled = list(available)
            rng.shuffle(shuffled)
            steps += [RingStep((m.extension_id,), seconds) for m in shuffled]
        return steps
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    return [RingStep((m.extension_id,), seconds) for _ in range(rounds) for m in order]


def total_seconds(strategy: str, member_count: int, *, ring_count: int, cycles: int) -> int:
    """How long a call rings at most before the no-answer rule, with every member available."""
    if member_count == 0:
        return 0
    seconds = ring_count * RING_SECONDS
    if strategy == Strategy.SIMULTANEOUS:
        return seconds
    rounds = cycles if strategy in {Strategy.CYCLIC, Strategy.RANDOM} else 1
    return seconds * member_count * rounds
