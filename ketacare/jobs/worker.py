"""``ketacare worker``: one process that enqueues the due periodic jobs and runs the queue.

Each turn of the loop first writes the runs of the periodic jobs whose period has none
(``services.schedule_due``: a unique key per job and period, so several workers, or one
restarted, never run a period twice), then runs every queued task that is due with the
database backend's own worker (django-tasks-db's ``db_worker``: it claims a task under a row
lock, runs it and records its result or its traceback), then sleeps ``interval`` seconds.

Ctrl-C or SIGTERM stops it after the task it is running; a second one stops it at once.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from typing import Any

from django.utils.crypto import get_random_string

from . import services

logger = logging.getLogger("ketacare.jobs")

#: What the worker says at INFO: runs scheduled, attempts retried or failed (``ketacare.jobs``),
#: each task started and finished, with the traceback of a failed one (``django_tasks``). The
#: database worker's own logger says "starting" and "no more tasks" on every turn of the loop:
#: only its warnings are shown.
WORKER_LOGGERS = {"ketacare.jobs": logging.INFO, "django_tasks": logging.INFO}
QUIET_LOGGERS = {"django_tasks_db": logging.WARNING}


def configure_logging(verbose: bool) -> None:
    levels = {**WORKER_LOGGERS, **QUIET_LOGGERS}
    for name, level in levels.items():
        log = logging.getLogger(name)
        log.setLevel(level if verbose else max(level, logging.WARNING))
        if not log.handlers:
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            log.propagate = False


def run_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    worker_id: str | None = None,
    handle_signals: bool = True,
) -> None:
    """Schedule and run jobs until stopped; with ``batch``, one turn (schedule, then every due
    task) and return. ``handle_signals``: stop gracefully at SIGINT and SIGTERM (the
    process's handlers are restored on return)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        # One pass over the due tasks per turn, so the schedule is checked between passes.
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or get_random_string(32),
        excluded_queue_names=[],
    )
    previous: dict[int, Any] = {}
    if handle_signals:
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        worker.configure_signals()
    try:
        while worker.running:
            # A stop signal while the schedule is written waits for it to commit (the worker
            # defers a stop while ``running_task``), so no run is left without its task.
            worker.running_task = True
            try:
                services.schedule_due()
            finally:
                worker.running_task = False
            if not worker.running:
                break
            worker.run()
            if batch:
                return
            if worker.running:
                time.sleep(interval)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
