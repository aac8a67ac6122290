"""A plan's course on the calendar: its progress (sessions done, booked, left, per phase),
the proposed dates of a phase's next sessions (nothing saved), and the booking of the dates
the user confirmed, all or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical import get_protocol
from ketacare.clinical.errors import ClinicalInputError
from ketacare.lib.clinic_time import local_midnight_utc
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.patients.access import get_record_for_user
from ketacare.scheduling.domain.course import (
    CourseProposal,
    check_course_dates,
    propose_course,
)
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Slot, find_slots
from ketacare.treatment.models import TreatmentPlan

from .booking import book_in_transaction
from .loading import patient_busy, site_calendar, spec_of
from .models import Appointment, Resource, Service
from .rules import course_history, plan_phases

_MAX_HORIZON_DAYS = 300


@dataclass(frozen=True)
class PhaseProgress:
    phase: str
    sessions: int | None
    done: int
    booked: int

    @property
    def left(self) -> int | None:
        return None if self.sessions is None else max(self.sessions - self.done - self.booked, 0)


def course_progress(plan: TreatmentPlan) -> list[PhaseProgress]:
    """Per phase of the plan's protocol: done (checked in, the block over, or completed),
    booked (still ahead) and left. The chair-side session record will make "done" exact."""
    now = timezone.now()
    rows = list(
        Appointment.objects.filter(
            patient_id=plan.patient_id,
            plan__protocol_id=plan.protocol_id,
            status__in=Appointment.ACTIVE,
        ).values_list("course_phase", "status", "end_at")
    )
    progress = []
    for phase in plan_phases(plan):
        mine = [r for r in rows if r[0] == phase["phase"]]
        done = sum(
            1
            for _, status, end in mine
            if status == Appointment.Status.COMPLETED
            or (status == Appointment.Status.CHECKED_IN and end <= now)
        )
        progress.append(
            PhaseProgress(phase["phase"], phase.get("sessions"), done, len(mine) - done)
        )
    return progress


def _plan(actor: Actor, plan_id: int) -> TreatmentPlan:
    plan = get_record_for_user(
        actor.membership,
        TreatmentPlan.objects.select_related("patient__clinic"),
        plan_id,
        perm=Perm.SCHEDULE_BOOK,
        name="plan",
    )
    if plan.status != TreatmentPlan.Status.SIGNED:
        raise Conflict(
            "plan",
            f"this plan is {plan.get_status_display().lower()}: book a course from a signed plan",
        )
    return plan


def _service(plan: TreatmentPlan, service_id: int | None) -> Service:
    services = Service.objects.filter(clinic_id=plan.patient.clinic_id, is_active=True)
    if service_id is not None:
        service = services.filter(pk=service_id).first()
        if service is None or plan.protocol_id not in service.protocol_ids:
            raise FieldErrors(
                {"service": "no active service of this clinic delivers the plan's protocol"}
            )
        return service
    for service in services.order_by("pk"):
        if plan.protocol_id in service.protocol_ids:
            return service
    raise FieldErrors(
        {
            "service": f"no active service delivers {get_protocol(plan.protocol_id).title}: "
            "add it under Services"
        }
    )


def _site(plan: TreatmentPlan, site_id: int | None) -> Site:
    sites = Site.objects.filter(clinic_id=plan.patient.clinic_id, is_active=True).order_by("pk")
    site = sites.filter(pk=site_id).first() if site_id is not None else sites.first()
    if site is None:
        raise FieldErrors({"site": "no such active site in this clinic"})
    return site


def _phase(plan: TreatmentPlan, phase: str | None) -> str:
    progress = course_progress(plan)
    if phase is not None:
        if phase not in [p.phase for p in progress]:
            names = ", ".join(p.phase for p in progress)
            raise FieldErrors({"phase": f"{phase!r} is not a phase of this plan ({names})"})
        return phase
    for p in progress:
        if p.left is None or p.left > 0:
            return p.phase
    raise Conflict("phase", "every phase of this plan's course is booked or done")


@dataclass(frozen=True)
class Proposal:
    plan: TreatmentPlan
    service: Service
    site: Site
    proposal: CourseProposal


def course_proposal(
    actor: Actor,
    plan_id: int,
    *,
    phase: str | None = None,
    sessions: int | None = None,
    first_day: date | None = None,
    site_id: int | None = None,
    service_id: int | None = None,
) -> Proposal:
    """Proposed dates for the next sessions of a phase (nothing saved): each the earliest
    free slot the protocol's intervals allow after the one before."""
    plan = _plan(actor, plan_id)
    service = _service(plan, service_id)
    site = _site(plan, site_id)
    name = _phase(plan, phase)
    protocol = get_protocol(plan.protocol_id)
    history = course_history(plan)
    now = timezone.now()
    start = max(now, local_midnight_utc(first_day, site.tz)) if first_day else now
    if sessions is None:
        done = next(p for p in course_progress(plan) if p.phase == name)
        sessions = done.left if done.left else 1
    step = next(p for p in protocol.schedule if p.phase == name)
    horizon = min(28 + (sessions + 1) * int(step.interval_days_max or 7), _MAX_HORIZON_DAYS)
    window = Interval(start, start + timedelta(days=horizon))
    calendar = site_calendar(site, window)
    busy = patient_busy(plan.patient_id, window)
    spec = spec_of(service)

    def earliest(not_before: datetime, before: datetime) -> Slot | None:
        end = min(before, window.end)
        if not_before >= end:
            return None
        slots = find_slots(
            spec,
            Interval(not_before, end),
            opening=calendar.opening,
            resources=calendar.resources,
            staff=calendar.staff,
            patient_busy=busy,
            time_zone=site.tz,
        )
        return slots[0] if slots else None

    try:
        proposal = propose_course(
            protocol,
            name,
            sessions,
            start,
            earliest,
            dose_mg=float(plan.dose_mg),
            time_zone=site.tz,
            history=history,
        )
    except ClinicalInputError as exc:
        raise FieldErrors.naming(exc) from None
    return Proposal(plan, service, site, proposal)


