"""One run of a job: its attempts, its outcome, and the period it belongs to."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """A run of a registered job (``schedule``), tried up to ``max_attempts`` times.

    A periodic run is keyed by its period (``run_key``: the UTC date of a daily job), and the
    unique constraint makes the schedule exactly-once: a second worker, or the same worker
    restarted, finds the period's row and enqueues nothing. Each attempt is one task of the
    tasks backend (``task_result_id``: the latest); the backend keeps each attempt's traceback,
    this row keeps what the owner's Jobs page shows.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Failed, will try again"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        ON_DEMAND = "on_demand", "On demand"

    job = models.CharField(max_length=100)
    run_key = models.CharField(max_length=64, help_text="the period (UTC), or a unique id")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    kwargs = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField()
    result = models.JSONField(null=True, blank=True)
    # The last failed attempt's exception: its class and the first line of its message.
    error = models.CharField(max_length=500, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "run_key"], name="job_run_one_per_period")
        ]
        indexes = [models.Index(fields=["enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.job} {self.run_key} ({self.status})"
