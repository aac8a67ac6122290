"""The audit log: append-only (database triggers) and hash-chained (keyed HMAC-SHA256)."""

from __future__ import annotations

from typing import Any

from django.db import models


class AuditEvent(models.Model):
    """One read or write of patient data, or a security event.

    No foreign keys: the log must outlive users and patients, and a cascading ``SET NULL``
    would be an UPDATE, which the trigger refuses. ``id`` is assigned by the writer under the
    chain lock, so ids are gapless and a deleted row leaves a visible hole.
    """

    id = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(help_text="UTC")
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, default="success")
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=300)
    clinic_id = models.BigIntegerField(null=True, blank=True)
    patient_id = models.UUIDField(null=True, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["clinic_id", "occurred_at"]),
            models.Index(fields=["patient_id", "occurred_at"]),
            models.Index(fields=["actor_id", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")
