"""/api/v1/patients/{id}/intakes and /screening."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.alerts.services import raised_by
from ketacare.clinical import DRUG_CLASSES, ranges
from ketacare.clinical.intake import History, IntakeVitals, MedicationTrial, Sex
from ketacare.clinical.validation import Range
from ketacare.lib.inputs import Input
from ketacare.lib.responses import READ_ERRORS, WRITE_ERRORS, responses

from .queries import read_screening
from .services import intake_submit

router = Router(tags=["candidacy"])


Answer = Annotated[int, Field(ge=0, le=100)] | None
DrugClassId = Literal[tuple(sorted(DRUG_CLASSES))]  # type: ignore[valid-type]


class IntakeIn(Input):
    """The intake document (``ketacare screen --schema``) with the baseline scales item by item.

    ``age_years`` and ``sex`` come from the chart and may be left out (if sent they must agree
    with it). Totals are never taken from the caller: every score and the C-SSRS risk are
    computed by the clinical core from the item answers in ``scales``.
    """

    multiline = frozenset({"notes", "suicidal_intent_reason"})
    refused = {
        "scores": "is not accepted: every total is computed from the item answers in `scales`",
        "cssrs_risk": "is not accepted: the risk is computed from the C-SSRS answers in `scales`",
        "cssrs_intent": "is not accepted: intent is computed from C-SSRS answers 4 and 5 in "
        "`scales`",
    }

    age_years: Annotated[int, ranges.AGE_YEARS] | None = None
    sex: Sex | None = None
    weight_kg: Annotated[float, ranges.WEIGHT_KG]
    height_cm: Annotated[float, ranges.HEIGHT_CM]
    pregnant: bool
    breastfeeding: bool
    diagnoses: list[str] = Field(max_length=50, description="ICD-10-CM codes the clinic uses")
    medication_trials: list[MedicationTrial] = Field(max_length=100)
    history: History
    recent_suicide_attempt_days: Annotated[int, Range(0, 36500, "days")] | None = Field(
        description="days since the most recent suicide attempt; null if none"
    )
    concomitant_drug_classes: list[DrugClassId] = Field(max_length=50)  # type: ignore[valid-type]
    vitals: IntakeVitals
    home_sitter_available: bool
    suicidal_intent_attested: bool = Field(
        False,
        description="a clinician attests active suicidal ideation with intent (Spravato MDSI); "
        "needs suicidal_intent_reason",
    )
    suicidal_intent_reason: str = Field("", max_length=500)
    diazepam_equivalent_mg_per_day: (
        Annotated[float, ranges.DIAZEPAM_EQUIVALENT_MG_PER_DAY] | None
    ) = Field(None, description="daily benzodiazepine dose in diazepam equivalents (Ashton)")
    scales: dict[str, list[Answer] | dict[str, Answer]] = Field(
        description="answers by instrument id (phq9, gad7 and cssrs_screener required), as a list "
        "in item order or a mapping by item id; null is an unanswered item"
    )
    notes: str = Field("", max_length=4000)


class ReasonOut(Schema):
    code: str
    message: str
    source: str


class OptionOut(Schema):
    option: str
    decision: str
    reasons: list[ReasonOut]


class ScreeningOut(Schema):
    intake_id: int
    intake_number: int
    computed_at: datetime
    treatment_resistant: bool
    adequate_trials: int
    counted_trials: list[dict[str, Any]]
    options: list[OptionOut]


class ResponseOut(Schema):
    instrument: str
    total: int
    severity: str
    flags: list[str]


class IntakeOut(Schema):
    id: int
    number: int
    recorded_at: datetime
    recorded_by: str
    document: dict[str, Any]
    responses: list[ResponseOut]
    alerts: list[str]
    screening: ScreeningOut


def _screening_out(screening: Any) -> dict[str, Any]:
    return {
        "intake_id": screening.intake_id,
        "intake_number": screening.intake.number,
        "computed_at": screening.computed_at,
        "treatment_resistant": screening.treatment_resistant,
        "adequate_trials": screening.adequate_trials,
        "counted_trials": screening.result["counted_trials"],
        "options": screening.result["options"],
    }


@router.post(
    "/{patient_id}/intakes",
    response=responses(IntakeOut, *WRITE_ERRORS, status=201),
    summary="Record an intake; answers with its screening",
)
def create_intake(
    request: HttpRequest, patient_id: UUID, payload: IntakeIn
) -> Status[dict[str, Any]]:
    data = payload.model_dump(exclude_unset=True, mode="json")
    scales, notes = data.pop("scales"), data.pop("notes", "")
    for chart_field in ("age_years", "sex"):
        if data.get(chart_field) is None:
            data.pop(chart_field, None)
    outcome = intake_submit(
        actor_from_request(request), patient_id, fields=data, scales=scales, notes=notes
    )
    return Status(
        201,
        {
            "id": outcome.intake.pk,
            "number": outcome.intake.number,
            "recorded_at": outcome.intake.recorded_at,
            "recorded_by": outcome.intake.recorded_by_label,
            "document": outcome.intake.document,
            "responses": [
                {
                    "instrument": r.instrument_id,
                    "total": r.total,
                    "severity": r.severity,
                    "flags": r.flags,
                }
                for r in outcome.responses
            ],
            "alerts": [a.message for a in raised_by(outcome.responses)],
            "screening": _screening_out(outcome.screening),
        },
    )


@router.get(
    "/{patient_id}/screening",
    response=responses(ScreeningOut, *READ_ERRORS),
    summary="The latest screening",
)
def latest_screening(request: HttpRequest, patient_id: UUID) -> dict[str, Any]:
    _, screening = read_screening(actor_from_request(request), patient_id)
    if screening is None:
        raise Http404("This patient has no screening yet: record an intake first")
    return _screening_out(screening)
