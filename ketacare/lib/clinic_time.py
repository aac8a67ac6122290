"""Clinic-local calendar days as UTC instants.

A day in a DST zone is 23 or 25 hours long twice a year, so a day's bounds are computed from
local midnights, never as "start + 24 hours" (healthchecks #196, reference/engineering.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def day_bounds_utc(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The half-open UTC interval ``[start, end)`` covering local days ``first``..``last``."""
    return local_midnight_utc(first, tz), local_midnight_utc(last + timedelta(days=1), tz)
