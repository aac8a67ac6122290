"""The sessions app's background jobs, registered when the app is ready (``apps.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ketacare.accounts.actor import system_actor
from ketacare.jobs import schedule

from .rems import ALERT_DAYS_BEFORE_DUE, forms_to_alert, raise_due_alert

REMS_DUE_JOB = "sessions.rems_due_alerts"


def rems_due_alerts() -> dict[str, Any]:
    """An alert for each REMS form two days from due and not submitted, once per form. The
    summary holds counts only (it is shown on the Jobs page)."""
    now = timezone.now()
    actor = system_actor(REMS_DUE_JOB)
    raised = 0
    for form in forms_to_alert(now):
        if raise_due_alert(actor, form, now) is not None:
            raised += 1
    return {"raised": raised, "days_before_due": ALERT_DAYS_BEFORE_DUE}


schedule.register(
    REMS_DUE_JOB,
    rems_due_alerts,
    description="Spravato REMS forms two days from due: an alert to the clinic (once each)",
    every=timedelta(hours=1),
)
