"""``ketacare worker`` (the background worker) and ``ketacare jobs`` (list runs, run a job)."""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any

from ketacare.cli import CommandError

DEFAULT_SETTINGS = "ketacare.config.settings.base"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or not 0.1 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 3600 seconds, got {value}")
    return seconds


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser(
        "worker",
        help="run background jobs: the nightly schedule and the task queue",
        description=(
            "Enqueue the periodic jobs when they are due (once per period, however many "
            "workers run) and run every queued task. Ctrl-C stops it after the current task."
        ),
    )
    worker.add_argument(
        "--interval",
        type=_interval,
        default=1.0,
        help="seconds between looks at the schedule and the queue (default 1)",
    )
    worker.add_argument(
        "--batch",
        action="store_true",
        help="enqueue what is due, run every queued task that is due, then exit (for cron)",
    )
    worker.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    worker.set_defaults(handler=_worker)

    jobs = subparsers.add_parser("jobs", help="background jobs: their schedule and runs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    listing = jobs_sub.add_parser("list", help="the registered jobs and the latest runs")
    listing.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_jobs_list)
    run = jobs_sub.add_parser("run", help="enqueue a run of a job now (the worker runs it)")
    run.add_argument("name", metavar="JOB")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=_jobs_run)


def _worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    from ketacare.jobs.worker import configure_logging, run_worker

    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        raise CommandError(
            f"TASKS['default'] is {type(backend).__name__}, not the database backend: "
            "nothing is queued for a worker"
        )
    configure_logging(verbose=not args.quiet)
    if not args.batch:
        print(
            f"ketacare worker: running jobs ({settings.DATABASES['default']['ENGINE']}; "
            "Ctrl-C stops it)",
            flush=True,
        )
    run_worker(interval=args.interval, batch=args.batch)
    return 0


def _run_json(run: Any, task_status: str | None) -> dict[str, Any]:
    return {
        "id": run.pk,
        "job": run.job,
        "run_key": run.run_key,
        "trigger": run.trigger,
        "status": run.status,
        "attempts": run.attempts,
        "max_attempts": run.max_attempts,
        "result": run.result,
        "error": run.error,
        "enqueued_at": run.enqueued_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "task_result_id": run.task_result_id or None,
        "task_status": task_status,
    }


def _task_status(task_result_id: str) -> str | None:
    """The tasks backend's status of the run's latest attempt, where it keeps results."""
    from django_tasks import task_backends
    from django_tasks.exceptions import TaskResultDoesNotExist

    backend = task_backends["default"]
    if not task_result_id or not backend.supports_get_result:
        return None
    try:
        return str(backend.get_result(task_result_id).status)
    except TaskResultDoesNotExist:
        return None


def _jobs_list(args: argparse.Namespace) -> int:
    _setup_django()
    from ketacare.jobs import queries, schedule

    if not 1 <= args.limit <= 1000:
        raise CommandError(f"--limit must be between 1 and 1000, got {args.limit}")
    jobs = schedule.registered()
    runs = queries.recent_runs(limit=args.limit)
    if args.json:
        print(
            json.dumps(
                {
                    "jobs": [
                        {
                            "name": job.name,
                            "description": job.description,
                            "schedule": str(job.schedule) if job.schedule else None,
                        }
                        for job in jobs
                    ],
                    "runs": [_run_json(run, _task_status(run.task_result_id)) for run in runs],
                },
                indent=2,
            )
        )
        return 0
    print("Jobs:")
    for job in jobs:
        print(f"  {job.name:32} {str(job.schedule or 'on demand'):22} {job.description}")
    print("Latest runs:" if runs else "No runs yet.")
    for run in runs:
        tries = f"attempt {run.attempts} of {run.max_attempts}"
        period = run.run_key if run.trigger == "schedule" else "on demand"
        print(f"  {run.pk:>6} {run.job:32} {period:12} {run.status:10} {tries}")
        if run.error:
            print(f"         {run.error}")
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    _setup_django()
    from ketacare.jobs import schedule, services

    try:
        run = services.enqueue(args.name)
    except schedule.UnknownJob as exc:
        raise CommandError(str(exc.args[0])) from None
    assert run is not None  # an on-demand run has a key of its own
    if args.json:
        print(json.dumps({"id": run.pk, "job": run.job, "status": run.status}))
    else:
        print(f"queued run {run.pk} of {run.job}; `ketacare worker` runs it")
    return 0
