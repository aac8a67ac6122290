"""``ketacare worker`` and ``ketacare jobs`` as a shell user meets them (in this process, on the
suite's immediate backend; tests/jobs/test_live_worker.py runs the real worker)."""

from __future__ import annotations

import json

import pytest

from ketacare.cli import main
from ketacare.jobs.models import JobRun


def test_the_worker_refuses_a_backend_that_queues_nothing(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", "--batch"]) == 2
    assert capsys.readouterr().err == (
        "ketacare worker: TASKS['default'] is ImmediateBackend, not the database backend: "
        "nothing is queued for a worker\n"
    )


def test_jobs_run_names_the_jobs_there_are(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "run", "audit.verfy_chain"]) == 2
    assert capsys.readouterr().err == (
        "ketacare jobs: no job 'audit.verfy_chain' (registered: accounts.prune_login_failures, "
        "audit.verify_chain, idempotency.prune, scheduling.send_reminders, "
        "sessions.rems_due_alerts)\n"
    )
    assert JobRun.objects.count() == 0


@pytest.mark.parametrize("interval", ["0", "nan", "soon"])
def test_the_worker_refuses_an_interval_it_cannot_keep(
    interval: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--interval", interval])
    assert exit_.value.code == 2
    assert "argument --interval: must be" in capsys.readouterr().err


def test_jobs_list_shows_the_schedule_as_json(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == {
        "jobs": [
            {
                "name": "accounts.prune_login_failures",
                "description": "Delete login-throttle rows no throttle counts any more",
                "schedule": "daily at 07:00 UTC",
            },
            {
                "name": "audit.verify_chain",
                "description": "Audit log integrity (audit verify); alerts the owners if broken",
                "schedule": "daily at 07:00 UTC",
            },
            {
                "name": "idempotency.prune",
                "description": "Delete expired idempotency keys",
                "schedule": "daily at 07:00 UTC",
            },
            {
                "name": "scheduling.send_reminders",
                "description": "Appointment reminders by email (each sent at most once)",
                "schedule": "every 5 min",
            },
            {
                "name": "sessions.rems_due_alerts",
                "description": "Spravato REMS forms two days from due: an alert to the clinic "
                "(once each)",
                "schedule": "every 1 h",
            },
        ],
        "runs": [],
    }
