"""When a Spravato REMS Patient Monitoring Form is due: 7 calendar days after the session
(REMS; reference/clinical.md section 8.1), counted in the site's own calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

#: The REMS deadline (SPRAVATO REMS; reference/clinical.md sections 1.2 and 8.1).
REMS_FORM_DUE_DAYS = 7


def rems_due_on(started_at: datetime, tz_name: str) -> date:
    """The local date 7 calendar days after the session's local date (a DST change between
    them moves no day)."""
    return started_at.astimezone(ZoneInfo(tz_name)).date() + timedelta(days=REMS_FORM_DUE_DAYS)
