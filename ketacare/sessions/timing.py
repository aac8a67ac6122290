"""When an entry was measured: given by the chair (a tablet may send it late), else now.

An entry may be measured from 30 minutes before the session was opened (baseline vitals are
often taken while the chair is set up) up to now, with 2 minutes' grace for a tablet's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import TreatmentSession

BEFORE_START = timedelta(minutes=30)
CLOCK_GRACE = timedelta(minutes=2)
#: The clinical core judges a session within a day of its first dose.
CHARTED_FOR = timedelta(hours=24)
#: An entry measured longer ago than this when it reaches the server is marked late.
LATE_AFTER = timedelta(minutes=5)


def measured_time(
    session: TreatmentSession, given: datetime | None, now: datetime, errors: dict[str, str]
) -> datetime:
    """``given`` if it falls within the session, else an error under ``measured_at``."""
    if given is None:
        given = now
    if given.tzinfo is None:
        errors["measured_at"] = "give the time with its UTC offset (ISO 8601)"
        return now
    earliest = session.started_at - BEFORE_START
    if session.first_dose_at is not None and given > session.first_dose_at + CHARTED_FOR:
        errors["measured_at"] = (
            "a session is charted for at most 24 hours after its first dose: write an "
            "addendum to its note"
        )
        return now
    if given < earliest or given > now + CLOCK_GRACE:
        tz = session.site.tz
        errors["measured_at"] = (
            f"must be between {earliest.astimezone(tz):%H:%M} (30 min before the session "
            f"opened) and now ({now.astimezone(tz):%H:%M})"
        )
        return now
    return given


def is_late(measured_at: datetime, now: datetime) -> bool:
    return now - measured_at > LATE_AFTER
