"""The schedule's pages: the front desk's day per site, the week, my day, and an appointment
with the actions its status allows (booking is ``book_views``).

Each view reads through ``queries`` and changes through ``booking``; a refusal is shown on
the form it came from, every error at once, with the field named (400 for a rule, 409 for a
clash or a change in between)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import Conflict, FieldErrors

from . import booking, display, queries
from .forms import CancelForm, DayForm, RescheduleForm, VersionForm, refused
from .models import Appointment


def _staff(actor: Actor) -> None:
    """The day, the week and my day name every patient booked: for the staff who see the
    patient list (a patient reads their own appointments one by one)."""
    require_perm(actor.membership, Perm.PATIENT_LIST)


def _query(**params: Any) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- the day, the week, my day --------------------------------------------------------------


def _site_and_day(actor: Actor, form: DayForm) -> tuple[Site, date]:
    site = queries.site_for(actor, form.cleaned_data["site"])
    return site, form.cleaned_data["date"] or timezone.now().astimezone(site.tz).date()


def _bad_day(request: HttpRequest, actor: Actor, template: str, form: DayForm) -> HttpResponse:
    return render(
        request, template, {"form": form, "sites": queries.clinic_sites(actor)}, status=400
    )


@login_required
@require_safe
def day_view(request: HttpRequest) -> HttpResponse:
    """The front desk's day at one site: a column per chair and room, a row per 15 minutes."""
    actor = actor_from_request(request)
    _staff(actor)
    form = DayForm(request.GET)
    if not form.is_valid():
        return _bad_day(request, actor, "scheduling/day.html", form)
    site, day = _site_and_day(actor, form)
    now = timezone.now()
    site_day = queries.site_day(actor, site, day)
    return render(
        request,
        "scheduling/day.html",
        {
            "form": form,
            "site": site,
            "sites": queries.clinic_sites(actor),
            "day": day,
            "is_today": day == now.astimezone(site.tz).date(),
            "columns": [c.resource for c in site_day.columns],
            "grid": display.day_grid(site_day, now),
            "listed": display.listed(site_day.appointments, now),
            "previous": _query(site=site.pk, date=day - timedelta(days=1)),
            "next": _query(site=site.pk, date=day + timedelta(days=1)),
            "week": _query(site=site.pk, date=day),
            "can_book": actor.can(Perm.SCHEDULE_BOOK),
            "can_requests": actor.can(Perm.CONSULTATION_REQUESTS),
            "can_set_up": actor.can(Perm.SCHEDULE_MANAGE),
        },
    )


@login_required
@require_safe
def week_view(request: HttpRequest) -> HttpResponse:
    """Monday to Sunday at one site, each day with its appointments."""
    actor = actor_from_request(request)
    _staff(actor)
    form = DayForm(request.GET)
    if not form.is_valid():
        return _bad_day(request, actor, "scheduling/week.html", form)
    site, day = _site_and_day(actor, form)
    monday = display.week_start(day)
    start, end = day_bounds_utc(monday, monday + timedelta(days=6), site.tz)
    rows = queries.list_appointments(actor, start=start, end=end, site_id=site.pk)
    return render(
        request,
        "scheduling/week.html",
        {
            "form": form,
            "site": site,
            "sites": queries.clinic_sites(actor),
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "days": display.week_days(monday, rows, site.tz, timezone.now()),
            "previous": _query(site=site.pk, date=monday - timedelta(days=7)),
            "next": _query(site=site.pk, date=monday + timedelta(days=7)),
        },
    )


@login_required
@require_safe
def my_day(request: HttpRequest) -> HttpResponse:
    """A prescriber's or a nurse's own day: what they perform, and where they are the
    prescriber on site, at every site (each time in its site's zone)."""
    actor = actor_from_request(request)
    _staff(actor)
    assert actor.membership is not None
    form = DayForm(request.GET)
    if not form.is_valid():
        return _bad_day(request, actor, "scheduling/mine.html", form)
    tz = actor.membership.clinic.tz
    day = form.cleaned_data["date"] or timezone.now().astimezone(tz).date()
    start, end = day_bounds_utc(day, day, tz)
    rows = queries.list_appointments(actor, start=start, end=end, performer_id=actor.membership.pk)
    return render(
        request,
        "scheduling/mine.html",
        {
            "form": form,
            "day": day,
            "me": actor.membership.pk,
            "listed": display.listed(rows, timezone.now()),
            "previous": _query(date=day - timedelta(days=1)),
            "next": _query(date=day + timedelta(days=1)),
        },
    )


# --- one appointment --------------------------------------------------------------------------


def _course_line(appointment: Appointment) -> str:
    """ "Induction, session 3 of 6" (the number and the phase's sessions when known)."""
    if appointment.plan is None or not appointment.course_phase:
        return ""
    phase: dict[str, Any] = next(
        (p for p in appointment.plan.course if p.get("phase") == appointment.course_phase), {}
    )
    line = appointment.course_phase.capitalize()
    if appointment.course_number:
        line += f", session {appointment.course_number}"
        if phase.get("sessions"):
            line += f" of {phase['sessions']}"
    return line


