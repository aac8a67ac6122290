"""The real ``ketacare worker`` on the database backend sends a due reminder once, through the
mail transport of the settings (the console, in development), and a restarted worker sends it
no more (tests/scheduling/test_reminders.py covers a claim left by a stopped worker)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.jobs.live import scratch_clinic, wait_until
from tests.live import CLI

ROOT = Path(__file__).resolve().parents[2]
JOB = "scheduling.send_reminders"
SUBJECT = "Subject: Reminder: IV hydration on "
NOTHING = {"due": 0, "sent": 0, "no_email": 0, "not_claimed": 0, "failed": 0}


def test_the_worker_sends_a_due_reminder_once_across_a_restart() -> None:
    with scratch_clinic() as clinic:
        made = subprocess.run(
            [sys.executable, "-m", "tests.scheduling.reminder_world"],
            env=clinic.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert json.loads(made.stdout)["appointment"] >= 1

        worker, log = clinic.start("worker", "--interval", "0.2", log="worker.log")
        try:

            def reminded() -> list[dict[str, Any]] | None:
                assert worker.poll() is None, log.read_text()
                runs = [r for r in clinic.runs() if r["job"] == JOB]
                return runs if any(r["status"] == "succeeded" for r in runs) else None

            wait_until(reminded, what="the worker to run the reminders")
        finally:
            worker.send_signal(signal.SIGTERM)
            status = worker.wait(timeout=60)
        assert status == 0, log.read_text()
        # One run per 5 minutes: a second one, if the clock crossed a boundary, sent nothing.
        runs = [r for r in clinic.runs() if r["job"] == JOB and r["status"] == "succeeded"]
        assert sorted(r["result"]["sent"] for r in runs) == [0] * (len(runs) - 1) + [1]
        sent = log.read_text()
        assert sent.count(SUBJECT) == 1, sent
        assert "To: dan@example.com" in sent
        assert "Dawson" not in sent.split(SUBJECT, 1)[1].split("\n", 1)[0]

        # Restarted, and asked to run the job again at once: nothing more is sent.
        clinic.cli("jobs", "run", JOB)
        restart = subprocess.run(
            [*CLI, "worker", "--batch"], env=clinic.env, capture_output=True, text=True, timeout=120
        )
        assert restart.returncode == 0, restart.stderr
        assert SUBJECT not in restart.stdout + restart.stderr
        again = [r for r in clinic.runs() if r["job"] == JOB and r["trigger"] == "on_demand"]
        assert [(r["status"], r["result"]) for r in again] == [("succeeded", NOTHING)]
