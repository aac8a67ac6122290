"""The chart's "at a glance" view of candidacy and treatment: latest screening (and whether
the chart changed since), the plan in force (and a revision being drafted), the latest score
of each scale."""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import Patient
from ketacare.screening.models import ScreeningResult
from ketacare.screening.queries import Staleness, latest_screening, screening_staleness

from .models import TreatmentPlan
from .queries import active_plan, revision_of


@dataclass(frozen=True)
class CareSummary:
    screening: ScreeningResult | None
    plan: TreatmentPlan | None
    latest_scores: list[QuestionnaireResponse]
    staleness: Staleness
    # The draft revising the signed plan in force, which the chart links to.
    revision: TreatmentPlan | None = None


def care_summary(patient: Patient) -> CareSummary:
    responses = QuestionnaireResponse.objects.filter(patient=patient).order_by(
        "instrument_id", "-administered_at", "-id"
    )
    latest: dict[str, QuestionnaireResponse] = {}
    for response in responses:
        latest.setdefault(response.instrument_id, response)
    screening = latest_screening(patient)
    plan = active_plan(patient)
    revision = (
        revision_of(plan)
        if plan is not None and plan.status == TreatmentPlan.Status.SIGNED
        else None
    )
    return CareSummary(
        screening=screening,
        plan=plan,
        latest_scores=list(latest.values()),
        staleness=screening_staleness(screening),
        revision=revision,
    )
