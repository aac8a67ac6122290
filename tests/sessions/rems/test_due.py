"""The REMS form's due date: the session's local date + 7 calendar days, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ketacare.sessions.rems_due import days_left, rems_due_on

NY = "America/New_York"


def test_evening_before_spring_forward_is_due_a_week_later_by_the_calendar():
    # 2026-03-07 21:30 EST (UTC-5) = 2026-03-08 02:30 UTC; DST starts 2026-03-08 02:00 local.
    started = datetime(2026, 3, 8, 2, 30, tzinfo=UTC)
    assert rems_due_on(started, NY) == date(2026, 3, 14)


def test_seven_times_24_hours_would_land_on_another_day_here():
    # The same session: adding 168 h to the UTC instant and reading it in UTC gives the 15th.
    started = datetime(2026, 3, 8, 2, 30, tzinfo=UTC)
    assert (started + timedelta(days=7)).date() == date(2026, 3, 15)
    assert rems_due_on(started, NY) == date(2026, 3, 14)


def test_late_evening_on_the_day_dst_ends():
    # 2026-11-01 23:30 EST (UTC-5, after fall back at 02:00 local) = 2026-11-02 04:30 UTC.
    started = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
    assert rems_due_on(started, NY) == date(2026, 11, 8)


def test_in_the_repeated_hour_when_dst_ends():
    # 01:30 local happens twice on 2026-11-01: 05:30 UTC (EDT) and 06:30 UTC (EST).
    assert rems_due_on(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), NY) == date(2026, 11, 8)
    assert rems_due_on(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), NY) == date(2026, 11, 8)


def test_evening_the_day_before_dst_ends():
    # 2026-10-31 20:30 EDT (UTC-4) = 2026-11-01 00:30 UTC.
    assert rems_due_on(datetime(2026, 11, 1, 0, 30, tzinfo=UTC), NY) == date(2026, 11, 7)


def test_other_offsets_are_converted_first():
    started = datetime(2026, 3, 8, 4, 0, tzinfo=timezone(timedelta(hours=2)))  # 02:00 UTC
    assert rems_due_on(started, NY) == date(2026, 3, 14)


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        rems_due_on(datetime(2026, 3, 7, 21, 30), NY)  # noqa: DTZ001


def test_days_left_counts_local_calendar_days():
    # 2026-03-14 03:00 UTC is still the 13th in New York.
    assert days_left(date(2026, 3, 14), datetime(2026, 3, 14, 3, 0, tzinfo=UTC), NY) == 1
    assert days_left(date(2026, 3, 14), datetime(2026, 3, 14, 5, 0, tzinfo=UTC), NY) == 0
    assert days_left(date(2026, 3, 14), datetime(2026, 3, 16, 12, 0, tzinfo=UTC), NY) == -2
