"""Enqueueing job runs, running their attempts, retrying them, and the periodic schedule.

Every run of a job is a ``JobRun`` row; each attempt is one task of Django's tasks API
(``tasks.run_job``), enqueued when the transaction that created or updated the row commits
(``transaction.on_commit``), so a worker never picks up an attempt whose row it cannot see.

An attempt that raises is tried again after ``KETACARE_JOB_RETRY_SECONDS`` (60), twice as long
before each further attempt, until the job's ``max_attempts`` (``KETACARE_JOB_MAX_ATTEMPTS``,
3): with the defaults, attempts at 0, 1 and 3 minutes. The run is then ``failed`` and shows on
the owner's Jobs page with its error; the tasks backend keeps each attempt's traceback. The
database backend holds a retry back with ``run_after``; a backend that cannot defer (the
immediate backend of the test suite) runs it at once.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import schedule
from .models import JobRun

logger = logging.getLogger("ketacare.jobs")

FINISHED = (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED)


def retry_delay_seconds(attempt: int) -> int:
    """How long after failed attempt ``attempt`` (1, 2, ...) the next one starts."""
    return int(settings.KETACARE_JOB_RETRY_SECONDS * 2 ** (attempt - 1))


def max_attempts(job: schedule.Job) -> int:
    return job.max_attempts or int(settings.KETACARE_JOB_MAX_ATTEMPTS)


def enqueue(
    name: str,
    *,
    run_key: str | None = None,
    trigger: str = JobRun.Trigger.ON_DEMAND,
    kwargs: Mapping[str, Any] | None = None,
) -> JobRun | None:
    """Record a run of job ``name`` and enqueue its first attempt on commit.

    ``run_key`` names the period of a periodic run; None when a run with that key exists
    already (another worker, or this one before a restart, got there first). An on-demand run
    gets a unique key.
    """
    job = schedule.get(name)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name,
                run_key=run_key or uuid.uuid4().hex,
                trigger=trigger,
                kwargs=dict(kwargs or {}),
                max_attempts=max_attempts(job),
            )
            transaction.on_commit(functools.partial(_enqueue_attempt, run.pk))
    except IntegrityError:
        return None
    return run


def _enqueue_attempt(run_id: int, run_after: datetime | None = None) -> None:
    from .tasks import run_job

    task = run_job
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    result = task.enqueue(job_run_id=run_id)
    # Unless the attempt has started already (a worker was quick, or the backend runs it at
    # once), name it on the run; the attempt names itself when it starts.
    JobRun.objects.filter(
        pk=run_id, status__in=[JobRun.Status.QUEUED, JobRun.Status.RETRYING]
    ).update(task_result_id=str(result.id)[:64])


def schedule_due(now: datetime | None = None) -> list[JobRun]:
    """Enqueue every periodic job whose current period has no run yet; the runs created."""
    now = now or timezone.now()
    created = []
    for job in schedule.periodic():
        assert job.schedule is not None
        key = job.schedule.run_key(now)
        if key is None or JobRun.objects.filter(job=job.name, run_key=key).exists():
            continue
        run = enqueue(job.name, run_key=key, trigger=JobRun.Trigger.SCHEDULE)
        if run is not None:
            logger.info("scheduled %s for %s (run %s)", job.name, key, run.pk)
            created.append(run)
    return created


def run_attempt(run_id: int, *, task_result_id: str = "") -> dict[str, Any] | None:
    """One attempt of run ``run_id``: the job's summary, or its exception raised again (after
    the next attempt is enqueued, or the run marked failed). A run already finished is left
    as it is, so a task delivered twice does nothing the second time."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            logger.warning("job run %s does not exist; nothing to do", run_id)
            return None
        if run.status in FINISHED:
            logger.info("job run %s is already %s; nothing to do", run_id, run.status)
            return run.result
        run.status = JobRun.Status.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.next_attempt_at = None
        run.task_result_id = task_result_id[:64]
        run.save(
            update_fields=["status", "attempts", "started_at", "next_attempt_at", "task_result_id"]
        )
    try:
        result = schedule.get(run.job).func(**run.kwargs)
    # Any error of the job is this attempt's failure (bounded retries, then shown to the owner);
    # KeyboardInterrupt and SystemExit stop the worker instead.
    except Exception as exc:
        _attempt_failed(run, exc)
        raise
    summary = dict(result) if result is not None else None
    run.status = JobRun.Status.SUCCEEDED
    run.result = summary
    run.error = ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at"])
    logger.info(
        "job %s (%s) succeeded on attempt %s: %s", run.job, run.run_key, run.attempts, summary
    )
    return summary


def describe(exc: BaseException) -> str:
    """The exception's class and the first line of its message (a database error's detail
    lines can quote row values, which the Jobs page must not show)."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text[:500]


def _attempt_failed(run: JobRun, exc: Exception) -> None:
    now = timezone.now()
    run.error = describe(exc)
    with transaction.atomic():
        if run.attempts < run.max_attempts:
            run.status = JobRun.Status.RETRYING
            run.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(run.attempts))
            transaction.on_commit(
                functools.partial(_enqueue_attempt, run.pk, run_after=run.next_attempt_at)
            )
            logger.warning(
                "job %s (%s) attempt %s of %s failed (%s); next attempt at %s",
                run.job,
                run.run_key,
                run.attempts,
                run.max_attempts,
                run.error,
                run.next_attempt_at.isoformat(),
            )
        else:
            run.status = JobRun.Status.FAILED
            run.finished_at = now
            logger.error(
                "job %s (%s) failed after %s attempts: %s",
                run.job,
                run.run_key,
                run.attempts,
                run.error,
            )
        run.save(update_fields=["status", "error", "next_attempt_at", "finished_at"])
