"""The booking page: pick the patient (a search, or the chart's link) and the service, see the
free slots of the days asked for, grouped by day with the chair or room, the performer and the
prescriber on site; book one (on the patient's signed plan when the service delivers it), or
a walk-in starting now. A refusal is shown on the page, every error at once, the field named
(400 for a rule, 409 for a clash)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.patients import queries as patient_queries
from ketacare.patients.models import Patient

from . import booking, display, queries
from .availability import free_slots
from .forms import BookForm, BookSearchForm, WalkInForm, refused, show_refusal
from .models import Service

#: How many days the booking page searches when the user gives no end.
SEARCH_DAYS = 7
#: How many patients a search on the booking page lists.
PATIENT_MATCHES = 10


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
    # The days searched show in the form: today and the six after it unless given.
    if not data.get("first_day"):
        data["first_day"] = today.isoformat()
    if not data.get("last_day"):
        first = _day_or(data.get("first_day", ""), today)
        data["last_day"] = (first + timedelta(days=SEARCH_DAYS - 1)).isoformat()
    return BookSearchForm(data, **choices)


def _day_or(text: object, default: date) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return default


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
            status = refused(form, exc)
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
