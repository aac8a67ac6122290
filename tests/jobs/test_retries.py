"""A failing job is tried again a bounded number of times, with a growing delay, and then shows
as failed on the owner's Jobs page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ketacare.jobs import schedule, services
from ketacare.jobs.models import JobRun
from ketacare.jobs.worker import run_worker
from tests.conftest import Cast, logged_in

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
EARLY = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CALLS: list[str] = []
FAILURES_LEFT: list[int] = [0]


def flaky(**kwargs: Any) -> dict[str, Any]:
    """Fails while ``FAILURES_LEFT`` lasts, then succeeds."""
    CALLS.append(str(kwargs.get("label", "")))
    if FAILURES_LEFT[0] > 0:
        FAILURES_LEFT[0] -= 1
        raise RuntimeError("the printer is on fire\nDETAIL: Key (mrn)=(H-1001) already exists.")
    return {"printed": len(CALLS)}


@pytest.fixture
def flaky_job() -> Iterator[schedule.Job]:
    CALLS.clear()
    job = schedule.register("tests.flaky", flaky, description="A job that fails at first")
    try:
        yield job
    finally:
        schedule.unregister("tests.flaky")


def enqueue(captured, **kwargs: Any) -> JobRun:  # type: ignore[no-untyped-def]
    with captured(execute=True):
        run = services.enqueue("tests.flaky", kwargs=kwargs)
    assert run is not None
    return JobRun.objects.get(pk=run.pk)


def test_a_job_that_keeps_failing_is_tried_three_times_and_then_failed(
    db: None, flaky_job: schedule.Job, django_capture_on_commit_callbacks
) -> None:
    FAILURES_LEFT[0] = 10
    run = enqueue(django_capture_on_commit_callbacks, label="x")
    assert CALLS == ["x", "x", "x"]
    assert (run.status, run.attempts, run.max_attempts) == ("failed", 3, 3)
    # The first line of the message only: a database error's detail could quote a row.
    assert run.error == "RuntimeError: the printer is on fire"
    assert run.finished_at is not None and run.result is None


def test_a_job_that_fails_once_succeeds_on_its_second_attempt(
    db: None, flaky_job: schedule.Job, django_capture_on_commit_callbacks
) -> None:
    FAILURES_LEFT[0] = 1
    run = enqueue(django_capture_on_commit_callbacks)
    assert len(CALLS) == 2
    assert (run.status, run.attempts, run.error, run.result) == (
        "succeeded",
        2,
        "",
        {"printed": 2},
    )


@override_settings(KETACARE_JOB_MAX_ATTEMPTS=5)
def test_the_bound_is_a_setting_and_a_job_may_set_its_own(
    db: None, flaky_job: schedule.Job, django_capture_on_commit_callbacks
) -> None:
    FAILURES_LEFT[0] = 10
    assert enqueue(django_capture_on_commit_callbacks).attempts == 5
    schedule.unregister("tests.flaky")
    schedule.register("tests.flaky", flaky, description="once", max_attempts=1)
    CALLS.clear()
    run = enqueue(django_capture_on_commit_callbacks)
    assert (run.status, run.attempts, len(CALLS)) == ("failed", 1, 1)


@override_settings(TASKS=DATABASE_BACKEND)
def test_the_database_backend_holds_each_retry_back_twice_as_long(
    db: None,
    flaky_job: schedule.Job,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real queue and the database worker's own loop, in this process: attempts at 0, 60
    and 180 seconds, each a task of its own, the failed ones with their traceback. (Before the
    nightly time, and without the reminders' 5-minute job and the REMS forms' hourly one, so
    the worker's schedule adds nothing.)"""
    FAILURES_LEFT[0] = 10
    monkeypatch.delitem(schedule._JOBS, "scheduling.send_reminders")
    monkeypatch.delitem(schedule._JOBS, "sessions.rems_due_alerts")
    # The worker closes a connection it finds inside a transaction (as a request would); here
    # that transaction is the test's own.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def turn() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            run_worker(batch=True, handle_signals=False)

    with time_machine.travel(EARLY, tick=False) as clock:
        run = enqueue(django_capture_on_commit_callbacks)
        assert (run.status, run.attempts) == ("queued", 0)
        assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["READY"]
        turn()
        run.refresh_from_db()
        assert (run.status, run.attempts, run.next_attempt_at) == (
            "retrying",
            1,
            EARLY + timedelta(seconds=60),
        )
        waiting = DBTaskResult.objects.get(status="READY")
        assert (waiting.run_after, waiting.args_kwargs) == (
            EARLY + timedelta(seconds=60),
            {"args": [], "kwargs": {"job_run_id": run.pk}},
        )
        # The run names its latest attempt: the one waiting.
        assert run.task_result_id == str(waiting.id)

        clock.move_to(EARLY + timedelta(seconds=59))
        turn()
        assert len(CALLS) == 1
        clock.move_to(EARLY + timedelta(seconds=60))
        turn()
        run.refresh_from_db()
        assert (run.status, run.attempts, run.next_attempt_at) == (
            "retrying",
            2,
            EARLY + timedelta(seconds=180),
        )
        clock.move_to(EARLY + timedelta(seconds=180))
        turn()
        turn()
    run.refresh_from_db()
    assert (run.status, run.attempts, len(CALLS)) == ("failed", 3, 3)
    assert run.finished_at == EARLY + timedelta(seconds=180)
    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [(t.status, t.exception_class_path) for t in tasks] == [
        ("FAILED", "builtins.RuntimeError")
    ] * 3
    assert "RuntimeError: the printer is on fire" in tasks[2].traceback
    assert run.task_result_id == str(tasks[2].id)


