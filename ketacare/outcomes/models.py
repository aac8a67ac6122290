"""Questionnaire responses, stored item by item with the clinical core's score."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.patients.models import Patient


class QuestionnaireResponse(models.Model):
    class Context(models.TextChoices):
        INTAKE = "intake", "Intake"
        SESSION = "session", "Treatment session"
        PORTAL = "portal", "Patient portal"
        HOME = "home", "At-home program"
        CLINIC = "clinic", "Clinic visit"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="responses")
    instrument_id = models.CharField(max_length=32)
    instrument_version = models.PositiveSmallIntegerField()
    context = models.CharField(max_length=10, choices=Context.choices)
    # One entry per item in the instrument's order; null is an unanswered item.
    answers = models.JSONField()
    total = models.IntegerField()
    severity = models.CharField(max_length=40, blank=True)
    flags = models.JSONField(default=list)
    # The clinical core's whole score (items, bands, instrument-specific keys) as JSON.
    score = models.JSONField()
    administered_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    intake = models.ForeignKey(
        "screening.Intake",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responses",
    )

    class Meta:
        indexes = [models.Index(fields=["patient", "instrument_id", "administered_at"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.total} for patient {self.patient_id}"
