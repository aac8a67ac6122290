"""Reads of the calendar: appointments by range (audited when they name patients), one
appointment, the day of a site in rows of 15 minutes, the header's counters and each
patient's next appointment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Membership, Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import FieldErrors, NotVisible
from ketacare.patients.access import get_record_for_user, visible_patients

from .models import Appointment, Resource, Service

#: How long after its start a booked appointment not checked in counts as late.
LATE_AFTER = timedelta(minutes=10)
ROW_MIN = 15
MAX_LIST_DAYS = 62


def _visible(actor: Actor) -> QuerySet[Appointment]:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    return Appointment.objects.filter(patient__in=visible_patients(actor.membership))


def _audit_list(actor: Actor, rows: list[Appointment], what: dict[str, Any]) -> None:
    """One audit event for a list of appointments, naming the patients it showed."""
    with transaction.atomic():
        audit.record(
            actor,
            "appointment.read",
            data={
                **what,
                "patients": sorted({str(a.patient_id) for a in rows}),
                "count": len(rows),
            },
        )


def list_appointments(
    actor: Actor,
    *,
    start: datetime,
    end: datetime,
    site_id: int | None = None,
    resource_id: int | None = None,
    patient_id: Any = None,
    performer_id: int | None = None,
    include_cancelled: bool = True,
) -> list[Appointment]:
    """Appointments starting in ``[start, end)``, oldest first; a patient sees their own."""
    if end <= start:
        raise FieldErrors({"to": "must be after from"})
    if end - start > timedelta(days=MAX_LIST_DAYS):
        raise FieldErrors({"to": f"a list covers at most {MAX_LIST_DAYS} days"})
    rows = _visible(actor).filter(start_at__gte=start, start_at__lt=end)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if resource_id is not None:
        rows = rows.filter(resource_id=resource_id)
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    if performer_id is not None:
        rows = rows.filter(performer_id=performer_id) | rows.filter(
            prescriber_on_site_id=performer_id
        )
    if not include_cancelled:
        rows = rows.filter(status__in=Appointment.ACTIVE)
    found = list(
        rows.select_related(
            "patient", "service", "resource", "site", "performer__user", "prescriber_on_site__user"
        ).order_by("start_at", "resource__name", "pk")
    )
    _audit_list(
        actor,
        found,
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "site": site_id,
            "patient": str(patient_id or ""),
        },
    )
    return found


def read_appointment(actor: Actor, appointment_id: int) -> Appointment:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    appointment = get_record_for_user(
        actor.membership,
        Appointment.objects.select_related(
            "patient",
            "service",
            "resource",
            "site",
            "performer__user",
            "prescriber_on_site__user",
            "plan",
        ),
        appointment_id,
        perm=Perm.SCHEDULE_READ,
        name="appointment",
    )
    with transaction.atomic():
        audit.record(
            actor, "appointment.read", patient_id=appointment.patient_id, target=appointment
        )
    return appointment


def clinic_services(actor: Actor, *, active_only: bool = False) -> list[Service]:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    assert actor.membership is not None
    rows = Service.objects.filter(clinic_id=actor.membership.clinic_id)
    if active_only:
        rows = rows.filter(is_active=True)
    return list(rows.order_by("name"))


def clinic_resources(actor: Actor, *, site_id: int | None = None) -> list[Resource]:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    assert actor.membership is not None
    rows = Resource.objects.filter(site__clinic_id=actor.membership.clinic_id).select_related(
        "site"
    )
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    return list(rows.order_by("site__name", "kind", "name"))


def clinic_sites(actor: Actor) -> list[Site]:
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    assert actor.membership is not None
    return list(
        Site.objects.filter(clinic_id=actor.membership.clinic_id).order_by("-is_active", "name")
    )


def site_for(actor: Actor, site_id: int | None) -> Site:
    """The site asked for, or the clinic's first active one."""
    require_perm(actor.membership, Perm.SCHEDULE_READ)
    assert actor.membership is not None
    sites = Site.objects.filter(clinic_id=actor.membership.clinic_id)
    site = (
        sites.filter(pk=site_id).first()
        if site_id is not None
        else sites.filter(is_active=True).order_by("pk").first()
    )
    if site is None:
        raise NotVisible("No such site")
    return site


