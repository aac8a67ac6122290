"""Alerts to the care team, raised by the service that saves the cause, in its transaction;
and alerts about the clinic itself (no patient), raised by a background job to its owners."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.accounts.models import Clinic
from ketacare.patients.models import Patient


class Alert(models.Model):
    class Kind(models.TextChoices):
        SUICIDALITY = "suicidality", "Suicidality"
        # About the clinic, not a patient: the nightly audit verify found the chain broken.
        AUDIT_CHAIN = "audit_chain", "Audit log integrity"
        # A session's Spravato REMS Patient Monitoring Form is two days from due, not submitted
        # (raised by ketacare.sessions' job, with the patient; the owner sees and may clear it).
        REMS_DUE = "rems_due", "Spravato REMS form due"

    class Severity(models.TextChoices):
        URGENT = "urgent", "Urgent"
        HIGH = "high", "High"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="alerts")
    # None: an alert about the clinic itself (seen and acknowledged with Perm.ALERT_CLINIC).
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.CharField(max_length=500)
    # What raised it, named generically ("outcomes.questionnaireresponse", its id): the app
    # that detects a cause raises the alert, and alerts knows no app above it.
    source_type = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "acknowledged_at", "created_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        # One alert per clinic, kind and cause, so a job run again raises nothing new.
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "source_type", "source_id"],
                condition=~models.Q(source_type=""),
                name="alert_one_per_source",
            )
        ]

    def __str__(self) -> str:
        if self.patient_id is None:
            return f"{self.get_kind_display()} alert for clinic {self.clinic_id}"
        return f"{self.get_kind_display()} alert for patient {self.patient_id}"
