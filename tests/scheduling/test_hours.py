"""Weekly hours in an IANA zone, expanded to UTC, with exceptions and DST handled on purpose."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.scheduling.domain.hours import DayException, closed, expand_hours, local_to_utc, zone
from ketacare.scheduling.domain.intervals import Interval

NY = "America/New_York"
WEEKDAYS_9_TO_17 = {day: [(time(9), time(17))] for day in range(5)}


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_opening_stays_at_9_local_across_spring_forward() -> None:
    """Local hours are kept across DST (issue 12, Time): Fri 6 Mar 09:00 EST is 14:00 UTC,
    Mon 9 Mar 09:00 EDT is 13:00 UTC."""
    hours = expand_hours(WEEKDAYS_9_TO_17, [], NY, date(2026, 3, 6), date(2026, 3, 9))
    assert hours == [
        Interval(utc(2026, 3, 6, 14), utc(2026, 3, 6, 22)),
        Interval(utc(2026, 3, 9, 13), utc(2026, 3, 9, 21)),
    ]


def test_opening_stays_at_9_local_across_fall_back() -> None:
    """Local hours are kept across DST (issue 12, Time): Fri 30 Oct 09:00 EDT is 13:00 UTC,
    Mon 2 Nov 09:00 EST is 14:00 UTC."""
    hours = expand_hours(WEEKDAYS_9_TO_17, [], NY, date(2026, 10, 30), date(2026, 11, 2))
    assert hours == [
        Interval(utc(2026, 10, 30, 13), utc(2026, 10, 30, 21)),
        Interval(utc(2026, 11, 2, 14), utc(2026, 11, 2, 22)),
    ]


def test_nonexistent_hour_moves_to_the_jump() -> None:
    """2026-03-08 02:00-03:00 does not exist in New York (tz database): a time in it moves
    to 03:00 EDT (07:00 UTC); a span inside the gap vanishes (docs/scheduling.md)."""
    sunday = {6: [(time(0, 30), time(2, 30)), (time(2, 10), time(2, 50)), (time(9), time(12))]}
    hours = expand_hours(sunday, [], NY, date(2026, 3, 8), date(2026, 3, 8))
    assert hours == [
        Interval(utc(2026, 3, 8, 5, 30), utc(2026, 3, 8, 7)),
        Interval(utc(2026, 3, 8, 13), utc(2026, 3, 8, 16)),
    ]
    assert hours[0].minutes == 90.0
    assert local_to_utc(date(2026, 3, 8), time(2, 30), zone(NY), "start") == utc(2026, 3, 8, 7)


def test_repeated_hour_starts_first_and_ends_second() -> None:
    """2026-11-01 01:00-02:00 happens twice in New York (tz database): a start takes the
    first (EDT), an end the second (EST), so 00:30-01:30 lasts 2 real hours
    (docs/scheduling.md)."""
    sunday = {6: [(time(0, 30), time(1, 30))]}
    hours = expand_hours(sunday, [], NY, date(2026, 11, 1), date(2026, 11, 1))
    assert hours == [Interval(utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 6, 30))]
    tz = zone(NY)
    assert local_to_utc(date(2026, 11, 1), time(1, 15), tz, "start") == utc(2026, 11, 1, 5, 15)
    assert local_to_utc(date(2026, 11, 1), time(1, 15), tz, "end") == utc(2026, 11, 1, 6, 15)


def test_exceptions_close_shorten_extend_and_remove() -> None:
    """Holidays, shorter or extra hours and leave change the weekly pattern by date
    (issue 12, Resources: weekly pattern with exceptions)."""
    exceptions = [
        closed(date(2026, 3, 2)),
        DayException(date(2026, 3, 3), "replace", ((time(9), time(12)),)),
        DayException(date(2026, 3, 4), "add", ((time(17), time(19)),)),
        DayException(date(2026, 3, 5), "remove", ((time(12), time(13)),)),
        DayException(date(2026, 3, 7), "add", ((time(10), time(14)),)),
    ]
    hours = expand_hours(WEEKDAYS_9_TO_17, exceptions, NY, date(2026, 3, 2), date(2026, 3, 7))
    assert hours == [
        Interval(utc(2026, 3, 3, 14), utc(2026, 3, 3, 17)),
        Interval(utc(2026, 3, 4, 14), utc(2026, 3, 5, 0)),
        Interval(utc(2026, 3, 5, 14), utc(2026, 3, 5, 17)),
        Interval(utc(2026, 3, 5, 18), utc(2026, 3, 5, 22)),
        Interval(utc(2026, 3, 6, 14), utc(2026, 3, 6, 22)),
        Interval(utc(2026, 3, 7, 15), utc(2026, 3, 7, 19)),
    ]


def test_unknown_zone_is_refused() -> None:
    """A clinic's zone is an IANA name (DESIGN.md, accounts: Clinic IANA time zone)."""
    with pytest.raises(ClinicalInputError) as raised:
        expand_hours(WEEKDAYS_9_TO_17, [], "Mars/Olympus", date(2026, 3, 2), date(2026, 3, 2))
    assert str(raised.value) == (
        "time_zone: 'Mars/Olympus' is not an IANA time zone (e.g. 'America/New_York')"
    )


def test_span_ending_before_it_starts_is_refused_naming_it() -> None:
    """A span past midnight is two spans (docs/scheduling.md, hours)."""
    with pytest.raises(ClinicalInputError) as raised:
        expand_hours({2: [(time(22), time(2))]}, [], NY, date(2026, 3, 2), date(2026, 3, 2))
    assert str(raised.value) == (
        "pattern[2][0]: end 02:00 must be after start 22:00 on the same day "
        "(a span past midnight is two spans)"
    )


def test_weekday_outside_0_to_6_and_reversed_range_are_refused() -> None:
    """Weekdays follow date.weekday(): Monday 0 to Sunday 6 (docs/scheduling.md)."""
    with pytest.raises(ClinicalInputError) as raised:
        expand_hours({7: []}, [], NY, date(2026, 3, 2), date(2026, 3, 2))
    assert str(raised.value) == "pattern: weekday 7 must be 0 (Monday)-6"
    with pytest.raises(ClinicalInputError) as raised:
        expand_hours({}, [], NY, date(2026, 3, 2), date(2026, 3, 1))
    assert str(raised.value) == "last: 2026-03-01 must not be before first 2026-03-02"