@dataclass
class DayColumn:
    resource: Resource
    # Row index (15-minute rows from the day's first row) -> the appointment starting there.
    starts: dict[int, Appointment] = field(default_factory=dict)


@dataclass
class SiteDay:
    site: Site
    day: date
    rows: list[datetime]
    columns: list[DayColumn]
    appointments: list[Appointment]

    def span_rows(self, appointment: Appointment) -> int:
        return max(
            1, round((appointment.end_at - appointment.start_at) / timedelta(minutes=ROW_MIN))
        )


def site_day(
    actor: Actor, site: Site, day: date, *, first_hour: int = 7, last_hour: int = 20
) -> SiteDay:
    """The site's day: a column per chair and room, rows of 15 minutes in the site's zone."""
    start, end = day_bounds_utc(day, day, site.tz)
    appointments = [
        a for a in list_appointments(actor, start=start, end=end, site_id=site.pk) if a.is_active
    ]
    local_start = datetime.combine(day, datetime.min.time(), tzinfo=site.tz)
    hours = [a.start_at.astimezone(site.tz).hour for a in appointments]
    ends = [a.end_at.astimezone(site.tz) for a in appointments]
    first = min([first_hour, *hours])
    last = max([last_hour, *[e.hour + (1 if e.minute else 0) for e in ends if e.date() == day]])
    rows = []
    at = (local_start + timedelta(hours=first)).astimezone(site.tz)
    while at.astimezone(site.tz).hour < last and at.astimezone(site.tz).date() == day:
        rows.append(at)
        at = (at + timedelta(minutes=ROW_MIN)).astimezone(site.tz)
    resources = [
        r
        for r in Resource.objects.filter(site=site).order_by("kind", "name")
        if r.is_active or any(a.resource_id == r.pk for a in appointments)
    ]
    columns = [DayColumn(r) for r in resources]
    by_resource = {c.resource.pk: c for c in columns}
    for appointment in appointments:
        offset = (appointment.start_at - rows[0]) / timedelta(minutes=ROW_MIN) if rows else 0
        by_resource[appointment.resource_id].starts[max(0, int(offset))] = appointment
    return SiteDay(site, day, rows, columns, appointments)


@dataclass(frozen=True)
class TodayCounts:
    arrivals: int
    late: int
    checked_in: int


def today_counts(membership: Membership | None) -> TodayCounts:
    """Today's (clinic zone) appointments still to arrive, late, and checked in."""
    if membership is None:
        return TodayCounts(0, 0, 0)
    clinic = membership.clinic
    now = timezone.now()
    today = now.astimezone(clinic.tz).date()
    start, end = day_bounds_utc(today, today, clinic.tz)
    rows = Appointment.objects.filter(clinic_id=clinic.pk, start_at__gte=start, start_at__lt=end)
    return TodayCounts(
        arrivals=rows.filter(
            status=Appointment.Status.BOOKED, start_at__gte=now - LATE_AFTER
        ).count(),
        late=rows.filter(status=Appointment.Status.BOOKED, start_at__lt=now - LATE_AFTER).count(),
        checked_in=rows.filter(status=Appointment.Status.CHECKED_IN).count(),
    )


def next_appointments(patients: Iterable[Any]) -> dict[Any, Appointment]:
    """Each patient's next active appointment from now (one query)."""
    found: dict[Any, Appointment] = {}
    rows = (
        Appointment.objects.filter(
            patient__in=[p.pk for p in patients],
            status__in=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
            end_at__gt=timezone.now(),
        )
        .select_related("service", "site")
        .order_by("start_at")
    )
    for row in rows:
        found.setdefault(row.patient_id, row)
    return found
