"""The chart's "at a glance" view of candidacy and treatment: latest screening, the plan in
force, the latest score of each scale."""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import Patient
from ketacare.screening.models import ScreeningResult
from ketacare.screening.queries import latest_screening

from .models import TreatmentPlan
from .queries import active_plan


@dataclass(frozen=True)
class CareSummary:
    screening: ScreeningResult | None
    plan: TreatmentPlan | None
    latest_scores: list[QuestionnaireResponse]


def care_summary(patient: Patient) -> CareSummary:
    responses = QuestionnaireResponse.objects.filter(patient=patient).order_by(
        "instrument_id", "-administered_at", "-id"
    )
    latest: dict[str, QuestionnaireResponse] = {}
    for response in responses:
        latest.setdefault(response.instrument_id, response)
    return CareSummary(
        screening=latest_screening(patient),
        plan=active_plan(patient),
        latest_scores=list(latest.values()),
    )
