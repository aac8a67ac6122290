"""The audit log: append-only (database triggers) and hash-chained (keyed HMAC-SHA256), one
chain per clinic."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

# The chain of the events that belong to no clinic (failed logins of unknown users, system
# events). Clinic ids start at 1, so 0 is free.
INSTALLATION_CHAIN = 0


class AuditEvent(models.Model):
    """One read or write of patient data, or a security event.

    No foreign keys: the log must outlive users and patients, and a cascading ``SET NULL``
    would be an UPDATE, which the trigger refuses.

    Each event is in the chain of its clinic (``chain`` = ``clinic_id``), or in the
    installation chain (``chain`` = 0) when it has no clinic. ``seq`` is its place in that
    chain, assigned by the writer under the chain's lock: gapless from 1, so a deleted row
    leaves a visible hole, and unique with ``chain`` in the database. ``id`` is a plain
    surrogate key from the database (not gapless, not hashed).

    Rows written before per-clinic chains (migration ``audit.0004``) have ``chain`` and ``seq``
    NULL: they are the legacy chain, ordered by their gapless ``id`` and hashed in their old
    form (``services.verify_chain``).
    """

    id = models.BigAutoField(primary_key=True)
    chain = models.BigIntegerField(
        null=True, blank=True, help_text="clinic id, 0 = installation, NULL = legacy chain"
    )
    seq = models.BigIntegerField(null=True, blank=True, help_text="place in the chain, from 1")
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
            # Finds the legacy chain's rows (and its last row) without reading the new ones.
            models.Index(fields=["id"], condition=Q(chain__isnull=True), name="audit_legacy_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
            # A row is legacy (no chain, no place) or in its clinic's chain at a place >= 1.
            models.CheckConstraint(
                condition=Q(chain__isnull=True, seq__isnull=True)
                | Q(
                    chain=Coalesce(
                        "clinic_id",
                        models.Value(INSTALLATION_CHAIN),
                        output_field=models.BigIntegerField(),
                    ),
                    seq__gte=1,
                ),
                name="audit_chain_is_clinic",
            ),
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
