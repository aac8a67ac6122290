"""Today's suicidality screen from the patient's own questionnaires (the portal, a kiosk, an
earlier visit today), for the pre-dose checklist: the latest PHQ-9 or C-SSRS screener
administered on the site's local day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.outcomes.models import QuestionnaireResponse

from .models import TreatmentSession

#: The C-SSRS screener questions the core's gate reads (1-6; 6b is not one of them).
CSSRS_QUESTIONS = ("1", "2", "3", "4", "5", "6")


def todays_screen(session: TreatmentSession, now: datetime) -> dict[str, Any] | None:
    """The screen as the checklist charts it (``source`` "portal"), or None."""
    tz = session.site.tz
    today = now.astimezone(tz).date()
    start, end = day_bounds_utc(today, today, tz)
    response = (
        QuestionnaireResponse.objects.filter(
            patient_id=session.patient_id,
            instrument_id__in=("phq9", "cssrs_screener"),
            administered_at__gte=start,
            administered_at__lt=min(end, now),
        )
        .order_by("-administered_at", "-pk")
        .first()
    )
    if response is None:
        return None
    items = {item["id"]: item.get("value") for item in response.score.get("items", [])}
    screen: dict[str, Any] = {
        "source": "portal",
        "taken_at": response.administered_at.isoformat(),
        "response_id": response.pk,
    }
    if response.instrument_id == "phq9":
        screen["phq9_item9"] = items.get("9")
    else:
        screen["cssrs_answers"] = {
            q: bool(items[q]) for q in CSSRS_QUESTIONS if items.get(q) is not None
        }
    return screen
