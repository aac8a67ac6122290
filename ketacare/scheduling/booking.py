"""Booking and the life of an appointment: book, reschedule, cancel, check in, no-show.

Each is one audited transaction. The check and the insert run in the same transaction:
on SQLite it holds the write lock from BEGIN (``transaction_mode = IMMEDIATE``), so two
bookings cannot both pass the check; on PostgreSQL the exclusion constraints of migration
0002 refuse the second of two overlapping bookings, answered as the same 409 (``Taken``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, StaleVersion, Taken
from ketacare.lib.versioned import save_new_version
from ketacare.patients.access import get_patient_for_user, get_record_for_user
from ketacare.patients.models import Patient, PatientId, RelatedPerson

from .models import Appointment, Service
from .placement import Placement, place
from .rules import booking_problems, course_rule_problems, current_phase

#: A walk-in may be recorded up to this long after it started.
WALK_IN_WINDOW = timedelta(hours=1)
#: The exclusion constraint each clash of PostgreSQL names, by the field it is about.
_CONSTRAINTS = {
    "appointment_resource_no_overlap": (
        "resource",
        "the chair or room was just booked for part of this block",
    ),
    "appointment_performer_no_overlap": ("performer", "the performer was just booked at this time"),
    "appointment_patient_no_overlap": (
        "patient",
        "the patient was just booked at an overlapping time",
    ),
}


def _taken_from(exc: IntegrityError) -> Taken | None:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name in _CONSTRAINTS:
        field, message = _CONSTRAINTS[name]
        return Taken({field: message})
    return None


def _insert(appointment: Appointment) -> None:
    """Insert, answering an exclusion constraint's refusal as the clash it names."""
    try:
        with transaction.atomic():
            appointment.save(force_insert=True)
    except IntegrityError as exc:
        taken = _taken_from(exc)
        if taken is None:
            raise
        raise taken from None


