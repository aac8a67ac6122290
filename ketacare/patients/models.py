"""The patient record: demographics, people around the patient, body measurements, coverage,
conditions, allergies, consents and the psychiatric medication-trial history.

Every row carries a ``version`` so two editors never silently overwrite each other; every
write goes through ``patients.services`` (which audits it).
"""

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.clinical import ranges

# Letters that carry no combining mark to strip, so NFKD alone leaves them as they are.
_FOLD = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ł": "l",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)


def search_key(*parts: str) -> str:
    """Case- and accent-folded text, so "zoe dordevic" finds "Zoë Ðorđević" on any database."""
    text = " ".join(p for p in parts if p).casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def phone_digits(phone: str) -> str:
    """Only the digits of a phone number, so "(555) 014-2" finds "+1 555-0142" on any
    database with a plain ``contains`` on a stored column, not a scan in Python."""
    return "".join(ch for ch in phone if ch.isdigit())


def _folded(name: str) -> str:
    return " ".join(search_key(name).split())


#: How callers name a patient: the UUID itself or its string form from a URL.
PatientId = uuid.UUID | str


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Unknown / not recorded"


class Versioned(models.Model):
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Patient(Versioned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32)
    given_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    gender_identity = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    preferred_language = models.CharField(max_length=50, blank=True)
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_record",
    )
    is_active = models.BooleanField(default=True)
    inactive_reason = models.TextField(blank=True, help_text="Why the record was made inactive")
    # Folded copies of the name: one to search in, one to sort by ("Ðorđević" under D).
    name_search = models.CharField(max_length=400, editable=False, db_index=True)
    name_sort = models.CharField(max_length=210, editable=False)
    # The phone's digits only, kept by ``refresh_search_key`` on every write.
    phone_digits = models.CharField(max_length=32, editable=False, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="patient_mrn_unique_in_clinic")
        ]
        indexes = [models.Index(fields=["clinic", "name_sort"])]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("patients:detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        given = self.preferred_name or self.given_name
        return f"{given} {self.family_name}"

    @property
    def identity_key(self) -> tuple[str, str, object]:
        """Given name, family name (case- and accent-folded) and date of birth: two records
        with the same key are probably one person registered twice."""
        return (_folded(self.given_name), _folded(self.family_name), self.date_of_birth)

    def refresh_search_key(self) -> None:
        self.name_search = search_key(
            self.given_name, self.middle_name, self.family_name, self.preferred_name
        )
        self.name_sort = f"{search_key(self.family_name)}|{search_key(self.given_name)}"
        self.phone_digits = phone_digits(self.phone)

    def age_on(self, day: object) -> int:
        from datetime import date

        assert isinstance(day, date)
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class PatientPart(Versioned):
    """A row that belongs to one patient's chart."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} of patient {self.patient_id}"


class RelatedPerson(PatientPart):
    class Relationship(models.TextChoices):
        EMERGENCY_CONTACT = "emergency_contact", "Emergency contact"
        ESCORT = "escort", "Escort / driver"
        HOME_SITTER = "home_sitter", "Home sitter"

    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    name = models.CharField(max_length=200)
    relation_to_patient = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)


class BodyMeasurement(PatientPart):
    """Weight and height at one time; doses use the latest weight."""

    measured_on = models.DateField()
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["-measured_on", "-created_at"]

    @property
    def bmi_kg_per_m2(self) -> float | None:
        return ranges.body_mass_index(self.weight_kg, self.height_cm)

    @property
    def bmi_is_unusual(self) -> bool:
        """Outside the WHO classes from normal weight to obesity class II (``clinical.ranges``)."""
        bmi = self.bmi_kg_per_m2
        return bmi is not None and ranges.bmi_is_unusual(bmi)


class Coverage(PatientPart):
    payer_name = models.CharField(max_length=200)
    member_id = models.CharField(max_length=64)
    group_number = models.CharField(max_length=64, blank=True)
    plan_name = models.CharField(max_length=200, blank=True)
    is_primary = models.BooleanField(default=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)


class Condition(PatientPart):
    class Status(models.TextChoices):
        # FHIR R4 Condition.clinicalStatus codes.
        ACTIVE = "active", "Active"
        RECURRENCE = "recurrence", "Recurrence"
        RELAPSE = "relapse", "Relapse"
        INACTIVE = "inactive", "Inactive"
        REMISSION = "remission", "Remission"
        RESOLVED = "resolved", "Resolved"

    icd10_code = models.CharField("ICD-10-CM code", max_length=10)
    snomed_code = models.CharField("SNOMED CT code", max_length=20, blank=True)
    display = models.CharField(
        max_length=300, blank=True, help_text="Filled from the code list when left blank"
    )
    onset_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)


class Allergy(PatientPart):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)


class Consent(PatientPart):
    class Kind(models.TextChoices):
        KETAMINE_TREATMENT = "ketamine_treatment", "Ketamine treatment"
        ESKETAMINE_TREATMENT = "esketamine_treatment", "Esketamine (Spravato) treatment"
        HOME_PROGRAM = "home_program", "At-home program"
        SPRAVATO_REMS = "spravato_rems_enrollment", "SPRAVATO REMS patient enrolment"
        TELEHEALTH = "telehealth", "Telehealth"
        PRIVACY_NOTICE = "privacy_notice", "Privacy notice acknowledged"
        FINANCIAL = "financial", "Financial responsibility"

    class Status(models.TextChoices):
        GIVEN = "given", "Given"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GIVEN)
    signed_on = models.DateField()
    form_version = models.CharField(max_length=50, blank=True)


class MedicationTrial(PatientPart):
    """One past or current psychiatric medication trial; screening counts the adequate ones."""

    class ReasonStopped(models.TextChoices):
        ONGOING = "ongoing", "Still taking"
        INEFFECTIVE = "ineffective", "Not effective"
        SIDE_EFFECTS = "side_effects", "Side effects"
        COST = "cost", "Cost or access"
        REMISSION = "remission", "Remission"
        OTHER = "other", "Other"

    drug = models.CharField(max_length=100)
    drug_class = models.CharField(max_length=40)
    dose_mg_per_day = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    weeks_at_adequate_dose = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    improvement_percent = models.SmallIntegerField(null=True, blank=True)
    current_episode = models.BooleanField(default=True)
    reason_stopped = models.CharField(
        max_length=16, choices=ReasonStopped.choices, default=ReasonStopped.ONGOING
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-start_date", "-created_at"]
