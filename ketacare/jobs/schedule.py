"""The registry of jobs: what the worker may run, and which of them it runs on a schedule.

An app registers its jobs in its ``AppConfig.ready()`` (``ketacare/jobs/apps.py`` registers
the first ones this way)::

    from datetime import timedelta

    from django.apps import AppConfig


    class SchedulingConfig(AppConfig):
        name = "ketacare.scheduling"

        def ready(self) -> None:
            from ketacare.jobs import schedule

            from . import tasks

            schedule.register(
                "scheduling.send_reminders",
                tasks.send_reminders,
                description="Appointment reminders",
                every=timedelta(minutes=5),
            )

A job is a module-level function that takes keyword arguments (JSON values) and returns a small
JSON summary (shown on the Jobs page), or None. It must be idempotent: a failed attempt is
tried again (``ketacare.jobs.services``), so a second run must not repeat what the first one
already did (raise an alert twice, send a reminder twice). It never puts patient data in what
it returns or in an exception's message: both are shown on the owner's Jobs page.

A periodic job runs once per period: ``daily_at`` (``"HH:MM"`` in UTC) or ``every`` (a
``timedelta``). Each period's run is a row keyed by the job and the period (``JobRun``), so
two workers, or a worker restarted, never run the same period twice.

This module imports only the standard library, so an app of any layer may register a job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

JobFunction = Callable[..., Mapping[str, Any] | None]

_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_utc_time(value: str | time) -> time:
    """``"07:00"`` as a time of day (UTC); a clear error for anything else."""
    if isinstance(value, time):
        return value
    match = _HH_MM.match(value.strip())
    if match is None:
        raise ValueError(f"a time of day must be HH:MM (00:00-23:59, UTC), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Daily:
    """Once a UTC day, from ``at`` on (a worker that was down at that time runs it when it
    starts, the same day). UTC has no daylight-saving days to skip or repeat a run."""

    at: time

    def run_key(self, now: datetime) -> str | None:
        """The period ``now`` falls in (the UTC date), or None before today's time."""
        utc = now.astimezone(UTC)
        return utc.date().isoformat() if utc.time() >= self.at else None

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} UTC"


@dataclass(frozen=True)
class Every:
    """Once per ``interval``, periods counted from the Unix epoch in UTC."""

    interval: timedelta

    def run_key(self, now: datetime) -> str:
        seconds = int(self.interval.total_seconds())
        start = int(now.timestamp()) // seconds * seconds
        return datetime.fromtimestamp(start, UTC).isoformat(timespec="seconds")

    def __str__(self) -> str:
        seconds = int(self.interval.total_seconds())
        if seconds % 3600 == 0:
            return f"every {seconds // 3600} h"
        if seconds % 60 == 0:
            return f"every {seconds // 60} min"
        return f"every {seconds} s"


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunction
    description: str
    schedule: Daily | Every | None = None
    # None: KETACARE_JOB_MAX_ATTEMPTS.
    max_attempts: int | None = None


class UnknownJob(LookupError):
    pass


_JOBS: dict[str, Job] = {}


def register(
    name: str,
    func: JobFunction,
    *,
    description: str,
    daily_at: str | time | None = None,
    every: timedelta | None = None,
    max_attempts: int | None = None,
) -> Job:
    """Add a job (``app.what``); registering the same function again under its name is a
    no-op, another function under a taken name is an error."""
    if daily_at is not None and every is not None:
        raise ValueError(f"job {name!r}: give daily_at or every, not both")
    if every is not None and every.total_seconds() < 60:
        raise ValueError(f"job {name!r}: every must be at least a minute, got {every}")
    if max_attempts is not None and max_attempts < 1:
        raise ValueError(f"job {name!r}: max_attempts must be at least 1, got {max_attempts}")
    when: Daily | Every | None = None
    if daily_at is not None:
        when = Daily(parse_utc_time(daily_at))
    elif every is not None:
        when = Every(every)
    job = Job(name, func, description, when, max_attempts)
    existing = _JOBS.get(name)
    if existing is not None and existing.func is not func:
        raise ValueError(f"job {name!r} is already registered for {existing.func.__qualname__}")
    _JOBS[name] = job
    return job


def unregister(name: str) -> None:
    """Remove a job (tests register jobs of their own)."""
    _JOBS.pop(name, None)


def get(name: str) -> Job:
    try:
        return _JOBS[name]
    except KeyError:
        known = ", ".join(sorted(_JOBS)) or "none"
        raise UnknownJob(f"no job {name!r} (registered: {known})") from None


def registered() -> list[Job]:
    return [_JOBS[name] for name in sorted(_JOBS)]


def periodic() -> list[Job]:
    return [job for job in registered() if job.schedule is not None]
