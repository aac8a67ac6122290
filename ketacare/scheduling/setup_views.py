"""The owner's calendar set-up: services, each site's chairs and rooms, opening hours, staff
working hours, holidays, leave and extra hours.

Each view: the row (404 for another clinic's), the permission (403), a form that parses, one
``setup`` call, then a redirect; refusals come back on the page beside their field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.admin_forms import sentence
from ketacare.accounts.models import Membership, Site
from ketacare.clinical.protocols.service_types import load_services
from ketacare.lib.errors import Conflict, FieldErrors, StaleVersion

from . import setup, setup_queries
from .setup_forms import (
    ROLE_CHOICES,
    WEEKDAYS,
    ExceptionForm,
    ResourceForm,
    ServiceForm,
    VersionForm,
    WeeklyHoursForm,
)

ROLE_LABELS = dict(ROLE_CHOICES)


def _put_errors(
    form: Form, errors: Mapping[str, str], names: Mapping[str, str] | None = None
) -> None:
    for key, message in errors.items():
        name = (names or {}).get(key, key)
        form.add_error(name if name in form.fields else None, sentence(message))


def pattern_text(pattern: Mapping[int, Sequence[tuple[time, time]]]) -> list[str]:
    """``["Monday 08:00–12:00, 13:00–18:00", …]``; none: closed every day."""
    return [
        f"{WEEKDAYS[day]} " + ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in spans)
        for day, spans in sorted(pattern.items())
        if spans
    ]


# --- Overview and services ---------------------------------------------------------------------


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    services = setup_queries.setup_services(actor)
    return render(
        request,
        "scheduling/setup/index.html",
        {
            "sites": setup_queries.setup_sites(actor),
            "services": services,
            "active_services": sum(s.is_active for s in services),
        },
    )


def _type_name(service_type: str) -> str:
    found = load_services().get(service_type)
    return found.name if found is not None else service_type.replace("_", " ").capitalize()


@login_required
@require_safe
def services(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    rows = [
        {
            "service": s,
            "type": _type_name(s.service_type),
            "roles": ", ".join(ROLE_LABELS.get(r, r) for r in s.performer_roles),
        }
        for s in setup_queries.setup_services(actor)
    ]
    return render(request, "scheduling/setup/services.html", {"rows": rows})


@login_required
@require_POST
def services_seed(request: HttpRequest) -> HttpResponse:
    created = setup.services_seed(actor_from_request(request))
    if created:
        names = ", ".join(s.name for s in created)
        messages.success(request, f"Added {len(created)} services: {names}.")
    else:
        messages.success(request, "Every standard service is already here; nothing added.")
    return redirect("calendar_setup:services")


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    service = setup_queries.setup_service(actor, pk)
    form = ServiceForm(request.POST or None, service=service)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = setup.service_update(
                    actor,
                    pk,
                    expected_version=form.cleaned_data["version"],
                    data=form.changes(),
                )
            except StaleVersion as exc:
                form.add_error(None, sentence(exc.message))
                status = 409
            except FieldErrors as exc:
                _put_errors(form, exc.errors)
            else:
                messages.success(request, f"{saved.name} saved (version {saved.version}).")
                return redirect("calendar_setup:services")
    return render(
        request,
        "scheduling/setup/service_form.html",
        {"service": service, "type": _type_name(service.service_type), "form": form},
        status=status,
    )


# --- Chairs and rooms ----------------------------------------------------------------------------


def _site_page(
    request: HttpRequest,
    site: Site,
    *,
    form: ResourceForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "scheduling/setup/site.html",
        {
            "site": site,
            "resources": setup_queries.site_resources(site),
            "form": form or ResourceForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@require_safe
def site(request: HttpRequest, pk: int) -> HttpResponse:
    return _site_page(request, setup_queries.setup_site(actor_from_request(request), pk))


@login_required
@require_POST
def resource_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    found = setup_queries.setup_site(actor, pk)
    form = ResourceForm(request.POST)
    if not form.is_valid():
        return _site_page(request, found, form=form, status=400)
    try:
        resource = setup.resource_create(
            actor, site_id=found.pk, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"]
        )
    except FieldErrors as exc:
        _put_errors(form, exc.errors)
        return _site_page(request, found, form=form, status=400)
    messages.success(request, f"{resource.name} added to {found.name}.")
    return redirect("calendar_setup:site", pk=found.pk)


def _resource_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    actor = actor_from_request(request)
    resource = setup_queries.setup_resource(actor, pk)
    version = VersionForm(request.POST)
    expected = version.cleaned_data["version"] if version.is_valid() else 0
    try:
        changed = setup.resource_set_active(actor, pk, active=active, expected_version=expected)
    except Conflict as exc:
        return _site_page(request, resource.site, error=sentence(exc.message), status=409)
    if active:
        messages.success(request, f"{changed.name} is back in service.")
    else:
        messages.success(
            request, f"{changed.name} is out of service: no new bookings; booked ones stay."
        )
    return redirect("calendar_setup:site", pk=resource.site_id)


@login_required
@require_POST
def resource_out_of_service(request: HttpRequest, pk: int) -> HttpResponse:
    return _resource_active(request, pk, active=False)


@login_required
@require_POST
def resource_back_in_service(request: HttpRequest, pk: int) -> HttpResponse:
    return _resource_active(request, pk, active=True)


# --- Opening and working hours ---------------------------------------------------------------


def _hours(
    request: HttpRequest, found: Site, member: Membership | None, *, extra: dict[str, Any]
) -> HttpResponse:
    actor = actor_from_request(request)
    form = WeeklyHoursForm(
        request.POST or None, pattern=setup_queries.weekly_pattern(found, member)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                setup.hours_set(
                    actor,
                    site_id=found.pk,
                    pattern=form.pattern(),
                    membership_id=member.pk if member else None,
                )
            except FieldErrors as exc:
                for key, message in exc.errors.items():
                    form.add_service_error(key, message)
            else:
                whose = f"{member.user.full_name}'s hours" if member else "Opening hours"
                messages.success(request, f"{whose} at {found.name} saved.")
                if member:
                    return redirect("calendar_setup:staff_hours", pk=found.pk, member=member.pk)
                return redirect("calendar_setup:site_hours", pk=found.pk)
    return render(
        request,
        "scheduling/setup/hours.html",
        {"site": found, "member": member, "form": form, **extra},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_hours(request: HttpRequest, pk: int) -> HttpResponse:
    """The site's opening hours, and each staff member's hours there."""
    found = setup_queries.setup_site(actor_from_request(request), pk)
    staff = setup_queries.hours_staff(found)
    patterns = setup_queries.staff_patterns(found, staff)
    rows = [{"member": m, "hours": pattern_text(patterns[m.pk])} for m in staff]
    return _hours(request, found, None, extra={"staff": rows})


@login_required
@require_http_methods(["GET", "POST"])
def staff_hours(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    found = setup_queries.setup_site(actor_from_request(request), pk)
    return _hours(request, found, setup_queries.staff_member(found, member), extra={})


# --- Holidays, leave and extra hours -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exceptions(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    found = setup_queries.setup_site(actor, pk)
    staff = setup_queries.hours_staff(found)
    form = ExceptionForm(request.POST or None, staff=staff)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = setup.hours_exception_add(
                    actor,
                    site_id=found.pk,
                    day=data["day"],
                    kind=data["kind"],
                    reason=data["reason"],
                    opens=data["opens"],
                    closes=data["closes"],
                    membership_id=form.membership_id(),
                )
            except FieldErrors as exc:
                _put_errors(form, exc.errors, {"membership": "who"})
            else:
                messages.success(request, f"{row.reason} on {row.day:%a %d %b %Y} added.")
                return redirect("calendar_setup:exceptions", pk=found.pk)
    return render(
        request,
        "scheduling/setup/exceptions.html",
        {"site": found, "form": form, "upcoming": setup_queries.upcoming_exceptions(found)},
        status=status,
    )


@login_required
@require_POST
def exception_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    row = setup_queries.setup_exception(actor, pk)
    setup.hours_exception_remove(actor, row.pk)
    messages.success(request, f"{row.reason} on {row.day:%a %d %b %Y} removed.")
    return redirect("calendar_setup:exceptions", pk=row.site_id)
