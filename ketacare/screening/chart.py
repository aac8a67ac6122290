"""What the chart already knows that an intake needs (age, sex, diagnoses, trials, weight)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ketacare.patients.models import BodyMeasurement, Condition, MedicationTrial, Patient
from ketacare.patients.rules import years_between

ACTIVE_CONDITION = (Condition.Status.ACTIVE, Condition.Status.RECURRENCE, Condition.Status.RELAPSE)


@dataclass(frozen=True)
class ChartFacts:
    age_years: int
    sex: str
    diagnoses: list[str]
    trials: list[dict[str, Any]]
    incomplete_trials: list[MedicationTrial]
    ongoing_classes: list[str]
    latest: BodyMeasurement | None
    all_trials: list[MedicationTrial] = field(default_factory=list)


def trial_document(trial: MedicationTrial) -> dict[str, Any] | None:
    """The intake form of a chart trial, or None when weeks or improvement is not recorded."""
    if trial.weeks_at_adequate_dose is None or trial.improvement_percent is None:
        return None
    return {
        "drug": trial.drug,
        "drug_class": trial.drug_class,
        "weeks_at_adequate_dose": float(trial.weeks_at_adequate_dose),
        "improvement_percent": float(trial.improvement_percent),
        "current_episode": trial.current_episode,
    }


def chart_facts(patient: Patient, today: date) -> ChartFacts:
    trials = list(MedicationTrial.objects.filter(patient=patient).order_by("start_date", "id"))
    documents = [(trial, trial_document(trial)) for trial in trials]
    diagnoses = list(
        Condition.objects.filter(patient=patient, status__in=ACTIVE_CONDITION)
        .order_by("icd10_code")
        .values_list("icd10_code", flat=True)
        .distinct()
    )
    return ChartFacts(
        age_years=years_between(patient.date_of_birth, today),
        sex=patient.sex_at_birth,
        diagnoses=diagnoses,
        trials=[doc for _, doc in documents if doc is not None],
        incomplete_trials=[trial for trial, doc in documents if doc is None],
        ongoing_classes=sorted(
            {
                t.drug_class
                for t in trials
                if t.reason_stopped == MedicationTrial.ReasonStopped.ONGOING
            }
        ),
        latest=BodyMeasurement.objects.filter(patient=patient)
        .order_by("-measured_on", "-created_at")
        .first(),
        all_trials=trials,
    )
