"""The engine's inputs for a site and a window, read from the database in a few queries:
opening hours, each staff member's working hours, the chairs and rooms with their booked
blocks, the staff's procedures and the patient's other appointments (any site)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Membership, Site
from ketacare.scheduling.domain.hours import DayException, expand_hours
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Resource, ServiceSpec, Staff

from .models import Appointment, HoursException, Service, WeeklyHours
from .models import Resource as ResourceRow

#: How far around a window the busy blocks are read (the longest block reaching into it).
_MARGIN = timedelta(days=1)


def spec_of(service: Service) -> ServiceSpec:
    return ServiceSpec(
        id=str(service.pk),
        duration_min=service.duration_min,
        performer_roles=frozenset(service.performer_roles),
        recovery_min=service.recovery_min,
        buffer_min=service.buffer_min,
        resource_kind=service.resource_kind,  # type: ignore[arg-type]
        prescriber_on_site=service.prescriber_on_site,
    )


@dataclass(frozen=True)
class SiteCalendar:
    site: Site
    tz: ZoneInfo
    opening: list[Interval]
    resources: list[Resource]
    staff: list[Staff]
    resource_rows: dict[str, ResourceRow]
    members: dict[str, Membership]


def _expand(
    weekly: Iterable[WeeklyHours],
    exceptions: Iterable[HoursException],
    tz: ZoneInfo,
    first: date,
    last: date,
) -> list[Interval]:
    pattern: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in weekly:
        pattern[row.weekday].append((row.opens, row.closes))
    changes = [
        DayException(
            row.day,
            row.kind,  # type: ignore[arg-type]
            ((row.opens, row.closes),) if row.opens is not None and row.closes is not None else (),
        )
        for row in sorted(exceptions, key=lambda r: (r.day, r.created_at, r.pk))
    ]
    if not changes and not pattern:
        return []
    return expand_hours(pattern, changes, tz, first, last)


def _blocks(rows: Iterable[tuple[int, datetime, datetime]]) -> dict[int, list[Interval]]:
    found: dict[int, list[Interval]] = defaultdict(list)
    for key, start, end in rows:
        found[key].append(Interval(start, end))
    return found


def site_calendar(
    site: Site, window: Interval, *, exclude_appointment: int | None = None
) -> SiteCalendar:
    """Everything the engine needs to place or check blocks of ``window`` at ``site``."""
    tz = ZoneInfo(site.time_zone)
    first = (window.start - _MARGIN).astimezone(tz).date()
    last = (window.end + _MARGIN).astimezone(tz).date()
    weekly = list(WeeklyHours.objects.filter(site=site))
    exceptions = list(HoursException.objects.filter(site=site, day__gte=first, day__lte=last))
    opening = _expand(
        [w for w in weekly if w.membership_id is None],
        [e for e in exceptions if e.membership_id is None],
        tz,
        first,
        last,
    )
    member_ids = {w.membership_id for w in weekly if w.membership_id is not None}
    members = {
        str(m.pk): m
        for m in Membership.objects.filter(pk__in=member_ids, is_active=True).select_related("user")
    }
    active = Appointment.objects.filter(
        status__in=Appointment.ACTIVE,
        start_at__lt=window.end + _MARGIN,
        end_at__gt=window.start - _MARGIN,
    )
    if exclude_appointment is not None:
        active = active.exclude(pk=exclude_appointment)
    rows = {
        str(r.pk): r for r in ResourceRow.objects.filter(site=site, is_active=True).order_by("pk")
    }
    on_resource = _blocks(
        active.filter(resource__site=site).values_list("resource_id", "start_at", "end_at")
    )
    performing = _blocks(
        active.filter(performer_id__in=[m.pk for m in members.values()]).values_list(
            "performer_id", "start_at", "procedure_end_at"
        )
    )
    staff = []
    for key, member in sorted(members.items(), key=lambda kv: int(kv[0])):
        working = _expand(
            [w for w in weekly if w.membership_id == member.pk],
            [e for e in exceptions if e.membership_id == member.pk],
            tz,
            first,
            last,
        )
        staff.append(
            Staff(key, frozenset({member.role}), tuple(working), tuple(performing[member.pk]))
        )
    resources = [
        Resource(key, row.kind, tuple(on_resource[row.pk]))  # type: ignore[arg-type]
        for key, row in rows.items()
    ]
    return SiteCalendar(site, tz, opening, resources, staff, rows, members)


def patient_busy(
    patient_id: UUID | str, window: Interval, *, exclude_appointment: int | None = None
) -> list[Interval]:
    """The patient's active appointment blocks around ``window``, at any site."""
    rows = Appointment.objects.filter(
        patient_id=patient_id,
        status__in=Appointment.ACTIVE,
        start_at__lt=window.end + _MARGIN,
        end_at__gt=window.start - _MARGIN,
    )
    if exclude_appointment is not None:
        rows = rows.exclude(pk=exclude_appointment)
    return [Interval(start, end) for start, end in rows.values_list("start_at", "end_at")]
