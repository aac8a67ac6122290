"""The course page of a signed plan: its progress per phase, its appointments, proposed dates
for the next sessions of a phase (nothing saved), and the booking of the dates the user
confirms, all or none, each refusal shown beside the session it names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.clinical import get_protocol
from ketacare.lib.errors import Conflict, FieldErrors, Taken
from ketacare.treatment.models import TreatmentPlan

from . import course_display as display
from . import course_queries, courses
from .course_forms import BookForm, ProposalForm
from .courses import PhaseProgress

#: The proposal form's fields, by the names ``course_proposal`` gives its refusals.
_ASKED = {"sessions_to_book": "sessions", "phase": "phase", "site": "site"}


@dataclass(frozen=True)
class SessionRow:
    number: int
    start: BoundField
    resource: BoundField
    performer: BoundField
    proposed: display.ProposedRow | None


def _rows(form: BookForm, proposed: list[display.ProposedRow] | None) -> list[SessionRow]:
    shown = {row.number: row for row in proposed or []}
    return [
        SessionRow(number, start, resource, performer, shown.get(number))
        for number, start, resource, performer in form.rows()
    ]


def _proposal_form(
    plan: TreatmentPlan,
    progress: Sequence[PhaseProgress],
    data: Any = None,
    initial: Mapping[str, Any] | None = None,
) -> ProposalForm:
    """What to propose: by default the first phase with sessions left, all of them, from
    today (the clinic's zone), at the clinic's first site."""
    phases = display.bookable_phases(progress)
    sites = course_queries.booking_sites(plan)
    today = timezone.now().astimezone(plan.patient.clinic.tz).date()
    first = phases[0] if phases else None
    defaults = {
        "phase": first.phase if first else "",
        "sessions": (first.left or 1) if first else 1,
        "first_day": today,
        "site": str(sites[0].pk) if sites else "",
    }
    return ProposalForm(
        data,
        phases=[
            (
                p.phase,
                display.phase_text(p.phase)
                + ("" if p.left is None else f" ({p.left} of {p.sessions} left)"),
            )
            for p in phases
        ],
        sites=sites,
        initial={**defaults, **(initial or {})},
    )


def _first_number(progress: Sequence[PhaseProgress], phase: str) -> int:
    found = next((p for p in progress if p.phase == phase), None)
    return 1 + (found.done + found.booked if found else 0)


def _book_form(
    plan: TreatmentPlan,
    progress: Sequence[PhaseProgress],
    *,
    phase: str,
    count: int,
    service_id: int,
    site_id: int,
    data: Any = None,
    initial: Mapping[str, Any] | None = None,
) -> BookForm:
    choices = course_queries.session_choices(plan, service_id, site_id)
    return BookForm(
        data,
        count=count,
        first_number=_first_number(progress, phase),
        tz=choices.site.tz,
        resources=choices.resources,
        performers=choices.performers,
        resource_label="Chair" if choices.service.resource_kind == "chair" else "Room",
        initial=initial,
    )


def _page(
    request: HttpRequest,
    actor: Actor,
    plan: TreatmentPlan,
    *,
    asked: ProposalForm,
    book: BookForm | None = None,
    proposed: list[display.ProposedRow] | None = None,
    unplaced: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = course_queries.read_course(actor, plan)
    return render(
        request,
        "scheduling/course/course.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "protocol": get_protocol(plan.protocol_id),
            "progress": display.progress_rows(view.progress),
            "then": display.then_titles(plan),
            "booked": display.booked_rows(view.appointments),
            "signed": plan.status == TreatmentPlan.Status.SIGNED,
            "can_book": bool(display.bookable_phases(view.progress)),
            "can_read_plan": actor.can(Perm.PLAN_READ),
            "asked": asked,
            "book": book,
            "rows": _rows(book, proposed) if book is not None else [],
            "proposed": proposed,
            "unplaced": unplaced,
            "error": error,
        },
        status=status,
    )


@login_required
@require_safe
def course(request: HttpRequest, pk: int) -> HttpResponse:
    """The course; with ``?phase=…&sessions=…&first_day=…&site=…`` the proposed dates too."""
    actor = actor_from_request(request)
    plan = course_queries.course_plan(actor, pk)
    progress = courses.course_progress(plan)
    if "phase" not in request.GET or plan.status != TreatmentPlan.Status.SIGNED:
        return _page(request, actor, plan, asked=_proposal_form(plan, progress))
    asked = _proposal_form(plan, progress, request.GET)
    if not asked.is_valid():
        return _page(request, actor, plan, asked=asked, status=400)
    data = asked.cleaned_data
    try:
        found = courses.course_proposal(
            actor,
            plan.pk,
            phase=data["phase"],
            sessions=data["sessions"],
            first_day=data["first_day"],
            site_id=int(data["site"]),
        )
    except FieldErrors as exc:
        for key, message in exc.errors.items():
            asked.add_error(_ASKED.get(key), display.plain(message, plan))
        return _page(request, actor, plan, asked=asked, status=400)
    except Conflict as exc:
        error = display.plain(exc.message, plan)
        return _page(request, actor, plan, asked=asked, error=error, status=409)
    return _proposal_page(request, actor, plan, progress, asked, found, data["first_day"])


def _proposal_page(
    request: HttpRequest,
    actor: Actor,
    plan: TreatmentPlan,
    progress: Sequence[PhaseProgress],
    asked: ProposalForm,
    found: courses.Proposal,
    first_day: date,
) -> HttpResponse:
    proposal = found.proposal
    unplaced = None
    if proposal.unplaced is not None:
        unplaced = {
            "number": str(proposal.unplaced.number),
            "reason": display.plain(proposal.unplaced.reason, plan),
            "source": proposal.unplaced.source,
        }
    book = None
    proposed = None
    if proposal.sessions:
        initial: dict[str, Any] = {
            "phase": proposal.phase,
            "service": found.service.pk,
            "site": found.site.pk,
            "sessions": len(proposal.sessions),
            "first_day": first_day,
        }
        for i, session in enumerate(proposal.sessions):
            initial[f"s{i}_start"] = session.slot.start
            initial[f"s{i}_resource"] = session.slot.resource_id
            initial[f"s{i}_performer"] = session.slot.performer_id
        book = _book_form(
            plan,
            progress,
            phase=proposal.phase,
            count=len(proposal.sessions),
            service_id=found.service.pk,
            site_id=found.site.pk,
            initial=initial,
        )
        choices = course_queries.session_choices(plan, found.service.pk, found.site.pk)
        proposed = display.proposed_rows(found, choices)
    return _page(request, actor, plan, asked=asked, book=book, proposed=proposed, unplaced=unplaced)


@login_required
@require_POST
def course_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the confirmed sessions with ``courses.course_book``: all, or none and the page
    again with each refusal beside its session."""
    actor = actor_from_request(request)
    plan = course_queries.course_plan(actor, pk)
    head = BookForm(
        request.POST,
        count=0,
        first_number=1,
        tz=plan.patient.clinic.tz,
        resources=[],
        performers=[],
    )
    progress = courses.course_progress(plan)
    if not head.is_valid():
        return _page(
            request,
            actor,
            plan,
            asked=_proposal_form(plan, progress),
            error="This confirmation is incomplete: ask for the proposal again.",
            status=400,
        )
    h = head.cleaned_data
    asked = _proposal_form(
        plan,
        progress,
        initial={
            "phase": h["phase"],
            "sessions": h["sessions"],
            "first_day": h["first_day"],
            "site": str(h["site"]),
        },
    )
    try:
        book = _book_form(
            plan,
            progress,
            phase=h["phase"],
            count=h["sessions"],
            service_id=h["service"],
            site_id=h["site"],
            data=request.POST,
        )
    except FieldErrors as exc:
        error = " ".join(display.plain(m, plan) for m in exc.errors.values())
        return _page(request, actor, plan, asked=asked, error=error, status=400)
    if not book.is_valid():
        return _page(request, actor, plan, asked=asked, book=book, status=400)
    try:
        booked = courses.course_book(
            actor,
            plan.pk,
            phase=h["phase"],
            service_id=h["service"],
            sessions=book.booked_sessions(),
        )
    except Taken as exc:
        for key, message in exc.conflicts.items():
            book.add_service_error(key, display.plain(message, plan))
        status = 409
    except FieldErrors as exc:
        for key, message in exc.errors.items():
            book.add_service_error(key, display.plain(message, plan))
        status = 400
    except Conflict as exc:
        book.add_error(None, display.plain(exc.message, plan))
        status = 409
    else:
        tz = booked[0].site.tz
        messages.success(
            request,
            f"Booked {len(booked)} session{'' if len(booked) == 1 else 's'} of the {h['phase']}: "
            f"from {display.local_text(booked[0].start_at, tz)} to "
            f"{display.local_text(booked[-1].start_at, tz)}.",
        )
        return redirect("courses:course", pk=plan.pk)
    return _page(request, actor, plan, asked=asked, book=book, status=status)