def _save_times(appointment: Appointment, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            save_new_version(appointment, fields)
    except IntegrityError as exc:
        taken = _taken_from(exc)
        if taken is None:
            raise
        raise taken from None


def _service(patient: Patient, service_id: int) -> Service:
    service = Service.objects.filter(pk=service_id, clinic_id=patient.clinic_id).first()
    if service is None:
        raise FieldErrors({"service": "no such service in this clinic"})
    return service


def _start(start_at: datetime, *, walk_in: bool, now: datetime) -> dict[str, str]:
    if start_at.tzinfo is None:
        return {"start": "must carry its UTC offset (ISO 8601, e.g. 2026-03-02T10:00:00-05:00)"}
    if walk_in:
        if not now - WALK_IN_WINDOW <= start_at <= now + timedelta(minutes=5):
            return {"start": "a walk-in is recorded from its start up to 1 hour later"}
    elif start_at < now:
        return {"start": "is in the past (record a walk-in within the hour it started)"}
    return {}


def _times(appointment: Appointment, placement: Placement) -> None:
    appointment.site = placement.site
    appointment.resource = placement.resource
    appointment.performer = placement.performer
    appointment.prescriber_on_site = placement.prescriber
    appointment.start_at = placement.check.block.start
    appointment.procedure_end_at = placement.check.procedure.end
    appointment.end_at = placement.check.block.end


def _summary(appointment: Appointment) -> dict[str, object]:
    return {
        "service": appointment.service.name,
        "start": appointment.start_at.isoformat(),
        "resource": appointment.resource.name,
        "performer": appointment.performer_id,
    }


def book_in_transaction(
    actor: Actor,
    patient: Patient,
    service: Service,
    start_at: datetime,
    *,
    resource_id: int | None,
    performer_id: int | None,
    plan_id: int | None,
    walk_in: bool = False,
    note: str = "",
    course_phase: str = "",
    course_number: int | None = None,
    prefix: str = "",
    override_reason: str = "",
) -> Appointment:
    """Check and insert one appointment inside the caller's transaction (a course books
    several in one); ``prefix`` names the fields of a course's session (``sessions[2].``)."""
    now = timezone.now()
    errors = _start(start_at, walk_in=walk_in, now=now)
    plan, problems = booking_problems(patient, service, plan_id)
    errors.update(problems)
    override_reason = " ".join(override_reason.split())
    if plan is not None and not errors:
        errors.update(
            course_rule_problems(
                plan,
                service,
                start_at,
                phase=course_phase,
                exclude=None,
                override_reason=override_reason,
                may_override=actor.can(Perm.PLAN_SIGN),
            )
        )
    if errors:
        raise FieldErrors({f"{prefix}{k}": v for k, v in errors.items()})
    try:
        placement = place(
            service, patient, start_at, resource_id=resource_id, performer_id=performer_id
        )
    except FieldErrors as exc:
        raise FieldErrors({f"{prefix}{k}": v for k, v in exc.errors.items()}) from None
    except Taken as exc:
        raise Taken({f"{prefix}{k}": v for k, v in exc.conflicts.items()}) from None
    appointment = Appointment(
        clinic_id=patient.clinic_id,
        patient=patient,
        service=service,
        plan=plan,
        course_phase=course_phase if plan is not None else "",
        course_number=course_number if plan is not None else None,
        walk_in=walk_in,
        note=note.strip(),
        override_reason=override_reason if plan is not None else "",
        created_by=actor.user,
    )
    if plan is not None and not appointment.course_phase:
        appointment.course_phase = current_phase(plan)
    if plan is not None and appointment.course_number is None:
        appointment.course_number = (
            Appointment.objects.filter(
                patient=patient,
                plan__protocol_id=plan.protocol_id,
                course_phase=appointment.course_phase,
                status__in=Appointment.ACTIVE,
            ).count()
            + 1
        )
    _times(appointment, placement)
    _insert(appointment)
    audit.record(
        actor,
        "appointment.create",
        patient_id=patient.pk,
        target=appointment,
        changes={"status": [None, appointment.status]},
        data={
            **_summary(appointment),
            "plan": plan.pk if plan else None,
            "walk_in": walk_in,
            "prescriber_on_site": appointment.prescriber_on_site_id,
        },
        reason=appointment.override_reason,
    )
    return appointment


@audit.records_refusals("appointment.create")
def appointment_book(
    actor: Actor,
    patient_id: PatientId,
    *,
    service_id: int,
    start_at: datetime,
    resource_id: int | None = None,
    performer_id: int | None = None,
    plan_id: int | None = None,
    walk_in: bool = False,
    note: str = "",
    override_reason: str = "",
) -> Appointment:
    """Book ``service`` for the patient at ``start_at``; the chair or room and the performer
    are the ones asked for, else the first free ones. A prescriber may book past a schedule
    limit of the protocol (the minimum interval) with ``override_reason``."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.SCHEDULE_BOOK)
    service = _service(patient, service_id)
    with transaction.atomic():
        return book_in_transaction(
            actor,
            patient,
            service,
            start_at,
            resource_id=resource_id,
            performer_id=performer_id,
            plan_id=plan_id,
            walk_in=walk_in,
            note=note,
            override_reason=override_reason,
        )


def _lock(actor: Actor, appointment_id: int, expected_version: int | None) -> Appointment:
    appointment = get_record_for_user(
        actor.membership,
        Appointment.objects.select_related("service", "patient", "resource", "site"),
        appointment_id,
        perm=Perm.SCHEDULE_BOOK,
        name="appointment",
        lock=True,
    )
    if expected_version is not None and appointment.version != expected_version:
        raise StaleVersion(expected=expected_version, current=appointment.version)
    return appointment


def _must_be(appointment: Appointment, *statuses: str) -> None:
    if appointment.status not in statuses:
        raise Conflict(
            "status",
            f"this appointment is {appointment.get_status_display().lower()}; this needs one "
            f"that is {' or '.join(Appointment.Status(s).label.lower() for s in statuses)}",
        )


@audit.records_refusals("appointment.reschedule")
def appointment_reschedule(
    actor: Actor,
    appointment_id: int,
    *,
    expected_version: int,
    start_at: datetime,
    resource_id: int | None = None,
    performer_id: int | None = None,
) -> Appointment:
    """Move a booked appointment (time, chair or performer), checked as a new booking."""
    with transaction.atomic():
        appointment = _lock(actor, appointment_id, expected_version)
        _must_be(appointment, Appointment.Status.BOOKED)
        errors = _start(start_at, walk_in=False, now=timezone.now())
        if appointment.plan is not None and not errors:
            errors.update(
                course_rule_problems(
                    appointment.plan,
                    appointment.service,
                    start_at,
                    phase=appointment.course_phase,
                    exclude=appointment.pk,
                )
            )
        if errors:
            raise FieldErrors(errors)
        before = _summary(appointment)
        placement = place(
            appointment.service,
            appointment.patient,
            start_at,
            resource_id=resource_id,
            performer_id=performer_id,
            exclude_appointment=appointment.pk,
        )
        _times(appointment, placement)
        appointment.updated_at = timezone.now()
        _save_times(
            appointment,
            [
                "site",
                "resource",
                "performer",
                "prescriber_on_site",
                "start_at",
                "procedure_end_at",
                "end_at",
                "updated_at",
            ],
        )
        after = _summary(appointment)
        audit.record(
            actor,
            "appointment.reschedule",
            patient_id=appointment.patient_id,
            target=appointment,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return appointment


def _set_status(
    actor: Actor,
    appointment: Appointment,
    status: str,
    *,
    stamp: str | None,
    action: str,
    now: datetime,
    reason: str = "",
) -> None:
    """The one status change of cancel, check-in, no-show and completion: the new status,
    its time (``stamp``), the version, and the audit event."""
    old = appointment.status
    appointment.status = status
    if stamp is not None:
        setattr(appointment, stamp, now)
    appointment.updated_at = now
    fields = [
        "status",
        *([stamp] if stamp is not None else []),
        "updated_at",
        *(["cancel_reason"] if reason else []),
    ]
    save_new_version(appointment, fields)
    audit.record(
        actor,
        action,
        patient_id=appointment.patient_id,
        target=appointment,
        changes={"status": [old, status]},
        reason=reason,
    )


@audit.records_refusals("appointment.cancel")
def appointment_cancel(
    actor: Actor, appointment_id: int, *, reason: str, expected_version: int | None = None
) -> Appointment:
    """Cancel with the reason (it frees the chair, the performer and the patient's time)."""
    reason = " ".join(reason.split())
    with transaction.atomic():
        appointment = _lock(actor, appointment_id, expected_version)
        _must_be(appointment, Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
        if not 3 <= len(reason) <= 500:
            raise FieldErrors({"reason": "say why, in 3-500 characters"})
        appointment.cancel_reason = reason
        _set_status(
            actor,
            appointment,
            Appointment.Status.CANCELLED,
            stamp="cancelled_at",
            action="appointment.cancel",
            now=timezone.now(),
            reason=reason,
        )
    return appointment


@audit.records_refusals("appointment.check_in")
def appointment_check_in(
    actor: Actor, appointment_id: int, *, expected_version: int | None = None
) -> Appointment:
    """The patient has arrived: on the appointment's local day, and with a ride home on the
    chart when the service needs one (no driving after ketamine or esketamine)."""
    with transaction.atomic():
        appointment = _lock(actor, appointment_id, expected_version)
        _must_be(appointment, Appointment.Status.BOOKED)
        now = timezone.now()
        tz = appointment.site.tz
        errors = {}
        if now.astimezone(tz).date() != appointment.start_at.astimezone(tz).date():
            errors["status"] = (
                "check-in is on the day of the appointment "
                f"({appointment.start_at.astimezone(tz):%a %d %b %Y})"
            )
        if (
            appointment.service.needs_ride_home
            and not RelatedPerson.objects.filter(
                patient_id=appointment.patient_id,
                relationship=RelatedPerson.Relationship.ESCORT,
                is_active=True,
            ).exists()
        ):
            errors["ride_home"] = (
                "record the escort or driver taking the patient home (name and phone) on the "
                "chart's contacts first: no driving until the next day after a night's sleep"
            )
        if errors:
            raise FieldErrors(errors)
        _set_status(
            actor,
            appointment,
            Appointment.Status.CHECKED_IN,
            stamp="checked_in_at",
            action="appointment.check_in",
            now=now,
        )
    return appointment


def appointment_complete_in_transaction(
    actor: Actor, appointment: Appointment, *, now: datetime
) -> None:
    """The treatment this checked-in appointment was for has ended (a session's discharge);
    runs inside the caller's transaction."""
    _must_be(appointment, Appointment.Status.CHECKED_IN)
    _set_status(
        actor,
        appointment,
        Appointment.Status.COMPLETED,
        stamp=None,
        action="appointment.complete",
        now=now,
    )


@audit.records_refusals("appointment.no_show")
def appointment_no_show(
    actor: Actor, appointment_id: int, *, expected_version: int | None = None
) -> Appointment:
    """The patient did not come: only once the appointment's start has passed."""
    with transaction.atomic():
        appointment = _lock(actor, appointment_id, expected_version)
        _must_be(appointment, Appointment.Status.BOOKED)
        now = timezone.now()
        if appointment.start_at > now:
            raise FieldErrors({"status": "a no-show is marked once the start time has passed"})
        _set_status(
            actor,
            appointment,
            Appointment.Status.NO_SHOW,
            stamp="no_show_at",
            action="appointment.no_show",
            now=now,
        )
    return appointment
