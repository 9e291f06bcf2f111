"""Which time range applies at a given instant: pure functions, no database, no clock.

A tenant's schedule is its time ranges (week days and 1 to 3 periods each, in the tenant's
time zone) and its holidays (single days or date periods, closed all day). At any instant the
schedule is in exactly one state:

- ``holiday``: the local date is in a holiday or vacation entry; this overrides every range;
- ``range``: the first range (in order) whose days and periods cover the local time;
- ``outside``: no range covers the local time ("Hors plage horaire").

Periods are minutes of the day, start inclusive and end exclusive, so 08:00-12:00 covers 08:00
but not 12:00, and 00:00-24:00 is the whole day. Local time comes from ``zoneinfo``, so the
days on which daylight saving starts or ends are handled by the time-zone rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
MAX_PERIODS = 3


@dataclass(frozen=True)
class Period:
    start: int  # minute of the day, inclusive
    end: int  # minute of the day, exclusive; 1440 = midnight at the end of the day

    def covers(self, minute: int) -> bool:
        return self.start <= minute < self.end

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Range:
    id: str
    name: str
    weekdays: frozenset[int]  # 0 = Monday ... 6 = Sunday
    periods: tuple[Period, ...]

    def covers(self, weekday: int, minute: int) -> bool:
        return weekday in self.weekdays and any(period.covers(minute) for period in self.periods)


@dataclass(frozen=True)
class Holiday:
    label: str
    start: date
    end: date  # inclusive; equal to start for a single day

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ScheduleState:
    kind: str  # "range", "holiday" or "outside"
    range: Range | None = None
    holiday: Holiday | None = None

    @property
    def key(self) -> str:
        """What a number's routing table is keyed by: the range id, ``holiday`` or ``outside``."""
        return self.range.id if self.range is not None else self.kind


@dataclass(frozen=True)
class Schedule:
    time_zone: str
    ranges: tuple[Range, ...] = ()
    holidays: tuple[Holiday, ...] = field(default_factory=tuple)

    def state_at(self, instant: datetime) -> ScheduleState:
        """The state at an aware ``instant`` (any time zone)."""
        if instant.tzinfo is None:
            raise ValueError("state_at needs an aware datetime")
        local = instant.astimezone(ZoneInfo(self.time_zone))
        for holiday in self.holidays:
            if holiday.covers(local.date()):
                return ScheduleState("holiday", holiday=holiday)
        minute = local.hour * 60 + local.minute
        for time_range in self.ranges:
            if time_range.covers(local.weekday(), minute):
                return ScheduleState("range", range=time_range)
        return ScheduleState("outside")


def period_errors(periods: Sequence[Period]) -> list[str]:
    """Reasons a range's periods are invalid (empty when valid): 1 to 3, each non-empty, no overlap."""
    errors = []
    if not 1 <= len(periods) <= MAX_PERIODS:
        errors.append("count")
    for period in periods:
        if not 0 <= period.start < period.end <= MINUTES_PER_DAY:
            errors.append("order")
    for index, period in enumerate(periods):
        if any(period.overlaps(other) for other in periods[index + 1 :]):
            errors.append("overlap")
    return errors


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_runs(weekdays: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of week days, e.g. {0,1,2,3,4,6} -> [(0, 4), (6, 6)], for summaries."""
    runs: list[tuple[int, int]] = []
    for day in sorted(set(weekdays)):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
