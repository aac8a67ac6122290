"""Reads of intakes and screenings (audited where they read a patient's data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import (
    BodyMeasurement,
    Condition,
    MedicationTrial,
    Patient,
    PatientId,
)

from .models import ScreeningResult
from .staleness import ChartChange, Kind, changes_after, latest_change, out_of_date_text


def latest_screening(patient: Patient) -> ScreeningResult | None:
    return (
        ScreeningResult.objects.filter(patient=patient)
        .select_related("intake")
        .order_by("-computed_at", "-id")
        .first()
    )


def read_screening(actor: Actor, patient_id: PatientId) -> tuple[Patient, ScreeningResult | None]:
    """The patient's latest screening (None before the first intake); the read is audited."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.SCREENING_READ)
    screening = latest_screening(patient)
    with transaction.atomic():
        audit.record(
            actor,
            "screening.read",
            patient_id=patient.pk,
            target=screening if screening is not None else patient,
        )
    return patient, screening


_KINDS: tuple[tuple[Kind, type[BodyMeasurement | Condition | MedicationTrial]], ...] = (
    ("weight", BodyMeasurement),
    ("diagnosis", Condition),
    ("trial", MedicationTrial),
)


def latest_chart_changes(patient: Patient) -> list[ChartChange]:
    """The latest addition or edit of the patient's weights, diagnoses and trials (one
    aggregate query per kind, whatever the number of rows)."""
    found: list[ChartChange] = []
    for kind, model in _KINDS:
        row = model.objects.filter(patient=patient).aggregate(
            added=Max("created_at"), changed=Max("updated_at", filter=Q(version__gt=1))
        )
        change = latest_change(kind, last_added=row["added"], last_changed=row["changed"])
        if change is not None:
            found.append(change)
    return found


@dataclass(frozen=True)
class Staleness:
    changes: list[ChartChange]
    text: str

    def __bool__(self) -> bool:
        return bool(self.changes)


def screening_staleness(screening: ScreeningResult | None) -> Staleness:
    """Whether the chart changed after ``screening`` and what changed (empty when current)."""
    if screening is None:
        return Staleness([], "")
    changes = changes_after(screening.computed_at, latest_chart_changes(screening.patient))
    tz = screening.patient.clinic.tz
    return Staleness(changes, out_of_date_text(screening.computed_at, changes, tz))
