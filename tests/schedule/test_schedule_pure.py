"""The pure schedule evaluation: boundaries, time zones, daylight saving, holidays, outside hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.forwarding.schedule import Holiday, Period, Range, Schedule, period_errors

OFFICE = Range("office", "Office hours", frozenset({0, 1, 2, 3, 4}), (Period(8 * 60, 12 * 60), Period(14 * 60, 18 * 60)))
WEEKEND = Range("weekend", "Weekend duty", frozenset({5, 6}), (Period(0, 24 * 60),))


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (7, 59, "outside"),
        (8, 0, "office"),
        (11, 59, "office"),
        (12, 0, "outside"),
        (13, 59, "outside"),
        (14, 0, "office"),
        (17, 59, "office"),
        (18, 0, "outside"),
    ],
)
def test_period_start_is_inside_and_end_is_outside(hour, minute, expected):
    # given a Monday in Berlin
    schedule = Schedule("Europe/Berlin", (OFFICE,))
    # when
    state = schedule.state_at(berlin(2026, 11, 23, hour, minute))
    # then
    assert state.key == expected


def test_days_not_ticked_are_outside():
    schedule = Schedule("Europe/Berlin", (OFFICE,))
    assert schedule.state_at(berlin(2026, 11, 22, 10)).kind == "outside"  # a Sunday


def test_the_tenants_time_zone_decides():
    # given 07:30 UTC on a Monday: 08:30 in Berlin, 02:30 in New York
    instant = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    # then
    assert Schedule("Europe/Berlin", (OFFICE,)).state_at(instant).key == "office"
    assert Schedule("America/New_York", (OFFICE,)).state_at(instant).key == "outside"


def test_spring_forward_moves_opening_by_one_hour_in_utc():
    # given: Berlin switches to summer time on Sunday 28 March 2027
    schedule = Schedule("Europe/Berlin", (OFFICE,))
    # then: 08:00 local is 07:00 UTC on Friday before, 06:00 UTC on Monday after
    assert schedule.state_at(datetime(2027, 3, 26, 7, 0, tzinfo=UTC)).key == "office"
    assert schedule.state_at(datetime(2027, 3, 26, 6, 59, tzinfo=UTC)).key == "outside"
    assert schedule.state_at(datetime(2027, 3, 29, 6, 0, tzinfo=UTC)).key == "office"
    assert schedule.state_at(datetime(2027, 3, 29, 5, 59, tzinfo=UTC)).key == "outside"


def test_fall_back_night_is_covered_twice_by_a_night_period():
    # given a Sunday range 02:00-03:00; on 25 October 2026 02:30 happens twice in Berlin
    night = Range("night", "Night", frozenset({6}), (Period(2 * 60, 3 * 60),))
    schedule = Schedule("Europe/Berlin", (night,))
    # then both 02:30 (CEST, 00:30 UTC) and 02:30 (CET, 01:30 UTC) are inside, 03:00 CET is not
    assert schedule.state_at(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).key == "night"
    assert schedule.state_at(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).key == "night"
    assert schedule.state_at(datetime(2026, 10, 25, 2, 0, tzinfo=UTC)).key == "outside"


def test_holiday_overrides_ranges_all_day():
    # given Easter Monday 2027 as a single day and a vacation period
    schedule = Schedule(
        "Europe/Berlin",
        (OFFICE,),
        (Holiday("Easter Monday", date(2027, 3, 29), date(2027, 3, 29)), Holiday("Summer", date(2027, 8, 2), date(2027, 8, 13))),
    )
    # then
    assert schedule.state_at(berlin(2027, 3, 29, 0, 0)).kind == "holiday"
    assert schedule.state_at(berlin(2027, 3, 29, 10, 0)).kind == "holiday"
    assert schedule.state_at(berlin(2027, 3, 29, 23, 59)).kind == "holiday"
    assert schedule.state_at(berlin(2027, 3, 30, 10, 0)).key == "office"
    assert schedule.state_at(berlin(2027, 8, 13, 10, 0)).holiday.label == "Summer"
    assert schedule.state_at(berlin(2027, 8, 16, 10, 0)).key == "office"


def test_holiday_date_is_the_local_date():
    # given 23:30 UTC on 28 March 2027 is already 29 March (Easter Monday) in Berlin
    schedule = Schedule("Europe/Berlin", (WEEKEND,), (Holiday("Easter Monday", date(2027, 3, 29), date(2027, 3, 29)),))
    assert schedule.state_at(datetime(2027, 3, 28, 21, 30, tzinfo=UTC)).key == "weekend"
    assert schedule.state_at(datetime(2027, 3, 28, 22, 30, tzinfo=UTC)).kind == "holiday"


def test_first_matching_range_wins():
    early = Range("early", "Early", frozenset({0}), (Period(7 * 60, 9 * 60),))
    schedule = Schedule("Europe/Berlin", (early, OFFICE))
    assert schedule.state_at(berlin(2026, 11, 23, 8, 30)).key == "early"
    assert schedule.state_at(berlin(2026, 11, 23, 9, 0)).key == "office"


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        Schedule("UTC").state_at(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("periods", "errors"),
    [
        ([], ["count"]),
        ([Period(0, 60), Period(60, 120), Period(120, 180), Period(180, 240)], ["count"]),
        ([Period(8 * 60, 12 * 60), Period(11 * 60, 13 * 60)], ["overlap"]),
        ([Period(12 * 60, 8 * 60)], ["order"]),
        ([Period(0, 24 * 60)], []),
        ([Period(8 * 60, 12 * 60), Period(12 * 60, 18 * 60)], []),
    ],
)
def test_period_rules(periods, errors):
    assert period_errors(periods) == errors


minutes = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def ranges(draw):
    periods = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 24 * 60 - 1))
        periods.append(Period(start, draw(st.integers(start + 1, 24 * 60))))
    days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    return Range(draw(st.uuids()).hex, "r", days, tuple(periods))


@given(
    ranges=st.lists(ranges(), max_size=4),
    instant=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from(["Europe/Berlin", "Europe/Zurich", "America/New_York", "Asia/Kolkata", "UTC"]),
    holiday_offset=st.one_of(st.none(), st.integers(-2, 2)),
)
def test_state_is_always_exactly_one_and_consistent(ranges, instant, zone, holiday_offset):
    from zoneinfo import ZoneInfo

    local = instant.astimezone(ZoneInfo(zone))
    holidays = ()
    if holiday_offset is not None:
        day = local.date() + timedelta(days=holiday_offset)
        holidays = (Holiday("h", day, day),)
    state = Schedule(zone, tuple(ranges), holidays).state_at(instant)
    minute = local.hour * 60 + local.minute
    if holiday_offset == 0:
        assert state.kind == "holiday"
    elif any(r.covers(local.weekday(), minute) for r in ranges):
        assert state.kind == "range"
        assert state.range.covers(local.weekday(), minute)
    else:
        assert state.kind == "outside"