def test_a_failed_run_shows_on_the_owners_jobs_page(
    cast: Cast, flaky_job: schedule.Job, django_capture_on_commit_callbacks
) -> None:
    FAILURES_LEFT[0] = 10
    with time_machine.travel(NOW, tick=False):
        run = enqueue(django_capture_on_commit_callbacks)
    page = logged_in(cast.owner.user).get("/jobs/")
    assert page.status_code == 200
    assert [r.pk for r in page.context["runs"]] == [run.pk]
    html = page.content.decode()
    row = html[html.index(f'<tr id="run-{run.pk}">') :]
    row = row[: row.index("</tr>")]
    assert row.split("<td")[1:] == [
        ' data-label="Job"><small class="code">tests.flaky</small></td>\n      ',
        ' data-label="Period (UTC)">on demand</td>\n      ',
        ' data-label="Status"><span class="badge badge-job-failed">Failed</span></td>\n      ',
        ' data-label="Attempts">3 of 3</td>\n      ',
        # Shown in the clinic's time zone (Boston: EDT from 8 March 2026).
        ' data-label="Enqueued">2026-03-10 03:30:00 EDT</td>\n      ',
        ' data-label="Finished">2026-03-10 03:30:00 EDT</td>\n      ',
        ' data-label="Error" class="job-error">RuntimeError: the printer is on fire</td>\n    ',
    ]
    assert "H-1001" not in html
    assert 'href="/jobs/">Jobs</a>' in html
    assert 'href="/jobs/"' not in logged_in(cast.nurse.user).get("/patients/").content.decode()


def test_a_task_delivered_again_after_its_run_finished_does_nothing(
    db: None, flaky_job: schedule.Job, django_capture_on_commit_callbacks
) -> None:
    FAILURES_LEFT[0] = 0
    run = enqueue(django_capture_on_commit_callbacks)
    assert services.run_attempt(run.pk, task_result_id="again") == {"printed": 1}
    assert len(CALLS) == 1
    again = JobRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.task_result_id) == (
        "succeeded",
        1,
        run.task_result_id,
    )
