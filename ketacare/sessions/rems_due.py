"""When a session's Spravato REMS Patient Monitoring Form is due.

The REMS asks for the form within 7 calendar days of the session (reference/clinical.md
sections 1.2 and 8.1: spravatorems.com; Osmind REMS workflow article, 2026-06-26). Calendar days
are the clinic's: the session's date is taken in the site's time zone, then 7 days are added to
the date (never 7 x 24 hours to the instant, which a DST change would shift by an hour and, for a
late-evening session, by a day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

#: REMS: submit within 7 calendar days of the session (reference/clinical.md 1.2, 8.1).
REMS_DUE_CALENDAR_DAYS = 7
REMS_FORM_DUE_DAYS = REMS_DUE_CALENDAR_DAYS


def rems_due_on(started_at: datetime, tz_name: str) -> date:
    """The session's local calendar date in ``tz_name`` plus 7 days. ``started_at`` must be
    aware (the database stores UTC); a naive value is refused rather than guessed."""
    if started_at.tzinfo is None or started_at.utcoffset() is None:
        raise ValueError("started_at must carry its time zone (stored times are UTC)")
    local_day = started_at.astimezone(ZoneInfo(tz_name)).date()
    return local_day + timedelta(days=REMS_DUE_CALENDAR_DAYS)


def days_left(due_on: date, now: datetime, tz_name: str) -> int:
    """Calendar days from today (local) to the due date: 0 on the due day, negative when late."""
    return (due_on - local_today(now, tz_name)).days


def local_today(now: datetime, tz_name: str) -> date:
    """Today's date in the clinic's zone (``now`` is aware)."""
    return now.astimezone(ZoneInfo(tz_name)).date()
