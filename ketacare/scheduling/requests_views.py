"""The front desk's queue of consultation requests: newest first, marked contacted, closed
with a note, or booked (``requests_book_view.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.errors import Conflict, FieldErrors

from . import requests
from .requests_forms import CloseForm, VersionForm


@dataclass(frozen=True)
class Refused:
    """A change refused on one row: shown on that row, with the note as typed."""

    request_id: int
    errors: dict[str, str]
    note: str = ""


def _queue(
    request: HttpRequest, *, status: int = 200, refused: Refused | None = None
) -> HttpResponse:
    actor = actor_from_request(request)
    rows = requests.list_requests(actor, statuses=requests.OPEN)
    return render(
        request,
        "scheduling/requests/queue.html",
        {"rows": rows, "refused": refused},
        status=status,
    )


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


def _version(request: HttpRequest) -> int | None:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


@login_required
@require_POST
def mark_contacted(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    requests.get_request(actor, pk)  # 404 or 403 before the form is read
    version = _version(request)
    if version is None:
        return _queue(request, status=400, refused=Refused(pk, {"version": "missing: reload"}))
    try:
        row = requests.consultation_request_update(
            actor, pk, expected_version=version, status=requests.Status.CONTACTED
        )
    except FieldErrors as exc:
        return _queue(request, status=400, refused=Refused(pk, dict(exc.errors)))
    except Conflict as exc:
        return _queue(request, status=409, refused=Refused(pk, {exc.field: exc.message}))
    messages.success(request, f"{row.full_name}: marked contacted.")
    return redirect("consultations:queue")


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    requests.get_request(actor, pk)
    form = CloseForm(request.POST)
    note = request.POST.get("note", "")
    if not form.is_valid():
        errors = {name: " ".join(str(e) for e in errs) for name, errs in form.errors.items()}
        return _queue(request, status=400, refused=Refused(pk, errors, note))
    try:
        row = requests.consultation_request_update(
            actor,
            pk,
            expected_version=form.cleaned_data["version"],
            status=requests.Status.CLOSED,
            note=form.cleaned_data["note"],
        )
    except FieldErrors as exc:
        return _queue(request, status=400, refused=Refused(pk, dict(exc.errors), note))
    except Conflict as exc:
        return _queue(request, status=409, refused=Refused(pk, {exc.field: exc.message}, note))
    messages.success(request, f"{row.full_name}: request closed.")
    return redirect("consultations:queue")
