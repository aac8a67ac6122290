"""The stored first answer to a write that carried an idempotency key or a form's one-time
token, so a retry (a lost answer, a double click) gets that answer instead of a second write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredResponse(models.Model):
    """One key of one user, written in the same transaction as the write it answers.

    ``status`` is 0 while the first request is running; a concurrent request with the same key
    waits on the unique index (PostgreSQL) or the write lock (SQLite) and then replays it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="stored_response_one_per_key")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.status or 'running'})"