@audit.records_refusals("course.book")
def course_book(
    actor: Actor,
    plan_id: int,
    *,
    phase: str,
    sessions: Sequence[Mapping[str, Any]],
    service_id: int | None = None,
) -> list[Appointment]:
    """Book the confirmed dates of a phase, all or none: each is checked against the
    protocol's intervals after the ones before it, then booked as any appointment is (a
    clash names the session, ``sessions[2].resource``)."""
    plan = _plan(actor, plan_id)
    service = _service(plan, service_id)
    name = _phase(plan, phase)
    protocol = get_protocol(plan.protocol_id)
    if not 1 <= len(sessions) <= 60:
        raise FieldErrors({"sessions": "book from 1 to 60 sessions"})
    starts = [s["start_at"] for s in sessions]
    if starts != sorted(starts):
        raise FieldErrors({"sessions": "list the sessions in date order"})
    # The zone of the site booked (the proposal's), so intervals count the same local days.
    first_resource = sessions[0].get("resource_id")
    site_id = (
        Resource.objects.filter(pk=first_resource).values_list("site_id", flat=True).first()
        if first_resource is not None
        else None
    )
    tz = _site(plan, site_id).tz
    with transaction.atomic():
        history = course_history(plan)
        try:
            problems = check_course_dates(
                protocol,
                name,
                starts,
                dose_mg=float(plan.dose_mg),
                time_zone=tz,
                not_before=timezone.now(),
                history=history,
            )
        except ClinicalInputError as exc:
            raise FieldErrors.naming(exc) from None
        if problems:
            raise FieldErrors({f"sessions[{i}].start": m for i, m in problems.items()})
        in_phase = sum(given.phase == name for given in history)
        booked = []
        for index, session in enumerate(sessions):
            booked.append(
                book_in_transaction(
                    actor,
                    plan.patient,
                    service,
                    session["start_at"],
                    resource_id=session.get("resource_id"),
                    performer_id=session.get("performer_id"),
                    plan_id=plan.pk,
                    course_phase=name,
                    course_number=in_phase + index + 1,
                    prefix=f"sessions[{index}].",
                )
            )
        audit.record(
            actor,
            "course.book",
            patient_id=plan.patient_id,
            target=plan,
            data={"phase": name, "appointments": [a.pk for a in booked]},
        )
    return booked
