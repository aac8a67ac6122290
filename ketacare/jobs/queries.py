"""Reads for the Jobs page and ``ketacare jobs list``: no patient data, so not audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from . import schedule
from .models import JobRun


def recent_runs(*, limit: int = 100) -> QuerySet[JobRun]:
    """The latest runs, newest first."""
    return JobRun.objects.order_by("-enqueued_at", "-pk")[:limit]


@dataclass(frozen=True)
class ScheduledJob:
    job: schedule.Job
    last_run: JobRun | None


def scheduled_jobs() -> list[ScheduledJob]:
    """Every registered job with its latest run."""
    return [
        ScheduledJob(
            job, JobRun.objects.filter(job=job.name).order_by("-enqueued_at", "-pk").first()
        )
        for job in schedule.registered()
    ]
