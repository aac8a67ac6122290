"""The one task of Django's tasks API that runs every job, and the project's first jobs.

``run_job`` is what the tasks backend stores and the worker runs: one attempt of a
``JobRun`` (``services.run_attempt``). The jobs themselves are plain functions registered in
``schedule`` (``apps.py``); each is idempotent and returns a summary for the Jobs page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import TaskContext, task

from . import services


@task(takes_context=True)
def run_job(context: TaskContext, job_run_id: int) -> dict[str, Any] | None:
    return services.run_attempt(job_run_id, task_result_id=str(context.task_result.id))


def verify_audit_chain() -> dict[str, Any]:
    """``ketacare audit verify``, nightly: for each broken chain an urgent alert to the owners
    of its clinic (of every clinic, for the installation or legacy chain), naming the first
    bad row (once per clinic and row)."""
    from ketacare.accounts.actor import system_actor
    from ketacare.alerts.services import raise_audit_chain_alerts
    from ketacare.audit.services import verify_chain

    verification = verify_chain()
    raised = 0
    for report in verification.broken:
        assert report.problem is not None
        raised += len(
            raise_audit_chain_alerts(
                system_actor("nightly audit verify"),
                event_id=report.problem.event_id,
                problem=report.problem.message,
                clinic_id=report.clinic_id,
            )
        )
    return {
        "checked": verification.checked,
        "broken": [
            {"chain": r.kind, "clinic_id": r.clinic_id, "first_bad_row": r.problem.event_id}
            for r in verification.broken
            if r.problem is not None
        ],
        "alerts_raised": raised,
    }


def prune_idempotency_keys() -> dict[str, Any]:
    """Stored answers older than ``KETACARE_IDEMPOTENCY_TTL_SECONDS``: never replayed again."""
    from ketacare.idempotency.services import prune_expired

    return {"deleted": prune_expired()}


def prune_login_failures() -> dict[str, Any]:
    """Windowed throttle rows (password logins, reset requests) older than the longest window
    that counts them; second-factor failures are kept until a right code clears them."""
    from ketacare.accounts import throttle

    # The longest window any throttle counts in: the login's and the password reset's.
    window = max(
        settings.KETACARE_LOGIN_WINDOW_SECONDS, settings.KETACARE_PASSWORD_RESET_WINDOW_SECONDS
    )
    return {"deleted": throttle.prune(window)}
