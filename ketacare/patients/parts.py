"""The sections of a chart that hold lists of rows, described once for the pages, the API
and the services: which model, which fields a user may set, who may read and write them, and
which checks apply."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from ketacare.accounts.permissions import Perm

from . import validation
from .models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Consent,
    Coverage,
    MedicationTrial,
    RelatedPerson,
)


@dataclass(frozen=True)
class PartSpec:
    key: str
    title: str
    singular: str
    model: type[models.Model]
    fields: tuple[str, ...]
    read_perm: Perm
    edit_perm: Perm
    check: validation.Checker
    order_by: tuple[str, ...] = ("-created_at",)
    #: Fields that make two rows the same entry: a second row equal in all of them is refused
    #: as a duplicate (text compared without case or accents). Empty: rows may repeat.
    identity: tuple[str, ...] = ()
    #: "a", "an", or "" for a mass noun ("Add insurance", "Add an allergy").
    article: str = "a"

    @property
    def singular_with_article(self) -> str:
        return f"{self.article} {self.singular}" if self.article else self.singular


_PATIENT = (Perm.PATIENT_READ, Perm.PATIENT_EDIT)
_CLINICAL = (Perm.CLINICAL_READ, Perm.CLINICAL_EDIT)

PARTS: dict[str, PartSpec] = {
    spec.key: spec
    for spec in (
        PartSpec(
            "contacts",
            "Contacts and escorts",
            "contact",
            RelatedPerson,
            ("relationship", "name", "relation_to_patient", "phone", "email", "is_active"),
            *_PATIENT,
            validation.check_related_person,
            ("relationship", "name"),
        ),
        PartSpec(
            "coverage",
            "Insurance",
            "insurance",
            Coverage,
            (
                "payer_name",
                "member_id",
                "group_number",
                "plan_name",
                "is_primary",
                "start_date",
                "end_date",
            ),
            *_PATIENT,
            validation.check_coverage,
            ("-is_primary", "payer_name"),
            article="",
        ),
        PartSpec(
            "consents",
            "Consents",
            "consent",
            Consent,
            ("kind", "status", "signed_on", "form_version"),
            *_PATIENT,
            validation.check_consent,
            ("-signed_on",),
        ),
        PartSpec(
            "measurements",
            "Weight and height",
            "measurement",
            BodyMeasurement,
            ("measured_on", "weight_kg", "height_cm"),
            *_CLINICAL,
            validation.check_measurement,
            ("-measured_on", "-created_at"),
        ),
        PartSpec(
            "conditions",
            "Conditions",
            "condition",
            Condition,
            ("icd10_code", "snomed_code", "display", "onset_date", "status"),
            *_CLINICAL,
            validation.check_condition,
            ("status", "icd10_code"),
            ("icd10_code", "onset_date"),
        ),
        PartSpec(
            "allergies",
            "Allergies",
            "allergy",
            Allergy,
            ("substance", "reaction", "severity", "status"),
            *_CLINICAL,
            validation.check_nothing,
            ("status", "substance"),
            article="an",
        ),
        PartSpec(
            "trials",
            "Medication trials",
            "medication trial",
            MedicationTrial,
            (
                "drug",
                "drug_class",
                "dose_mg_per_day",
                "start_date",
                "end_date",
                "weeks_at_adequate_dose",
                "improvement_percent",
                "current_episode",
                "reason_stopped",
                "notes",
            ),
            *_CLINICAL,
            validation.check_trial,
            ("-start_date", "-created_at"),
            ("drug", "drug_class", "dose_mg_per_day", "start_date", "end_date"),
        ),
    )
}
