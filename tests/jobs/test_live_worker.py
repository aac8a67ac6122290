"""``ketacare worker`` as a real process on the database backend: a job enqueued by another
process is run and its result recorded, the day's nightly jobs are run once, and a restart the
same day runs none of them again. The reminders' 5-minute job runs beside them."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime
from typing import Any

from tests.jobs.live import scratch_clinic, wait_until
from tests.live import CLI

NIGHTLY = ["accounts.prune_login_failures", "audit.verify_chain", "idempotency.prune"]
REMINDERS = "scheduling.send_reminders"
#: Hourly, like the reminders not part of what this test counts.
REMS_DUE = "sessions.rems_due_alerts"
NO_REMINDERS = {"due": 0, "sent": 0, "no_email": 0, "not_claimed": 0, "failed": 0}


def nightly_and_manual(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if r["job"] not in (REMINDERS, REMS_DUE)]


def test_the_worker_process_runs_the_queue_and_each_nightly_job_once_a_day() -> None:
    # Nightly at 00:00 UTC: due whenever the test runs.
    with scratch_clinic(KETACARE_NIGHTLY_AT_UTC="00:00") as clinic:
        queued = clinic.cli("jobs", "run", "audit.verify_chain", "--json")
        [waiting] = clinic.runs()
        assert (waiting["job"], waiting["status"], waiting["attempts"]) == (
            "audit.verify_chain",
            "queued",
            0,
        )
        assert waiting["task_status"] == "READY"
        assert queued.strip() == (
            f'{{"id": {waiting["id"]}, "job": "audit.verify_chain", "status": "queued"}}'
        )
        day_before = datetime.now(UTC).date().isoformat()

        worker, log = clinic.start("worker", "--interval", "0.2", log="worker.log")
        try:

            def all_done() -> list[dict[str, Any]] | None:
                assert worker.poll() is None, log.read_text()
                every = clinic.runs()
                runs = nightly_and_manual(every)
                finished = len(runs) == 4 and all(r["status"] == "succeeded" for r in runs)
                reminded = any(r["status"] == "succeeded" for r in every if r["job"] == REMINDERS)
                return runs if finished and reminded else None

            runs = wait_until(all_done, what="the worker to run four jobs")
        finally:
            worker.send_signal(signal.SIGTERM)
            status = worker.wait(timeout=60)
        day_after = datetime.now(UTC).date().isoformat()
        assert status == 0, log.read_text()

        [manual] = [r for r in runs if r["trigger"] == "on_demand"]
        assert (manual["id"], manual["attempts"], manual["task_status"]) == (
            waiting["id"],
            1,
            "SUCCESSFUL",
        )
        assert manual["result"] == {"checked": 0, "broken": [], "alerts_raised": 0}
        nightly = sorted(
            (r["job"], r["attempts"], r["task_status"]) for r in runs if r["trigger"] == "schedule"
        )
        assert nightly == [(name, 1, "SUCCESSFUL") for name in NIGHTLY]
        [day] = {r["run_key"] for r in runs if r["trigger"] == "schedule"}
        assert day in (day_before, day_after)

        # Restarted the same day (here: once, to the end of the queue), it runs nothing again
        # (past midnight UTC it would run the new day's three).
        restart = subprocess.run(
            [*CLI, "worker", "--batch"], env=clinic.env, capture_output=True, timeout=120
        )
        assert restart.returncode == 0, restart.stdout
        new_day = datetime.now(UTC).date().isoformat() != day
        every = clinic.runs()
        after = nightly_and_manual(every)
        assert len(after) == len(runs) + (3 if new_day else 0)
        assert [(r["id"], r["status"], r["attempts"]) for r in after[-4:]] == [
            (r["id"], "succeeded", 1) for r in runs
        ]
        # One reminders run per 5 minutes (the restart may have started the next one), each
        # finding nothing to send in a clinic with no appointments.
        reminders = [r for r in every if r["job"] == REMINDERS]
        assert 1 <= len(reminders) == len({r["run_key"] for r in reminders}) <= 2
        assert [(r["status"], r["result"]) for r in reminders] == [
            ("succeeded", NO_REMINDERS)
        ] * len(reminders)
