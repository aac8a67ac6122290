"""/api/v1/services, /sites, /resources, /availability, /appointments and the course
endpoints of /plans/{id}. Times are ISO 8601 with their offset; answers are in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.inputs import Input, IsoDate, IsoDateTime, QueryInput
from ketacare.lib.responses import EDIT_ERRORS, READ_ERRORS, WRITE_ERRORS, responses

from . import availability, booking, courses, queries
from .models import Appointment

#: A row's id: a positive 64-bit integer, as both databases store it. A larger number names
#: no row and would overflow the database's integer (a 500), so it is refused as 422.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = Router(tags=["scheduling"])
course_router = Router(tags=["scheduling"])
CLASH = 409


class ServiceOut(Schema):
    id: int
    service_type: str
    name: str
    duration_min: int
    recovery_min: int
    buffer_min: int
    block_min: int
    resource_kind: str
    performer_roles: list[str]
    prescriber_on_site: bool
    needs_ride_home: bool
    needs_rems_enrolment: bool
    protocol_ids: list[str]
    is_active: bool
    version: int


class SiteOut(Schema):
    id: int
    name: str
    address: str
    time_zone: str
    is_active: bool


class ResourceOut(Schema):
    id: int
    site_id: int
    kind: str
    name: str
    is_active: bool


class SlotOut(Schema):
    start: datetime
    end: datetime = Field(description="End of the block: recovery and buffer included")
    procedure_end: datetime
    site: int
    resource: int
    performer: int
    prescriber_on_site: int | None


class AppointmentOut(Schema):
    id: int
    patient_id: UUID
    service: int
    service_name: str
    site: int
    resource: int
    resource_name: str
    performer: int
    prescriber_on_site: int | None
    start: datetime
    procedure_end: datetime
    end: datetime
    status: str
    plan: int | None
    course_phase: str
    course_number: int | None
    walk_in: bool
    note: str
    override_reason: str
    cancel_reason: str
    checked_in_at: datetime | None
    version: int


def _appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "patient_id": a.patient_id,
        "service": a.service_id,
        "service_name": a.service.name,
        "site": a.site_id,
        "resource": a.resource_id,
        "resource_name": a.resource.name,
        "performer": a.performer_id,
        "prescriber_on_site": a.prescriber_on_site_id,
        "start": a.start_at,
        "procedure_end": a.procedure_end_at,
        "end": a.end_at,
        "status": a.status,
        "plan": a.plan_id,
        "course_phase": a.course_phase,
        "course_number": a.course_number,
        "walk_in": a.walk_in,
        "note": a.note,
        "override_reason": a.override_reason,
        "cancel_reason": a.cancel_reason,
        "checked_in_at": a.checked_in_at,
        "version": a.version,
    }


@router.get("/services", response=responses(list[ServiceOut], 401, 403), summary="Services")
def list_services(request: HttpRequest) -> Any:
    return queries.clinic_services(actor_from_request(request))


@router.get("/sites", response=responses(list[SiteOut], 401, 403), summary="The clinic's sites")
def list_sites(request: HttpRequest) -> Any:
    return [
        {
            "id": s.pk,
            "name": s.name,
            "address": s.address,
            "time_zone": s.time_zone,
            "is_active": s.is_active,
        }
        for s in queries.clinic_sites(actor_from_request(request))
    ]


class ResourceQuery(QueryInput):
    site: RowId | None = None


@router.get(
    "/resources", response=responses(list[ResourceOut], 401, 403, 422), summary="Chairs and rooms"
)
def list_resources(request: HttpRequest, filters: Query[ResourceQuery]) -> Any:
    return queries.clinic_resources(actor_from_request(request), site_id=filters.site)


class AvailabilityQuery(QueryInput):
    service: RowId
    patient: UUID
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    site: RowId | None = None


@router.get(
    "/availability",
    response=responses(list[SlotOut], *WRITE_ERRORS),
    summary="Free slots for a service and a patient, local days from-to (each site's zone)",
)
def list_availability(request: HttpRequest, filters: Query[AvailabilityQuery]) -> Any:
    slots = availability.free_slots(
        actor_from_request(request),
        service_id=filters.service,
        patient_id=filters.patient,
        first=filters.from_,
        last=filters.to,
        site_id=filters.site,
    )
    return [
        {
            "start": s.start,
            "end": s.end,
            "procedure_end": s.procedure_end,
            "site": s.site.pk,
            "resource": s.resource.pk,
            "performer": s.performer.pk,
            "prescriber_on_site": s.prescriber.pk if s.prescriber else None,
        }
        for s in slots
    ]


class AppointmentIn(Input):
    multiline = frozenset({"override_reason"})

    patient: UUID = Field(strict=False)
    service: RowId
    start: IsoDateTime
    resource: RowId | None = None
    performer: RowId | None = None
    plan: RowId | None = None
    walk_in: bool = False
    note: str = Field("", max_length=300)
    override_reason: str = Field(
        "",
        max_length=2000,
        description="A prescriber's reason to book past a schedule limit of the protocol",
    )


@router.post(
    "/appointments",
    response=responses(AppointmentOut, *EDIT_ERRORS, status=201),
    summary="Book (409 naming the clash: resource, performer, patient or prescriber_on_site; "
    "422 for a rule: REMS enrolment, the protocol's interval, opening hours)",
)
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    appointment = booking.appointment_book(
        actor,
        payload.patient,
        service_id=payload.service,
        start_at=payload.start,
        resource_id=payload.resource,
        performer_id=payload.performer,
        plan_id=payload.plan,
        walk_in=payload.walk_in,
        note=payload.note,
        override_reason=payload.override_reason,
    )
    return Status(201, _appointment_out(appointment))


class AppointmentQuery(QueryInput):
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    site: RowId | None = None
    resource: RowId | None = None
    patient: UUID | None = None


@router.get(
    "/appointments",
    response=responses(list[AppointmentOut], 401, 403, 422),
    summary="Appointments starting on local days from-to (the clinic's zone); a patient "
    "sees their own",
)
def list_appointments(request: HttpRequest, filters: Query[AppointmentQuery]) -> Any:
    actor = actor_from_request(request)
    tz = actor.membership.clinic.tz if actor.membership is not None else ZoneInfo("UTC")
    start, end = day_bounds_utc(filters.from_, filters.to, tz)
    rows = queries.list_appointments(
        actor,
        start=start,
        end=end,
        site_id=filters.site,
        resource_id=filters.resource,
        patient_id=filters.patient,
    )
    return [_appointment_out(a) for a in rows]


@router.get(
    "/appointments/{appointment_id}",
    # 422: an id that is not a whole number.
    response=responses(AppointmentOut, *READ_ERRORS, 422),
    summary="An appointment",
)
def read_appointment(request: HttpRequest, appointment_id: PathId) -> Any:
    return _appointment_out(queries.read_appointment(actor_from_request(request), appointment_id))


class ReschedulePatch(Input):
    version: int = Field(ge=1)
    start: IsoDateTime
    resource: RowId | None = None
    performer: RowId | None = None


@router.patch(
    "/appointments/{appointment_id}",
    response=responses(AppointmentOut, *EDIT_ERRORS),
    summary="Reschedule (time, chair, performer) with the version you read (409 if stale or "
    "the new time is taken)",
)
def reschedule(request: HttpRequest, appointment_id: PathId, payload: ReschedulePatch) -> Any:
    actor = actor_from_request(request)
    booking.appointment_reschedule(
        actor,
        appointment_id,
        expected_version=payload.version,
        start_at=payload.start,
        resource_id=payload.resource,
        performer_id=payload.performer,
    )
    return _appointment_out(queries.read_appointment(actor, appointment_id))


class VersionIn(Input):
    version: int | None = Field(None, ge=1)


class CancelIn(Input):
    multiline = frozenset({"reason"})

    reason: str = Field(min_length=3, max_length=500)
    version: int | None = Field(None, ge=1)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response=responses(AppointmentOut, *EDIT_ERRORS),
    summary="Cancel, with the reason",
)
def cancel(request: HttpRequest, appointment_id: PathId, payload: CancelIn) -> Any:
    actor = actor_from_request(request)
    booking.appointment_cancel(
        actor, appointment_id, reason=payload.reason, expected_version=payload.version
    )
    return _appointment_out(queries.read_appointment(actor, appointment_id))


@router.post(
    "/appointments/{appointment_id}/check-in",
    response=responses(AppointmentOut, *EDIT_ERRORS),
    summary="Check the patient in (on the day; 422 without the ride home a service needs)",
)
def check_in(request: HttpRequest, appointment_id: PathId, payload: VersionIn) -> Any:
    actor = actor_from_request(request)
    booking.appointment_check_in(actor, appointment_id, expected_version=payload.version)
    return _appointment_out(queries.read_appointment(actor, appointment_id))


@router.post(
    "/appointments/{appointment_id}/no-show",
    response=responses(AppointmentOut, *EDIT_ERRORS),
    summary="Mark a no-show (once the start has passed)",
)
def no_show(request: HttpRequest, appointment_id: PathId, payload: VersionIn) -> Any:
    actor = actor_from_request(request)
    booking.appointment_no_show(actor, appointment_id, expected_version=payload.version)
    return _appointment_out(queries.read_appointment(actor, appointment_id))


class ProposalIn(Input):
    phase: str | None = Field(None, max_length=60)
    sessions: int | None = Field(None, ge=1, le=60)
    first_day: IsoDate | None = None
    site: RowId | None = None
    service: RowId | None = None


class ProposedOut(Schema):
    number: int
    start: datetime
    end: datetime
    resource: int
    performer: int
    prescriber_on_site: int | None
    not_before: datetime
    before: datetime


class UnplacedOut(Schema):
    number: int
    not_before: datetime
    before: datetime
    reason: str
    source: str


class ProgressOut(Schema):
    phase: str
    sessions: int | None
    done: int
    booked: int
    left: int | None


class ProposalOut(Schema):
    plan: int
    protocol: str
    phase: str
    service: int
    site: int
    sessions: list[ProposedOut]
    unplaced: UnplacedOut | None
    complete: bool
    progress: list[ProgressOut]


@course_router.post(
    "/{plan_id}/course-proposal",
    response=responses(ProposalOut, *EDIT_ERRORS),
    summary="Proposed dates for the next sessions of a phase of a signed plan (nothing saved)",
)
def course_proposal(request: HttpRequest, plan_id: PathId, payload: ProposalIn) -> Any:
    found = courses.course_proposal(
        actor_from_request(request),
        plan_id,
        phase=payload.phase,
        sessions=payload.sessions,
        first_day=payload.first_day,
        site_id=payload.site,
        service_id=payload.service,
    )
    p = found.proposal
    return {
        "plan": found.plan.pk,
        "protocol": p.protocol_id,
        "phase": p.phase,
        "service": found.service.pk,
        "site": found.site.pk,
        "sessions": [
            {
                "number": s.number,
                "start": s.slot.start,
                "end": s.slot.end,
                "resource": int(s.slot.resource_id),
                "performer": int(s.slot.performer_id),
                "prescriber_on_site": int(s.slot.prescriber_id) if s.slot.prescriber_id else None,
                "not_before": s.not_before,
                "before": s.before,
            }
            for s in p.sessions
        ],
        "unplaced": p.unplaced,
        "complete": p.complete,
        "progress": _progress(found.plan),
    }


def _progress(plan: Any) -> list[dict[str, Any]]:
    return [
        {
            "phase": x.phase,
            "sessions": x.sessions,
            "done": x.done,
            "booked": x.booked,
            "left": x.left,
        }
        for x in courses.course_progress(plan)
    ]


class CourseSessionIn(Input):
    start: IsoDateTime
    resource: RowId | None = None
    performer: RowId | None = None


class CourseBookingIn(Input):
    phase: str = Field(min_length=1, max_length=60)
    service: RowId | None = None
    sessions: list[CourseSessionIn] = Field(min_length=1, max_length=60)


class CourseBookingOut(Schema):
    appointments: list[AppointmentOut]
    progress: list[ProgressOut]


@course_router.post(
    "/{plan_id}/course-booking",
    response=responses(CourseBookingOut, *EDIT_ERRORS, status=201),
    summary="Book the confirmed sessions of a phase, all or none (422 naming the session "
    "whose date breaks the protocol's intervals; 409 naming a clash)",
)
def course_booking(
    request: HttpRequest, plan_id: PathId, payload: CourseBookingIn
) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    booked = courses.course_book(
        actor,
        plan_id,
        phase=payload.phase,
        service_id=payload.service,
        sessions=[
            {"start_at": s.start, "resource_id": s.resource, "performer_id": s.performer}
            for s in payload.sessions
        ],
    )
    plan = booked[0].plan
    return Status(
        201,
        {"appointments": [_appointment_out(a) for a in booked], "progress": _progress(plan)},
    )
