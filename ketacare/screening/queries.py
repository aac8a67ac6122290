"""Reads of intakes and screenings (audited where they read a patient's data)."""

from __future__ import annotations

from django.db import transaction

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import Patient, PatientId

from .models import ScreeningResult


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
