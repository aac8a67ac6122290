"""Free slots for a service and a patient over a range of local days, at every active site
(or one): the engine's ``find_slots`` on the rows of each site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Membership, Site
from ketacare.accounts.permissions import Perm
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import FieldErrors
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import PatientId
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import find_slots

from .loading import patient_busy, site_calendar, spec_of
from .models import Resource, Service

#: The longest range one search covers (a month and a bit; the bench searches a month).
MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class FreeSlot:
    start: datetime
    end: datetime
    procedure_end: datetime
    site: Site
    resource: Resource
    performer: Membership
    prescriber: Membership | None


def service_of(actor: Actor, service_id: int) -> Service:
    clinic_id = actor.membership.clinic_id if actor.membership is not None else 0
    service = Service.objects.filter(pk=service_id, clinic_id=clinic_id, is_active=True).first()
    if service is None:
        raise FieldErrors({"service": "no such service offered by this clinic"})
    return service


def check_range(first: date, last: date) -> None:
    if last < first:
        raise FieldErrors({"to": f"must not be before from ({first.isoformat()})"})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise FieldErrors({"to": f"a search covers at most {MAX_RANGE_DAYS} days"})


def free_slots(
    actor: Actor,
    *,
    service_id: int,
    patient_id: PatientId,
    first: date,
    last: date,
    site_id: int | None = None,
    limit: int | None = None,
) -> list[FreeSlot]:
    """Every free slot from local day ``first`` to ``last`` (each site's own zone), by start;
    none before now. The patient's other appointments count, at any site."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.SCHEDULE_BOOK)
    service = service_of(actor, service_id)
    check_range(first, last)
    sites = Site.objects.filter(clinic_id=patient.clinic_id, is_active=True).order_by("pk")
    if site_id is not None:
        sites = sites.filter(pk=site_id)
        if not sites.exists():
            raise FieldErrors({"site": "no such active site in this clinic"})
    spec = spec_of(service)
    found: list[FreeSlot] = []
    now = timezone.now()
    for site in sites:
        window = Interval(*day_bounds_utc(first, last, site.tz))
        calendar = site_calendar(site, window)
        busy = patient_busy(patient.pk, window)
        for slot in find_slots(
            spec,
            window,
            opening=calendar.opening,
            resources=calendar.resources,
            staff=calendar.staff,
            patient_busy=busy,
            time_zone=site.tz,
            not_before=now,
        ):
            found.append(
                FreeSlot(
                    slot.start,
                    slot.end,
                    slot.procedure_end,
                    site,
                    calendar.resource_rows[slot.resource_id],
                    calendar.members[slot.performer_id],
                    calendar.members[slot.prescriber_id] if slot.prescriber_id else None,
                )
            )
    found.sort(key=lambda s: (s.start, s.site.pk))
    return found[:limit] if limit is not None else found
