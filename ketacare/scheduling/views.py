"""The schedule's pages: the front desk's day per site, the week, my day, an appointment with
the actions its status allows, and booking from the free slots (or a walk-in).

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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import Conflict, FieldErrors, Taken
from ketacare.patients import queries as patient_queries
from ketacare.patients.models import Patient

from . import booking, display, queries
from .availability import free_slots
from .forms import (
    BookForm,
    BookSearchForm,
    CancelForm,
    DayForm,
    RescheduleForm,
    VersionForm,
    WalkInForm,
    show_refusal,
)
from .models import Appointment, Service

#: How many days the booking page searches when the user gives no end.
SEARCH_DAYS = 7
#: How many patients a search on the booking page lists.
PATIENT_MATCHES = 10


def _staff(actor: Actor) -> None:
    """The day, the week and my day name every patient booked: for the staff who see the
    patient list (a patient reads their own appointments one by one)."""
    require_perm(actor.membership, Perm.PATIENT_LIST)


def _query(**params: Any) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _refused(form: forms.Form, exc: Exception, fields: Mapping[str, str] | None = None) -> int:
    """Show a service's refusal on ``form``; the status to answer with."""
    if isinstance(exc, Taken):
        show_refusal(form, exc.conflicts, fields)
        return 409
    if isinstance(exc, Conflict):
        show_refusal(form, {exc.field: exc.message}, fields)
        return 409
    assert isinstance(exc, FieldErrors)
    show_refusal(form, exc.errors, fields)
    return 400


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
    if context["can_reschedule"] or "move" in shown:
        context["move"] = shown.get("move") or _move_form(actor, appointment)
    return render(request, "scheduling/appointment.html", context, status=status)


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
            status = _refused(form, exc, fields)
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


# --- booking ----------------------------------------------------------------------------------


def _chosen(services: list[Service], value: str | None) -> Service | None:
    return next((s for s in services if str(s.pk) == value), None)


def _search_form(
    params: QueryDict, services: list[Service], sites: list[Site], plans: list[Any], today: date
) -> BookSearchForm:
    choices: dict[str, Any] = {
        "services": [(s.pk, s.name) for s in services],
        "sites": [(s.pk, s.name) for s in sites],
        "plans": [(p.pk, display.plan_label(p)) for p in plans],
    }
    if "service" not in params:
        # First arrival (from a chart's link): today and the next six days, on the plan.
        return BookSearchForm(
            initial={
                "patient": params.get("patient"),
                "first_day": today,
                "last_day": today + timedelta(days=SEARCH_DAYS - 1),
                "plan": plans[0].pk if plans else None,
            },
            **choices,
        )
    data = params.copy()
    if "plan" not in data and plans:
        data["plan"] = str(plans[0].pk)
    return BookSearchForm(data, **choices)


def _book_page(
    request: HttpRequest,
    actor: Actor,
    *,
    status: int = 200,
    booking_form: forms.Form | None = None,
    walk_in: WalkInForm | None = None,
) -> HttpResponse:
    assert actor.membership is not None
    params = request.GET
    services = queries.clinic_services(actor, active_only=True)
    sites = [s for s in queries.clinic_sites(actor) if s.is_active]
    today = timezone.now().astimezone(actor.membership.clinic.tz).date()
    patient: Patient | None = None
    if params.get("patient"):
        patient = patient_queries.patient_for_edit(actor, params["patient"], Perm.SCHEDULE_BOOK)
    service = _chosen(services, params.get("service"))
    plans = display.signed_plans(patient.pk, service) if patient is not None else []
    search = _search_form(params, services, sites, plans, today)
    context: dict[str, Any] = {
        "search": search,
        "patient": patient,
        "service": service,
        "booking": booking_form,
        "matches": None,
        "days": None,
        "several_sites": len(sites) > 1,
    }
    valid = not search.is_bound or search.is_valid()
    if not valid:
        status = 400
    if patient is None and search.is_bound and valid and search.cleaned_data["q"]:
        found = patient_queries.search_patients(
            actor,
            patient_queries.SearchParams(q=search.cleaned_data["q"], page_size=PATIENT_MATCHES),
        )
        context["matches"] = list(found.object_list)
    if patient is not None and service is not None and valid:
        data = search.cleaned_data
        first = data["first_day"] or today
        last = data["last_day"] or first + timedelta(days=SEARCH_DAYS - 1)
        plan = data.get("plan")
        context.update(first=first, last=last, plan=plan)
        try:
            slots = free_slots(
                actor,
                service_id=service.pk,
                patient_id=patient.pk,
                first=first,
                last=last,
                site_id=data["site"],
            )
        except FieldErrors as exc:
            show_refusal(search, exc.errors, {"from": "first_day", "to": "last_day"})
            status = 400
        else:
            context["days"] = display.slot_days(slots)
        context["walk_in"] = walk_in or WalkInForm(
            prefix="walkin",
            initial={"walk_in": True, "patient": patient.pk, "service": service.pk, "plan": plan},
            resources=display.resource_choices(
                queries.clinic_resources(actor), service.resource_kind
            ),
            performers=display.performer_choices(service),
        )
    return render(request, "scheduling/book.html", context, status=status)


def _walk_in_form(actor: Actor, data: QueryDict) -> WalkInForm:
    services = queries.clinic_services(actor, active_only=True)
    service = _chosen(services, data.get("walkin-service"))
    resources = (
        display.resource_choices(queries.clinic_resources(actor), service.resource_kind)
        if service
        else []
    )
    performers = display.performer_choices(service) if service else []
    return WalkInForm(data, prefix="walkin", resources=resources, performers=performers)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Pick the patient and the service, see the free slots by day, book one (or a walk-in
    starting now); then the appointment's page."""
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SCHEDULE_BOOK)
    if request.method == "GET":
        return _book_page(request, actor)
    is_walk_in = "walkin-walk_in" in request.POST
    form: BookForm | WalkInForm = (
        _walk_in_form(actor, request.POST) if is_walk_in else BookForm(request.POST)
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        start = timezone.now().replace(second=0, microsecond=0) if is_walk_in else data["start"]
        try:
            appointment = booking.appointment_book(
                actor,
                data["patient"],
                service_id=data["service"],
                start_at=start,
                resource_id=data["resource"],
                performer_id=data["performer"],
                plan_id=data["plan"],
                walk_in=is_walk_in,
                note=data.get("note", ""),
            )
        except (FieldErrors, Conflict) as exc:
            status = _refused(form, exc)
        else:
            local = appointment.start_at.astimezone(appointment.site.tz)
            messages.success(
                request,
                f"Booked: {appointment.service.name} on {local:%a} {local.day} {local:%b %Y} "
                f"at {local:%H:%M} "
                f"in {appointment.resource.name}.",
            )
            return redirect("scheduling:appointment", pk=appointment.pk)
    if is_walk_in:
        return _book_page(request, actor, status=status, walk_in=form)  # type: ignore[arg-type]
    return _book_page(request, actor, status=status, booking_form=form)
