"""Intakes (versioned: a new one never overwrites an older one) and their screening results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.patients.models import Patient


class Intake(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="intakes")
    number = models.PositiveIntegerField(help_text="1 for the first intake, then 2, 3 ...")
    # The intake document exactly as the clinical core validated it.
    document = models.JSONField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by_label = models.CharField(max_length=300)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="intake_number_unique")
        ]

    def __str__(self) -> str:
        return f"intake {self.number} of patient {self.patient_id}"


class ScreeningResult(models.Model):
    intake = models.OneToOneField(Intake, on_delete=models.CASCADE, related_name="screening")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screenings")
    # ``ketacare screen --json`` shape, plus the trials that counted toward resistance.
    result = models.JSONField()
    treatment_resistant = models.BooleanField()
    adequate_trials = models.PositiveSmallIntegerField()
    # The version of the clinic's settings (thresholds) this was computed with.
    settings_version = models.ForeignKey(
        "accounts.ClinicSettingsVersion", on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["patient", "computed_at"])]

    def __str__(self) -> str:
        return f"screening of intake {self.intake_id}"

    def option(self, option_id: str) -> dict[str, object] | None:
        return next((o for o in self.result["options"] if o["option"] == option_id), None)


class IntakeDraft(models.Model):
    """An intake being entered section by section, so a clinician can stop and resume it: one
    per patient, removed when it is submitted. It holds the answers as typed (only values the
    form accepted), by section, so the final submission parses exactly what a one-page form
    would have sent."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake_draft")
    # {section key: {"data": {field: value}, "errors": {field: [message, ...]}}}
    sections = models.JSONField(default=dict)
    last_section = models.CharField(max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every save.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_by_label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"intake draft of patient {self.patient_id}"
