"""A treatment session at the chair, and every entry charted in it.

Entries carry the time they were *measured* (``measured_at``) beside the time they were saved
(``entered_at``): the chart and the safety rules order by the first, so an entry sent late by a
tablet that lost its network lands where it belongs (and is marked late). Nothing charted is
ever edited or deleted; a correction is a new entry, a signed note takes addenda only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.accounts.models import Clinic, Site
from ketacare.patients.models import Patient

USER = settings.AUTH_USER_MODEL


class Phase(models.TextChoices):
    PREDOSE = "predose", "Pre-dose"
    DOSING = "dosing", "Dosing"
    OBSERVING = "observing", "Observing"
    DISCHARGED = "discharged", "Discharged"


class TreatmentSession(models.Model):
    """One treatment at the chair, under the plan, protocol and settings versions it started
    with (they never change afterwards, so the chart is judged by the rules it ran under)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="session"
    )
    chair = models.ForeignKey(
        "scheduling.Resource", on_delete=models.PROTECT, related_name="+", null=True
    )
    plan = models.ForeignKey("treatment.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    plan_version = models.PositiveIntegerField()
    protocol_id = models.CharField(max_length=80)
    protocol_version = models.PositiveIntegerField()
    settings_version = models.ForeignKey(
        "accounts.ClinicSettingsVersion", on_delete=models.PROTECT, related_name="+"
    )
    drug = models.CharField(max_length=20)
    route = models.CharField(max_length=20)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.PREDOSE)
    #: The weight the dose is judged by: the plan's, or today's from the pre-dose check.
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    first_dose_at = models.DateTimeField(null=True, blank=True)
    dose_end_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "phase"]),
            models.Index(fields=["patient", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.phase}) for {self.patient_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sessions:chair", kwargs={"pk": self.pk})


class _Entry(models.Model):
    """What every charted entry has: its session, when it was measured, whether it came in
    after the fact, who entered it and when."""

    measured_at = models.DateTimeField()
    late = models.BooleanField(default=False)
    entered_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_by_label = models.CharField(max_length=300)
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class PredoseCheck(_Entry):
    """The checklist before the first dose; charted again if something changes (the newest
    counts). ``decision`` and ``findings`` are the core's answer when it was saved."""

    class Pregnancy(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        NOT_PREGNANT = "not_pregnant", "Not pregnant (confirmed today)"
        PREGNANT = "pregnant", "Pregnant"
        UNKNOWN = "unknown", "Not known"

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="predose")
    identity_confirmed = models.BooleanField()
    consent_confirmed = models.BooleanField()
    hours_since_solids = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    hours_since_clear_fluids = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    escort_present = models.BooleanField()
    escort_name = models.CharField(max_length=200, blank=True)
    escort_phone = models.CharField(max_length=40, blank=True)
    pregnancy = models.CharField(max_length=16, choices=Pregnancy.choices)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    #: {"source": "now"|"portal", "cssrs_answers": {...}} or {"phq9_item9": n}
    same_day_screen = models.JSONField(null=True)
    concomitant_drug_classes = models.JSONField(default=list)
    rems_patient_enrolled = models.BooleanField(null=True)
    rems_prescriber_on_site = models.BooleanField(null=True)
    rems_pulse_oximeter = models.BooleanField(null=True)
    decision = models.CharField(max_length=20)
    findings = models.JSONField(default=list)
    #: The dose recalculated for today's weight when it differs from the plan's.
    dose_today = models.JSONField(null=True)

    class Meta:
        ordering = ["entered_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Decision(models.Model):
    """A prescriber's decision at the chair, always with a reason: releasing a hold, ordering
    a dose outside the plan, clearing a stop, or overriding a discharge criterion."""

    class Kind(models.TextChoices):
        PREDOSE_RELEASE = "predose_release", "Pre-dose hold released"
        PREDOSE_DECLINE = "predose_decline", "Dose declined after review"
        DOSE_ORDER = "dose_order", "Dose outside the plan ordered"
        STOP_CLEARED = "stop_cleared", "Stop cleared, dosing may resume"
        CRITERION_OVERRIDE = "criterion_override", "Discharge criterion overridden"

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="decisions"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    #: What it is about: the discharge criterion, the alert code, the dose ordered.
    subject = models.CharField(max_length=80, blank=True)
    detail = models.JSONField(default=dict)
    reason = models.TextField()
    decided_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_by_label = models.CharField(max_length=300)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Dose(_Entry):
    """One administration: an infusion (with its rate changes), an injection, or one Spravato
    device. ``measured_at`` is its start. The lot is drawn down in the ledger when charted."""

    class Kind(models.TextChoices):
        INFUSION = "infusion", "Infusion"
        INJECTION = "injection", "Injection"
        DEVICE = "device", "Nasal spray device"
        SPRAY = "spray", "Nasal spray"
        LOZENGE = "lozenge", "Lozenge / troche"

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="doses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    drug = models.CharField(max_length=20)
    route = models.CharField(max_length=20)
    product = models.CharField(max_length=200)
    lot = models.ForeignKey("controlled.Lot", on_delete=models.PROTECT, related_name="+")
    ledger_entry = models.ForeignKey(
        "controlled.LedgerEntry", on_delete=models.PROTECT, related_name="+"
    )
    lot_number = models.CharField(max_length=60)
    lot_expiry = models.DateField()
    concentration_mg_per_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    ended_at = models.DateTimeField(null=True, blank=True)
    rate_mg_per_h = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    device_number = models.PositiveSmallIntegerField(null=True)
    given_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    given_by_label = models.CharField(max_length=300)
    witnessed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    witnessed_by_label = models.CharField(max_length=300, blank=True)
    order = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flags = models.JSONField(default=list)

    class Meta:
        ordering = ["measured_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RateChange(_Entry):
    """An infusion's new rate from ``measured_at`` on (0 pauses it), and why."""

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="rate_changes")
    rate_mg_per_h = models.DecimalField(max_digits=7, decimal_places=2)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["measured_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class VitalSign(_Entry):
    """One set of vital signs; any of them may be absent (blood pressure comes as a pair)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="vitals")
    systolic_mmhg = models.PositiveSmallIntegerField(null=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True)
    spo2_percent = models.PositiveSmallIntegerField(null=True)
    respiratory_rate_per_min = models.PositiveSmallIntegerField(null=True)
    temperature_c = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    pain_nrs = models.PositiveSmallIntegerField(null=True)
    #: Unusual but possible values, as the core named them.
    flags = models.JSONField(default=list)

    class Meta:
        ordering = ["measured_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Observation(_Entry):
    """A MOAA/S rating or a CADSS total (item answers kept when given)."""

    class Instrument(models.TextChoices):
        MOAAS = "moaas", "MOAA/S (sedation)"
        CADSS = "cadss", "CADSS (dissociation)"

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="observations"
    )
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    instrument_version = models.PositiveIntegerField()
    answers = models.JSONField(null=True)
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["measured_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Event(_Entry):
    """A side effect, or an adverse event with its seriousness and outcome."""

    class Kind(models.TextChoices):
        SIDE_EFFECT = "side_effect", "Side effect"
        ADVERSE_EVENT = "adverse_event", "Adverse event"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        RESOLVED = "resolved", "Resolved"
        RESOLVED_WITH_TREATMENT = "resolved_with_treatment", "Resolved with treatment"
        TRANSFERRED = "transferred", "Transferred to emergency care"

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    code = models.CharField(max_length=30)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    serious = models.BooleanField(default=False)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    resolved_at = models.DateTimeField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["measured_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Acknowledgement(_Entry):
    """Staff have seen an alert the core raised and acted on it."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    code = models.CharField(max_length=60)
    alert_t_min = models.FloatField()
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Discharge(models.Model):
    """The patient left: the checklist as the core judged it, what a prescriber overrode, the
    confirmations, and who the patient left with."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.CASCADE, related_name="discharge"
    )
    discharged_at = models.DateTimeField()
    discharged_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    discharged_by_label = models.CharField(max_length=300)
    left_with_name = models.CharField(max_length=200)
    left_with_relation = models.CharField(max_length=80, blank=True)
    dissociation_resolved = models.BooleanField()
    ambulating = models.BooleanField()
    clinician_assessed_ready = models.BooleanField()
    checks = models.JSONField()
    #: Minutes after the first dose when the patient would have been ready without the
    #: REMS 2-hour rule (the REMS form's evaluation question), when staff gave it.
    ready_without_rule_min = models.PositiveSmallIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class SessionNote(models.Model):
    """The session note: drafted from the chart, edited, signed once, then locked."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.CASCADE, related_name="note")
    body = models.TextField()
    signed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_by_label = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Addendum(models.Model):
    """Text added to a signed note, or charted on a discharged session."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="addenda")
    body = models.TextField()
    written_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    written_by_label = models.CharField(max_length=300)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class RemsForm(models.Model):
    """The Spravato REMS Patient Monitoring Form of one session: due 7 calendar days after it
    (REMS; reference/clinical.md section 8.1), and the record of its submission (the REMS
    program has no API: a person submits by its portal or fax)."""

    class Method(models.TextChoices):
        PORTAL = "portal", "REMS portal"
        FAX = "fax", "Fax"

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.CASCADE, related_name="rems_form"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    fields = models.JSONField(default=dict, help_text="The form as submitted")
    submitted_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by_label = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    confirmation = models.CharField(max_length=200, blank=True)
    confirmation_file = models.BinaryField(null=True, blank=True)
    confirmation_file_name = models.CharField(max_length=200, blank=True)
    confirmation_file_type = models.CharField(max_length=100, blank=True)
    due_alert_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["clinic", "submitted_at", "due_on"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
