"""Reads of the owner's calendar set-up: the clinic's services, each site's chairs and rooms,
weekly hours and upcoming exceptions. A row of another clinic is not found (404) before the
role is refused (403), as everywhere."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Membership, Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import NotVisible

from .models import HoursException, Resource, Service, WeeklyHours
from .setup import STAFF_PERFORMER_ROLES, site_of

#: Whose working hours a site keeps: the roles ``setup.hours_set`` accepts.
HOURS_ROLES = (*STAFF_PERFORMER_ROLES, "owner", "front_desk")

Pattern = dict[int, list[tuple[time, time]]]


def _clinic_id(actor: Actor) -> int:
    require_perm(actor.membership, Perm.SCHEDULE_MANAGE)
    assert actor.membership is not None
    return actor.membership.clinic_id


def setup_sites(actor: Actor) -> list[Site]:
    """Every site of the clinic, active ones first."""
    return list(Site.objects.filter(clinic_id=_clinic_id(actor)).order_by("-is_active", "name"))


def setup_services(actor: Actor) -> list[Service]:
    return list(Service.objects.filter(clinic_id=_clinic_id(actor)).order_by("name"))


def setup_service(actor: Actor, service_id: int) -> Service:
    clinic_id = actor.membership.clinic_id if actor.membership is not None else 0
    service = Service.objects.filter(pk=service_id, clinic_id=clinic_id).first()
    if service is None:
        raise NotVisible("No such service")
    _clinic_id(actor)
    return service


def setup_site(actor: Actor, site_id: int) -> Site:
    site = site_of(actor, site_id)
    _clinic_id(actor)
    return site


def setup_resource(actor: Actor, resource_id: int) -> Resource:
    clinic_id = actor.membership.clinic_id if actor.membership is not None else 0
    row = (
        Resource.objects.select_related("site")
        .filter(pk=resource_id, site__clinic_id=clinic_id)
        .first()
    )
    if row is None:
        raise NotVisible("No such chair or room")
    _clinic_id(actor)
    return row


def setup_exception(actor: Actor, exception_id: int) -> HoursException:
    clinic_id = actor.membership.clinic_id if actor.membership is not None else 0
    row = (
        HoursException.objects.select_related("site", "membership__user")
        .filter(pk=exception_id, site__clinic_id=clinic_id)
        .first()
    )
    if row is None:
        raise NotVisible("No such exception")
    _clinic_id(actor)
    return row


def site_resources(site: Site) -> list[Resource]:
    """Chairs first, then rooms, each by name."""
    return list(Resource.objects.filter(site=site).order_by("kind", "name", "pk"))


def hours_staff(site: Site) -> list[Membership]:
    """The clinic's active staff whose hours a site may keep, by name."""
    return list(
        Membership.objects.filter(clinic_id=site.clinic_id, is_active=True, role__in=HOURS_ROLES)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def staff_member(site: Site, membership_id: int) -> Membership:
    for member in hours_staff(site):
        if member.pk == membership_id:
            return member
    raise NotVisible("No such staff member")


def weekly_pattern(site: Site, membership: Membership | None) -> Pattern:
    """The weekly spans of the site's opening hours (no member) or of a member's hours there."""
    pattern: Pattern = defaultdict(list)
    for row in WeeklyHours.objects.filter(site=site, membership=membership).order_by(
        "weekday", "opens"
    ):
        pattern[row.weekday].append((row.opens, row.closes))
    return dict(pattern)


def staff_patterns(site: Site, members: list[Membership]) -> dict[int, Pattern]:
    """Each member's weekly hours at the site (one query)."""
    found: dict[int, Pattern] = {m.pk: {} for m in members}
    for row in WeeklyHours.objects.filter(site=site, membership__in=members).order_by(
        "weekday", "opens"
    ):
        assert row.membership_id is not None
        found[row.membership_id].setdefault(row.weekday, []).append((row.opens, row.closes))
    return found


@dataclass(frozen=True)
class Upcoming:
    today: date
    exceptions: list[HoursException]


def upcoming_exceptions(site: Site) -> Upcoming:
    """The site's exceptions (its own and its staff's) from today on, the site's local day."""
    today = timezone.now().astimezone(site.tz).date()
    rows = list(
        HoursException.objects.filter(site=site, day__gte=today)
        .select_related("membership__user")
        .order_by("day", "opens", "pk")
    )
    return Upcoming(today, rows)
