"""The REMS pages: the queue (due, overdue, submitted) and one form with its submission."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.lib.errors import Conflict, FieldErrors

from . import rems
from .rems_forms import SubmissionForm

TABS = (("due", "Due"), ("overdue", "Overdue"), ("submitted", "Submitted"))
#: Read from an upload at most this much (the service refuses more, naming the limit).
_READ_AT_MOST = rems.CONFIRMATION_FILE_MAX_BYTES + 1


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    status = request.GET.get("status", "due")
    if status not in rems.QUEUE_STATUSES:
        status = "due"
    rows = rems.rems_queue(actor, status)
    due, overdue = rems.rems_counts(actor.membership)
    return render(
        request,
        "sessions/rems/queue.html",
        {
            "rows": rows,
            "status": status,
            "tabs": [
                (key, label, {"due": due, "overdue": overdue}.get(key)) for key, label in TABS
            ],
        },
    )


def _page(
    request: HttpRequest,
    view: rems.RemsFormView,
    form: SubmissionForm | None,
    *,
    status: int = 200,
    refused: str = "",
) -> HttpResponse:
    actor = actor_from_request(request)
    can_submit = actor.can(Perm.REMS_MANAGE) and not view.submitted
    tz = view.session.site.time_zone
    return render(
        request,
        "sessions/rems/form.html",
        {
            "view": view,
            "form": view.form,
            "session": view.session,
            "patient": view.session.patient,
            "content": view.content,
            "can_submit": can_submit,
            "submission": (form or SubmissionForm(tz_name=tz)) if can_submit else None,
            "refused": refused,
            "session_date": (view.session.first_dose_at or view.session.started_at),
            "tz": tz,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    view = rems.rems_form_by_id(actor, pk)
    if request.method == "GET":
        return _page(request, view, None)
    bound = SubmissionForm(request.POST, request.FILES, tz_name=view.session.site.time_zone)
    if not bound.is_valid():
        return _page(request, view, bound, status=400)
    upload = bound.cleaned_data.get("file")
    file = None
    if upload is not None:
        file = rems.ConfirmationFile(
            upload.name or "confirmation", upload.content_type or "", upload.read(_READ_AT_MOST)
        )
    try:
        rems.rems_mark_submitted(
            actor,
            pk,
            method=bound.cleaned_data["method"],
            submitted_at=bound.cleaned_data["submitted_at"],
            confirmation=bound.cleaned_data["confirmation"],
            file=file,
        )
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            bound.add_error(name if name in bound.fields else None, message)
        return _page(request, view, bound, status=400)
    except Conflict as exc:
        return _page(
            request, rems.rems_form_by_id(actor, pk), None, status=409, refused=exc.message
        )
    messages.success(request, "Submission recorded.")
    return redirect("rems:form", pk=pk)
