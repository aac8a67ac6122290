"""Booking a request's free consultation: choose the patient (one the search by the
request's name finds, another by MRN, or a new one registered here), the service, the room
and the local time; ``requests_booking.consultation_request_book`` does it all at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import Conflict, Duplicate, FieldErrors, Taken
from ketacare.patients.access import visible_patients
from ketacare.patients.models import Patient
from ketacare.patients.queries import SearchParams, search_patients

from . import requests
from .models import ConsultationRequest, Resource, ResourceKind
from .requests_booking import consultation_request_book, consultation_services
from .requests_forms import ANOTHER, NEW, BookForm

#: Where a service's error about a booking shows on the form.
ON_FIELD = {"start": "start_time", "resource": "room", "mrn": "mrn"}


def _suggestions(actor: Actor, row: ConsultationRequest) -> list[Patient]:
    """The clinic's active patients whose names match the request's (an audited search)."""
    if not actor.can(Perm.PATIENT_LIST):
        return []
    found = search_patients(actor, SearchParams(q=row.full_name[:200], page_size=10))
    return list(found.object_list)


def _rooms(row: ConsultationRequest) -> list[Resource]:
    return list(
        Resource.objects.select_related("site")
        .filter(
            site__clinic_id=row.clinic_id,
            site__is_active=True,
            kind=ResourceKind.ROOM,
            is_active=True,
        )
        .order_by("site__name", "name")
    )


def _initial(row: ConsultationRequest) -> dict[str, Any]:
    given, _, family = row.full_name.rpartition(" ")
    return {
        "version": row.version,
        "patient": NEW,
        "given_name": given or family,
        "family_name": family if given else "",
        "email": row.email,
        "phone": row.phone,
    }


def _start_at(form: BookForm, rooms: list[Resource], row: ConsultationRequest) -> datetime:
    """The local date and time in the room's site's zone (the clinic's for any room)."""
    data = form.cleaned_data
    room = next((r for r in rooms if str(r.pk) == data["room"]), None)
    tz = room.site.tz if room is not None else row.clinic.tz
    return datetime.combine(data["day"], data["start_time"], tzinfo=tz)


def _patient(actor: Actor, form: BookForm) -> dict[str, Any]:
    """``patient_id`` or ``new_patient`` for the service, from the choice made."""
    data = form.cleaned_data
    if data["patient"] == NEW:
        return {
            "new_patient": form.new_patient(),
            "confirm_new_person": data["confirm_new_person"],
            "reason": data["reason"],
        }
    if data["patient"] == ANOTHER:
        mrn = data["mrn"].strip()
        found = visible_patients(actor.membership).filter(mrn__iexact=mrn).first() if mrn else None
        if found is None:
            raise FieldErrors({"mrn": "no patient of this clinic has this MRN"})
        return {"patient_id": found.pk}
    return {"patient_id": data["patient"]}


def _show(form: BookForm, exc: FieldErrors | Conflict) -> None:
    if isinstance(exc, Taken):
        errors = exc.conflicts
    elif isinstance(exc, Duplicate):
        # It names the record (MRN and name); choose it above, or confirm another person.
        errors = {"patient": exc.message}
    elif isinstance(exc, Conflict):
        errors = {exc.field: exc.message}
    else:
        errors = exc.errors
    for name, message in errors.items():
        field = ON_FIELD.get(name, name)
        if field in form.fields:
            form.add_error(field, message)
        else:
            form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    row = requests.get_request(actor, pk)
    require_perm(actor.membership, Perm.SCHEDULE_BOOK)
    rooms = _rooms(row)
    services = consultation_services(row.clinic_id)
    form = BookForm(
        request.POST or None,
        initial=_initial(row),
        suggestions=_suggestions(actor, row),
        services=services,
        rooms=rooms,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                booked = consultation_request_book(
                    actor,
                    pk,
                    expected_version=data["version"],
                    service_id=int(data["service"]),
                    start_at=_start_at(form, rooms, row),
                    resource_id=int(data["room"]) if data["room"] else None,
                    **_patient(actor, form),
                )
            except FieldErrors as exc:
                _show(form, exc)
            except Conflict as exc:
                status = 409
                _show(form, exc)
            else:
                assert booked.appointment is not None
                start = booked.appointment.start_at.astimezone(booked.appointment.site.tz)
                messages.success(
                    request, f"Consultation booked for {row.full_name}: {start:%a %d %b %Y %H:%M}."
                )
                return redirect("consultations:queue")
    return render(
        request,
        "scheduling/requests/book.html",
        {"row": row, "form": form, "has_services": bool(services)},
        status=status,
    )
