"""Recording an intake: the baseline scales are scored, the intake document is validated by the
clinical core, every option is screened, and all of it is stored as a new intake version (an
older intake is never overwritten), audited, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import current_settings_version, version_settings
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical import parse_intake, screen
from ketacare.clinical import score as score_answers
from ketacare.clinical.errors import ClinicalInputError, UnknownIdError
from ketacare.clinical.intake import cssrs_intent_from
from ketacare.lib.errors import FieldErrors
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.outcomes.services import response_record
from ketacare.patients import services as patients
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import Patient, PatientId

from .chart import chart_facts
from .models import Intake, ScreeningResult

#: Baseline scales every intake needs (issue: intake to plan); others as the indication needs.
REQUIRED_SCALES = ("phq9", "gad7", "cssrs_screener")
OPTIONAL_SCALES = (
    "pcl5",
    "qids_sr16",
    "pain_nrs",
    "madrs",
    "ybocs",
    "audit_c",
    "dast10",
    "peg",
    "hit6",
    "ocir",
    "cgi_s",
    "icsi",
    "ymrs",
)
INTAKE_SCALES = REQUIRED_SCALES + OPTIONAL_SCALES
# Intake fields the chart supplies; a caller may send them only if they agree with the chart.
CHART_FIELDS = ("age_years", "sex")

Answers = Mapping[str, int | None] | Sequence[int | None]


@dataclass(frozen=True)
class IntakeOutcome:
    intake: Intake
    screening: ScreeningResult
    responses: list[QuestionnaireResponse]


def _check_scales(scales: Mapping[str, Answers], settings: Any) -> dict[str, Any]:
    """Score every scale first, so a bad answer is refused before anything is written."""
    errors: dict[str, str] = {}
    for instrument_id in REQUIRED_SCALES:
        if instrument_id not in scales:
            errors[f"scales.{instrument_id}"] = "is required at intake"
    scored = {}
    for instrument_id, answers in scales.items():
        if instrument_id not in INTAKE_SCALES:
            errors[f"scales.{instrument_id}"] = f"must be one of {', '.join(INTAKE_SCALES)}"
            continue
        try:
            scored[instrument_id] = score_answers(instrument_id, answers, settings)
        except (ClinicalInputError, UnknownIdError) as exc:
            field = getattr(exc, "field", "")
            errors[f"scales.{instrument_id}" + (f".{field}" if field else "")] = getattr(
                exc, "message", str(exc)
            )
    if errors:
        raise FieldErrors(errors)
    return scored


def _document(
    patient: Patient, facts: Any, fields: Mapping[str, Any], scored: Mapping[str, Any]
) -> dict[str, Any]:
    document = dict(fields)
    chart = {"age_years": facts.age_years, "sex": facts.sex}
    for name in CHART_FIELDS:
        if name in document and document[name] != chart[name]:
            raise FieldErrors({name: f"the chart says {chart[name]!r}; correct the chart instead"})
        document[name] = chart[name]
    document["scores"] = {
        **dict(document.get("scores") or {}),
        **{key: value.total for key, value in scored.items()},
    }
    if "cssrs_screener" in scored:
        # Computed from the answers, never taken from the caller (like every total).
        document["cssrs_risk"] = scored["cssrs_screener"].risk
        document["cssrs_intent"] = cssrs_intent_from(scored["cssrs_screener"])
    return document


def record_intake(
    actor: Actor,
    patient_id: PatientId,
    *,
    fields: Mapping[str, Any],
    scales: Mapping[str, Answers],
    notes: str = "",
) -> IntakeOutcome:
    """Record intake number n+1 for the patient, with its scales and screening. A refusal is
    audited by the caller (``intake_submit``, or the draft's submit around it), once."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.INTAKE_RECORD)
    # The version is read once: the screening records the one whose thresholds it used.
    settings_version = current_settings_version(patient.clinic)
    settings = version_settings(settings_version)
    today = patients.clinic_today(actor)
    facts = chart_facts(patient, today)
    scored = _check_scales(scales, settings)
    document = _document(patient, facts, fields, scored)
    try:
        intake_doc = parse_intake(document)
    except ClinicalInputError as exc:
        raise FieldErrors.naming(exc) from None
    result = screen(intake_doc, settings)
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        number = (Intake.objects.filter(patient=patient).aggregate(n=Max("number"))["n"] or 0) + 1
        intake = Intake.objects.create(
            patient=patient,
            number=number,
            document=intake_doc.model_dump(mode="json"),
            notes=notes,
            recorded_by=actor.user,
            recorded_by_label=actor.label,
        )
        _record_body(actor, patient, facts, intake_doc.weight_kg, intake_doc.height_cm, today)
        responses = [
            response_record(
                actor,
                patient,
                instrument_id=instrument_id,
                answers=_as_list(instrument_id, scales[instrument_id]),
                context=QuestionnaireResponse.Context.INTAKE,
                intake_id=intake.pk,
            )
            for instrument_id in scored
        ]
        screening = ScreeningResult.objects.create(
            intake=intake,
            patient=patient,
            result={**result.to_json(), "counted_trials": _counted(intake_doc, settings)},
            treatment_resistant=result.treatment_resistant,
            adequate_trials=result.adequate_trials,
            settings_version=settings_version,
        )
        audit.record(
            actor,
            "intake.record",
            patient_id=patient.pk,
            target=intake,
            changes={"document": [None, intake.document]},
            data={
                "number": number,
                "decisions": {o["option"]: o["decision"] for o in screening.result["options"]},
                "settings_version": settings_version.number,
            },
        )
    return IntakeOutcome(intake, screening, responses)


intake_submit = audit.records_refusals("intake.record")(record_intake)


def _as_list(instrument_id: str, answers: Answers) -> list[int | None] | dict[str, int | None]:
    return dict(answers) if isinstance(answers, Mapping) else list(answers)


def _counted(intake_doc: Any, settings: Any) -> list[dict[str, Any]]:
    from ketacare.clinical import assess_trd

    return [
        trial.model_dump(mode="json")
        for trial in assess_trd(intake_doc.medication_trials, settings).counted
    ]


def _record_body(
    actor: Actor, patient: Patient, facts: Any, weight_kg: float, height_cm: float, today: Any
) -> None:
    """Put the intake's weight and height on the chart when they differ from the latest."""
    weight, height = (
        Decimal(str(weight_kg)).quantize(Decimal("0.1")),
        Decimal(str(height_cm)).quantize(Decimal("0.1")),
    )
    latest = facts.latest
    if latest is not None and latest.weight_kg == weight and latest.height_cm == height:
        return
    patients.part_create(
        actor,
        patient.pk,
        "measurements",
        data={
            "measured_on": today,
            "weight_kg": weight,
            "height_cm": height,
        },
    )
