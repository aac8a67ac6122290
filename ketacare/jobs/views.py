"""The owner's Jobs page: the schedule and the latest runs, with their errors.

It shows job names, times, statuses and error messages, never patient data (jobs keep it out
of their summaries and messages: ``schedule``), so the read is not audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm, require_perm

from . import queries

RUNS_SHOWN = 100


@login_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.JOBS_READ)
    return render(
        request,
        "jobs/list.html",
        {
            "scheduled": queries.scheduled_jobs(),
            "runs": list(queries.recent_runs(limit=RUNS_SHOWN)),
            "runs_shown": RUNS_SHOWN,
            "retry_seconds": settings.KETACARE_JOB_RETRY_SECONDS,
            "max_attempts": settings.KETACARE_JOB_MAX_ATTEMPTS,
        },
    )
