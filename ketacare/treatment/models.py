"""Treatment plans: a protocol, a calculated dose with its predicted concentration curve, the
course and the integrative care items. A signed plan is locked; a change is a new version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.patients.models import Patient


class TreatmentPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"
        SUPERSEDED = "superseded", "Superseded"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="plans")
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        help_text="The signed plan this version changes",
    )
    plan_version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    protocol_id = models.CharField(max_length=80)
    protocol_version = models.PositiveIntegerField()
    drug = models.CharField(max_length=20)
    route = models.CharField(max_length=20)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    # The clinical core's dose (rate, volume, devices, weight basis) and its inputs.
    dose = models.JSONField()
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    # The PK engine's predicted curve for this patient: model, source, t_min, conc_ng_per_ml.
    curve = models.JSONField()
    course = models.JSONField(help_text="The protocol's schedule phases")
    course_note = models.TextField(blank=True)
    integrative_items = models.JSONField(default=list)
    screening = models.ForeignKey(
        "screening.ScreeningResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    screening_decision = models.CharField(max_length=30)
    # The version of the clinic's settings in force when this plan version was drafted.
    settings_version = models.ForeignKey(
        "accounts.ClinicSettingsVersion", on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    change_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_by_label = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Edit version of a draft")

    class Meta:
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"plan {self.pk} v{self.plan_version} ({self.status}) for {self.patient_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("treatment:plan", kwargs={"pk": self.pk})
