"""Where and with whom a block goes: the chair or room and the performer asked for, or the
first free ones, checked with the engine's rules against the rows as they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.accounts.models import Membership, Site
from ketacare.lib.errors import FieldErrors, Taken
from ketacare.patients.models import Patient
from ketacare.scheduling.domain.check import BlockCheck, check_block
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Staff

from .loading import SiteCalendar, patient_busy, site_calendar, spec_of
from .models import Resource, Service


@dataclass(frozen=True)
class Placement:
    site: Site
    resource: Resource
    performer: Membership
    prescriber: Membership | None
    check: BlockCheck


def _candidate_sites(service: Service, resource_id: int | None) -> list[Site]:
    if resource_id is not None:
        row = (
            Resource.objects.select_related("site")
            .filter(pk=resource_id, site__clinic_id=service.clinic_id)
            .first()
        )
        if row is None:
            raise FieldErrors({"resource": "no such chair or room in this clinic"})
        if not row.is_active or not row.site.is_active:
            raise FieldErrors({"resource": f"{row.name} is out of service: choose another"})
        return [row.site]
    return list(Site.objects.filter(clinic_id=service.clinic_id, is_active=True).order_by("pk"))


def _performer_of(service: Service, performer_id: int | None) -> Membership | None:
    if performer_id is None:
        return None
    member = Membership.objects.filter(
        pk=performer_id, clinic_id=service.clinic_id, is_active=True
    ).first()
    if member is None:
        raise FieldErrors({"performer": "no such active staff member in this clinic"})
    if member.role not in service.performer_roles:
        raise FieldErrors(
            {
                "performer": f"a {member.get_role_display().lower()} does not perform "
                f"{service.name}: it needs a {' or '.join(service.performer_roles)}"
            }
        )
    return member


def _busy_count(member: Staff, block: Interval) -> int:
    day = Interval(block.start - timedelta(hours=12), block.start + timedelta(hours=12))
    return sum(part.overlaps(day) for part in member.busy)


def place(
    service: Service,
    patient: Patient,
    start_at: datetime,
    *,
    resource_id: int | None = None,
    performer_id: int | None = None,
    exclude_appointment: int | None = None,
) -> Placement:
    """The first placement that passes; else the check of the best candidate, raised as
    ``FieldErrors`` (a rule) or ``Taken`` (the time is taken)."""
    spec = spec_of(service)
    window = Interval(start_at, start_at + timedelta(minutes=service.block_min))
    asked = _performer_of(service, performer_id)
    busy = patient_busy(patient.pk, window, exclude_appointment=exclude_appointment)
    best: tuple[BlockCheck, SiteCalendar] | None = None
    for site in _candidate_sites(service, resource_id):
        calendar = site_calendar(site, window, exclude_appointment=exclude_appointment)
        resources = [
            r for r in calendar.resources if resource_id is None or r.id == str(resource_id)
        ]
        if resource_id is None:
            resources = [r for r in resources if r.kind == service.resource_kind]
            resources.sort(key=lambda r: (sum(p.overlaps(window) for p in r.busy), int(r.id)))
        staff = calendar.staff
        if asked is not None:
            performers = [m for m in staff if m.id == str(asked.pk)] or [
                Staff(str(asked.pk), frozenset({asked.role}), ())
            ]
        else:
            # In the order the service lists its roles (a nurse before a prescriber for an
            # infusion), then the least busy that day, then by id.
            order = {role: n for n, role in enumerate(service.performer_roles)}
            performers = sorted(
                (m for m in staff if m.roles & spec.performer_roles),
                key=lambda m: (
                    min(order.get(r, 99) for r in m.roles),
                    _busy_count(m, window),
                    int(m.id),
                ),
            ) or [Staff("0", frozenset(), ())]
        for resource in resources:
            for performer in performers:
                check = check_block(
                    spec,
                    start_at,
                    opening=calendar.opening,
                    resource=resource,
                    performer=performer,
                    staff=staff,
                    patient_busy=busy,
                )
                if check.ok:
                    prescriber = (
                        calendar.members[check.prescriber_id] if check.prescriber_id else None
                    )
                    return Placement(
                        site,
                        calendar.resource_rows[resource.id],
                        asked or calendar.members[performer.id],
                        prescriber,
                        check,
                    )
                if best is None or _worse(best[0], check):
                    best = (check, calendar)
    if best is None:
        raise FieldErrors(
            {"resource": f"no active {service.resource_kind} at any site can host {service.name}"}
        )
    check = best[0]
    if check.rules:
        raise FieldErrors(check.rules)
    raise Taken(check.conflicts)


def _worse(kept: BlockCheck, other: BlockCheck) -> bool:
    """Whether ``other`` comes closer to bookable than ``kept`` (fewer rules, then clashes)."""
    return (len(other.rules), len(other.conflicts)) < (len(kept.rules), len(kept.conflicts))