def _appointment_page(
    request: HttpRequest,
    actor: Actor,
    appointment: Appointment,
    *,
    status: int = 200,
    **shown: forms.Form,
) -> HttpResponse:
    now = timezone.now()
    tz = appointment.site.tz
    can_book = actor.can(Perm.SCHEDULE_BOOK)
    booked = appointment.status == Appointment.Status.BOOKED
    on_the_day = now.astimezone(tz).date() == appointment.start_at.astimezone(tz).date()
    version = {"version": appointment.version}
    context: dict[str, Any] = {
        "appointment": appointment,
        "patient": appointment.patient,
        "site": appointment.site,
        "tz": tz,
        "time": display.time_span(appointment, tz),
        "badges": display.status_badges(appointment, now),
        "course": _course_line(appointment),
        "plan_title": display.plan_label(appointment.plan) if appointment.plan else "",
        "can_read_plan": actor.can(Perm.PLAN_READ),
        "is_staff": actor.can(Perm.PATIENT_LIST),
        "can_check_in": can_book and booked and on_the_day,
        "can_no_show": can_book and booked and appointment.start_at <= now,
        "can_cancel": can_book
        and appointment.status in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
        "can_reschedule": can_book and booked,
        "arrive": shown.get("arrive") or VersionForm(prefix="arrive", initial=version),
        "noshow": shown.get("noshow") or VersionForm(prefix="noshow", initial=version),
        "cancel": shown.get("cancel") or CancelForm(prefix="cancel", initial=version),
    }
    context.update(_session_context(actor, appointment))
    if context["can_reschedule"] or "move" in shown:
        context["move"] = shown.get("move") or _move_form(actor, appointment)
    return render(request, "scheduling/appointment.html", context, status=status)


def _session_context(actor: Actor, appointment: Appointment) -> dict[str, Any]:
    """The chair's session of this appointment (a link to it), or, for those who chart, a
    button to start it once the patient is checked in (with the patient's signed plans to
    choose from when the appointment was booked without one). The sessions app sits above
    scheduling, so the session is read through the appointment's own relation."""
    from ketacare.treatment.models import TreatmentPlan

    session = getattr(appointment, "session", None)
    can_start = (
        session is None
        and actor.can(Perm.SESSION_CHART)
        and appointment.status == Appointment.Status.CHECKED_IN
    )
    plans = []
    if can_start and appointment.plan_id is None:
        plans = [
            (p.pk, display.plan_label(p))
            for p in TreatmentPlan.objects.filter(
                patient_id=appointment.patient_id, status=TreatmentPlan.Status.SIGNED
            ).order_by("-signed_at", "-pk")
        ]
    return {
        "chair_session": session if session is not None and actor.can(Perm.SESSION_READ) else None,
        "can_start_session": can_start,
        "session_plans": plans,
    }


def _move_form(
    actor: Actor, appointment: Appointment, data: QueryDict | None = None
) -> RescheduleForm:
    start = appointment.start_at.astimezone(appointment.site.tz)
    return RescheduleForm(
        data,
        prefix="move",
        initial={
            "version": appointment.version,
            "start_date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "resource": appointment.resource_id,
            "performer": appointment.performer_id,
        },
        resources=display.resource_choices(
            queries.clinic_resources(actor), appointment.service.resource_kind
        ),
        performers=display.performer_choices(appointment.service),
    )


@login_required
@require_safe
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _appointment_page(request, actor, queries.read_appointment(actor, pk))


def _act(
    request: HttpRequest,
    pk: int,
    key: str,
    form: forms.Form,
    run: Callable[[Actor, dict[str, Any]], Appointment],
    done: str,
    fields: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Run one action on the appointment from its form; on a refusal the appointment page
    again, with the errors on that form."""
    actor = actor_from_request(request)
    status = 400
    if form.is_valid():
        try:
            run(actor, form.cleaned_data)
        except (FieldErrors, Conflict) as exc:
            status = refused(form, exc, fields)
        else:
            messages.success(request, done)
            return redirect("scheduling:appointment", pk=pk)
    appointment = queries.read_appointment(actor, pk)
    return _appointment_page(request, actor, appointment, status=status, **{key: form})


@login_required
@require_POST
def appointment_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    def run(actor: Actor, data: dict[str, Any]) -> Appointment:
        return booking.appointment_check_in(actor, pk, expected_version=data["version"])

    form = VersionForm(request.POST, prefix="arrive")
    return _act(request, pk, "arrive", form, run, "Checked in.")


@login_required
@require_POST
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    def run(actor: Actor, data: dict[str, Any]) -> Appointment:
        return booking.appointment_no_show(actor, pk, expected_version=data["version"])

    form = VersionForm(request.POST, prefix="noshow")
    return _act(request, pk, "noshow", form, run, "Marked as a no-show.")


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def run(actor: Actor, data: dict[str, Any]) -> Appointment:
        return booking.appointment_cancel(
            actor, pk, reason=data["reason"], expected_version=data["version"]
        )

    form = CancelForm(request.POST, prefix="cancel")
    return _act(request, pk, "cancel", form, run, "Cancelled: the chair and the time are free.")


@login_required
@require_POST
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    # The role first: a refused move must not leave a read of the appointment in the log.
    require_perm(actor.membership, Perm.SCHEDULE_BOOK)
    appointment = queries.read_appointment(actor, pk)
    tz = appointment.site.tz

    def run(actor: Actor, data: dict[str, Any]) -> Appointment:
        start = datetime.combine(data["start_date"], data["start_time"], tzinfo=tz)
        return booking.appointment_reschedule(
            actor,
            pk,
            expected_version=data["version"],
            start_at=start,
            resource_id=data["resource"],
            performer_id=data["performer"],
        )

    form = _move_form(actor, appointment, request.POST)
    return _act(request, pk, "move", form, run, "Moved.", {"start": "start_time"})
