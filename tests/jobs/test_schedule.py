"""The job registry and the periodic schedule: once per period, however often the worker looks."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketacare.jobs import schedule, services
from ketacare.jobs.models import JobRun

# 07:30 UTC on a Tuesday: after the nightly time (07:00 UTC by default).
MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
NIGHTLY = ["accounts.prune_login_failures", "audit.verify_chain", "idempotency.prune"]
#: The scheduling app's job, every 5 minutes (ketacare/scheduling/jobs.py).
REMINDERS = "scheduling.send_reminders"
#: The sessions app's REMS-due alerts, hourly (ketacare/sessions/jobs.py).
REMS_DUE = "sessions.rems_due_alerts"
FREQUENT = (REMINDERS, REMS_DUE)


def test_a_daily_job_is_due_from_its_time_on_that_utc_day() -> None:
    daily = schedule.Daily(time(7, 0))
    assert daily.run_key(datetime(2026, 3, 10, 6, 59, 59, tzinfo=UTC)) is None
    assert daily.run_key(datetime(2026, 3, 10, 7, 0, tzinfo=UTC)) == "2026-03-10"
    assert daily.run_key(datetime(2026, 3, 10, 23, 59, tzinfo=UTC)) == "2026-03-10"
    # 03:30 in Boston on the day clocks go forward is 07:30 UTC: the same UTC day's run.
    boston = datetime(2026, 3, 8, 3, 30, tzinfo=ZoneInfo("America/New_York"))
    assert daily.run_key(boston) == "2026-03-08"
    assert str(daily) == "daily at 07:00 UTC"


def test_an_interval_job_has_one_key_per_interval() -> None:
    every = schedule.Every(timedelta(minutes=15))
    assert every.run_key(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) == "2026-03-10T09:00:00+00:00"
    assert every.run_key(datetime(2026, 3, 10, 9, 14, 59, tzinfo=UTC)) == (
        "2026-03-10T09:00:00+00:00"
    )
    assert every.run_key(datetime(2026, 3, 10, 9, 15, tzinfo=UTC)) == "2026-03-10T09:15:00+00:00"
    assert str(every) == "every 15 min"


def test_the_first_jobs_are_registered_nightly_and_the_reminders_every_5_minutes() -> None:
    assert [(job.name, str(job.schedule)) for job in schedule.periodic()] == [
        *((name, "daily at 07:00 UTC") for name in NIGHTLY),
        (REMINDERS, "every 5 min"),
        (REMS_DUE, "every 1 h"),
    ]


def test_registration_refuses_what_cannot_run() -> None:
    def job() -> None:
        return None

    with pytest.raises(ValueError, match=r"HH:MM \(00:00-23:59, UTC\), got '7am'"):
        schedule.register("tests.bad", job, description="x", daily_at="7am")
    with pytest.raises(ValueError, match="daily_at or every, not both"):
        schedule.register(
            "tests.bad", job, description="x", daily_at="07:00", every=timedelta(hours=1)
        )
    with pytest.raises(ValueError, match="at least a minute"):
        schedule.register("tests.bad", job, description="x", every=timedelta(seconds=5))
    with pytest.raises(ValueError, match="already registered for verify_audit_chain"):
        schedule.register("audit.verify_chain", job, description="x")
    with pytest.raises(schedule.UnknownJob, match="no job 'tests.bad'"):
        schedule.get("tests.bad")


def test_nothing_nightly_is_due_before_the_nightly_time(
    db: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        due = services.schedule_due(MORNING.replace(hour=6, minute=59))
    assert [(r.job, r.run_key) for r in due] == [
        (REMINDERS, "2026-03-10T06:55:00+00:00"),
        (REMS_DUE, "2026-03-10T06:00:00+00:00"),
    ]
    assert JobRun.objects.count() == 2


def test_each_nightly_job_runs_once_a_day_however_often_the_worker_looks(
    db: None, django_capture_on_commit_callbacks
) -> None:
    def nightly(runs: list[JobRun]) -> list[tuple[str, str, str]]:
        return sorted((r.job, r.run_key, r.trigger) for r in runs if r.job not in FREQUENT)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.schedule_due(MORNING)
    assert nightly(first) == [(name, "2026-03-10", "schedule") for name in NIGHTLY]
    assert list(JobRun.objects.values_list("status", "attempts").distinct()) == [("succeeded", 1)]

    # The same day again (the next turn of the loop, a restarted worker, a second worker).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.schedule_due(MORNING) == []
        later = services.schedule_due(MORNING.replace(hour=23, minute=59))
    assert [(r.job, r.run_key) for r in later] == [
        (REMINDERS, "2026-03-10T23:55:00+00:00"),
        (REMS_DUE, "2026-03-10T23:00:00+00:00"),
    ]
    assert len(callbacks) == 2
    assert JobRun.objects.exclude(job__in=FREQUENT).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        nxt = services.schedule_due(MORNING + timedelta(days=1))
    assert nightly(nxt) == [(name, "2026-03-11", "schedule") for name in NIGHTLY]
    assert JobRun.objects.exclude(job__in=FREQUENT).count() == 6
    # Once per 5 minutes: 07:30, 23:55 and the next day's 07:30.
    assert JobRun.objects.filter(job=REMINDERS).count() == 3


def test_a_period_already_taken_enqueues_nothing(
    db: None, django_capture_on_commit_callbacks
) -> None:
    """Two workers racing for one period: the second insert meets the unique key and backs
    off, and no task is enqueued for it."""
    with django_capture_on_commit_callbacks(execute=True):
        won = services.enqueue("idempotency.prune", run_key="2026-03-10", trigger="schedule")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lost = services.enqueue("idempotency.prune", run_key="2026-03-10", trigger="schedule")
    assert won is not None and lost is None
    assert callbacks == []
    assert list(JobRun.objects.values_list("job", "run_key", "attempts")) == [
        ("idempotency.prune", "2026-03-10", 1)
    ]
