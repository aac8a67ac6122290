"""Setting up the clinic's calendar (owners): services, chairs and rooms, opening hours,
staff working hours, holidays and leave. Each change is one audited transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.accounts.models import Membership, Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.clinical import load_protocols
from ketacare.clinical.protocols.service_types import load_services
from ketacare.lib.errors import FieldErrors, NotVisible, StaleVersion
from ketacare.lib.versioned import save_new_version

from .defaults import default_services
from .models import HoursException, Resource, ResourceKind, Service, WeeklyHours

STAFF_PERFORMER_ROLES = ("prescriber", "nurse")
MAX_SERVICE_MIN = 24 * 60
MAX_BUFFER_MIN = 240
#: Spravato: 2 h of monitoring from the first device (SPRAVATO REMS).
SERVICE_FIELDS = (
    "name",
    "duration_min",
    "recovery_min",
    "buffer_min",
    "resource_kind",
    "performer_roles",
    "prescriber_on_site",
    "needs_ride_home",
    "needs_rems_enrolment",
    "protocol_ids",
    "is_active",
)


def _clinic_id(actor: Actor, perm: Perm) -> int:
    require_perm(actor.membership, perm)
    assert actor.membership is not None
    return actor.membership.clinic_id


def site_of(actor: Actor, site_id: int) -> Site:
    """An active or inactive site of the actor's clinic, else 404."""
    clinic_id = actor.membership.clinic_id if actor.membership is not None else None
    site = Site.objects.filter(pk=site_id, clinic_id=clinic_id).first() if clinic_id else None
    if site is None:
        raise NotVisible("No such site")
    return site


def _minutes(
    errors: dict[str, str], values: Mapping[str, Any], name: str, low: int, high: int
) -> None:
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = f"must be a whole number of minutes from {low} to {high}"


def _check_service(service_type: str, values: Mapping[str, Any]) -> None:
    """Every rule a service breaks, at once; the core's rules of its type are kept."""
    errors: dict[str, str] = {}
    kind = load_services().get(service_type)
    if kind is None:
        errors["service_type"] = f"must be one of {', '.join(sorted(load_services()))}"
    name = str(values.get("name", "")).strip()
    if not 1 <= len(name) <= 120:
        errors["name"] = "must be 1-120 characters"
    _minutes(errors, values, "duration_min", 1, MAX_SERVICE_MIN)
    _minutes(errors, values, "recovery_min", 0, MAX_SERVICE_MIN)
    _minutes(errors, values, "buffer_min", 0, MAX_BUFFER_MIN)
    if values.get("resource_kind") not in ResourceKind.values:
        errors["resource_kind"] = "must be chair or room"
    roles = values.get("performer_roles") or []
    if not roles or any(role not in STAFF_PERFORMER_ROLES for role in roles):
        errors["performer_roles"] = f"name one or more of {', '.join(STAFF_PERFORMER_ROLES)}"
    unknown = [p for p in values.get("protocol_ids") or [] if p not in load_protocols()]
    if unknown:
        errors["protocol_ids"] = f"unknown protocols: {', '.join(unknown)}"
    elif kind is not None:
        wrong = [
            p for p in values.get("protocol_ids") or [] if load_protocols()[p].service != kind.id
        ]
        if wrong:
            errors["protocol_ids"] = f"{', '.join(wrong)} are not delivered as {kind.name}"
    if kind is not None:
        if kind.needs_chair and values.get("resource_kind") == "room":
            errors["resource_kind"] = f"{kind.name} needs a chair (monitoring)"
        if kind.needs_prescriber_on_site and not values.get("prescriber_on_site"):
            errors["prescriber_on_site"] = f"{kind.name} needs a prescriber on site (REMS)"
        block = kind.min_chair_block_min
        monitored = (values.get("duration_min") or 0) + (values.get("recovery_min") or 0)
        if block and "duration_min" not in errors and monitored < block:
            errors["recovery_min"] = (
                f"duration + recovery is {monitored} min; {kind.name} needs at least {block} "
                "min from the start to the end of monitoring (SPRAVATO REMS)"
            )
    if errors:
        raise FieldErrors(errors)


@audit.records_refusals("service.create")
def services_seed(actor: Actor) -> list[Service]:
    """The clinic's starting services (``defaults.py``); those it already has are kept."""
    clinic_id = _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    assert actor.membership is not None
    settings = clinic_settings(actor.membership.clinic)
    created = []
    with transaction.atomic():
        have = set(Service.objects.filter(clinic_id=clinic_id).values_list("name", flat=True))
        for default in default_services(settings):
            if default.name in have:
                continue
            service = Service.objects.create(
                clinic_id=clinic_id,
                service_type=default.service_type,
                name=default.name,
                duration_min=default.duration_min,
                recovery_min=default.recovery_min,
                buffer_min=default.buffer_min,
                resource_kind=default.resource_kind,
                performer_roles=list(default.performer_roles),
                protocol_ids=list(default.protocol_ids),
                **default.type_rules,
            )
            audit.record(
                actor,
                "service.create",
                target=service,
                changes={"name": [None, service.name]},
                data={"sources": list(default.sources)},
            )
            created.append(service)
    return created


@audit.records_refusals("service.update")
def service_update(
    actor: Actor, service_id: int, *, expected_version: int, data: Mapping[str, Any]
) -> Service:
    clinic_id = _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    with transaction.atomic():
        service = (
            Service.objects.select_for_update().filter(pk=service_id, clinic_id=clinic_id).first()
        )
        if service is None:
            raise NotVisible("No such service")
        if service.version != expected_version:
            raise StaleVersion(expected=expected_version, current=service.version)
        values = {name: getattr(service, name) for name in SERVICE_FIELDS}
        values.update({k: v for k, v in data.items() if k in SERVICE_FIELDS})
        values["name"] = str(values["name"]).strip()
        _check_service(service.service_type, values)
        changes = {
            name: [getattr(service, name), value]
            for name, value in values.items()
            if getattr(service, name) != value
        }
        if changes:
            for name, value in values.items():
                setattr(service, name, value)
            service.updated_at = timezone.now()
            save_new_version(service, [*changes, "updated_at"])
            audit.record(actor, "service.update", target=service, changes=changes)
    return service


@audit.records_refusals("resource.create")
def resource_create(actor: Actor, *, site_id: int, kind: str, name: str) -> Resource:
    _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    site = site_of(actor, site_id)
    name = name.strip()
    errors = {}
    if kind not in ResourceKind.values:
        errors["kind"] = "must be chair or room"
    if not 1 <= len(name) <= 80:
        errors["name"] = "must be 1-80 characters"
    elif Resource.objects.filter(site=site, name=name).exists():
        errors["name"] = f"{site.name} already has a chair or room named {name!r}"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        resource = Resource.objects.create(site=site, kind=kind, name=name)
        audit.record(
            actor,
            "resource.create",
            target=resource,
            changes={"site": [None, site.name], "kind": [None, kind], "name": [None, name]},
        )
    return resource


@audit.records_refusals("resource.update")
def resource_set_active(
    actor: Actor, resource_id: int, *, active: bool, expected_version: int
) -> Resource:
    """A chair out of service takes no new bookings; its booked appointments stay."""
    clinic_id = _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    with transaction.atomic():
        resource = (
            Resource.objects.select_for_update()
            .filter(pk=resource_id, site__clinic_id=clinic_id)
            .first()
        )
        if resource is None:
            raise NotVisible("No such chair or room")
        if resource.version != expected_version:
            raise StaleVersion(expected=expected_version, current=resource.version)
        if resource.is_active != active:
            old = resource.is_active
            resource.is_active = active
            save_new_version(resource, ["is_active"])
            audit.record(
                actor, "resource.update", target=resource, changes={"is_active": [old, active]}
            )
    return resource


Pattern = Mapping[int, Sequence[tuple[time, time]]]


def _check_pattern(pattern: Pattern) -> None:
    errors = {}
    for weekday, spans in pattern.items():
        if weekday not in range(7):
            errors[f"hours[{weekday}]"] = "weekday must be 0 (Monday) to 6 (Sunday)"
            continue
        ordered = sorted(spans)
        for n, (opens, closes) in enumerate(ordered):
            if not opens < closes:
                errors[f"hours[{weekday}][{n}]"] = (
                    f"{opens:%H:%M}-{closes:%H:%M}: the end must be after the start"
                )
            elif n and ordered[n - 1][1] > opens:
                errors[f"hours[{weekday}][{n}]"] = f"{opens:%H:%M} overlaps the span before"
    if errors:
        raise FieldErrors(errors)


def _member_of(site: Site, membership_id: int | None) -> Membership | None:
    if membership_id is None:
        return None
    member = Membership.objects.filter(
        pk=membership_id,
        clinic_id=site.clinic_id,
        role__in=STAFF_PERFORMER_ROLES + ("owner", "front_desk"),
    ).first()
    if member is None:
        raise FieldErrors({"membership": "no such staff member in this clinic"})
    return member


def _spans_json(rows: Sequence[WeeklyHours]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(str(row.weekday), []).append(f"{row.opens:%H:%M}-{row.closes:%H:%M}")
    return out


@audit.records_refusals("hours.update")
def hours_set(
    actor: Actor, *, site_id: int, pattern: Pattern, membership_id: int | None = None
) -> list[WeeklyHours]:
    """Replace a weekly pattern: the site's opening hours, or a staff member's hours there."""
    _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    site = site_of(actor, site_id)
    member = _member_of(site, membership_id)
    _check_pattern(pattern)
    with transaction.atomic():
        old_rows = WeeklyHours.objects.filter(site=site, membership=member)
        old = _spans_json(list(old_rows.order_by("weekday", "opens")))
        old_rows.delete()
        rows = WeeklyHours.objects.bulk_create(
            WeeklyHours(site=site, membership=member, weekday=day, opens=opens, closes=closes)
            for day, spans in sorted(pattern.items())
            for opens, closes in sorted(spans)
        )
        audit.record(
            actor,
            "hours.update",
            target=site,
            changes={"hours": [old, _spans_json(rows)]},
            data={"site": site.name, "membership": membership_id},
        )
    return rows


@audit.records_refusals("hours_exception.create")
def hours_exception_add(
    actor: Actor,
    *,
    site_id: int,
    day: date,
    kind: str,
    reason: str,
    opens: time | None = None,
    closes: time | None = None,
    membership_id: int | None = None,
) -> HoursException:
    """A holiday (site, ``replace`` without times), leave (a staff member), extra hours."""
    _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    site = site_of(actor, site_id)
    member = _member_of(site, membership_id)
    errors = {}
    if kind not in HoursException.Kind.values:
        errors["kind"] = "must be replace, add or remove"
    if (opens is None) != (closes is None):
        errors["closes"] = "give both times, or neither (the whole day)"
    elif opens is not None and closes is not None and not opens < closes:
        errors["closes"] = "must be after the start"
    elif opens is None and kind == "add":
        errors["opens"] = "extra hours need their times"
    elif opens is None and kind == "remove":
        errors["opens"] = (
            "part of the day needs its times (for the whole day away, choose "
            "'these hours only' with no times)"
        )
    if not 1 <= len(reason.strip()) <= 200:
        errors["reason"] = "say why, in 1-200 characters (holiday, leave, training)"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        row = HoursException.objects.create(
            site=site,
            membership=member,
            day=day,
            kind=kind,
            opens=opens,
            closes=closes,
            reason=reason.strip(),
        )
        audit.record(
            actor,
            "hours_exception.create",
            target=row,
            changes={"day": [None, day.isoformat()], "kind": [None, kind]},
            reason=row.reason,
            data={"site": site.name, "membership": membership_id},
        )
    return row


@audit.records_refusals("hours_exception.delete")
def hours_exception_remove(actor: Actor, exception_id: int) -> None:
    clinic_id = _clinic_id(actor, Perm.SCHEDULE_MANAGE)
    with transaction.atomic():
        row = HoursException.objects.filter(pk=exception_id, site__clinic_id=clinic_id).first()
        if row is None:
            raise NotVisible("No such exception")
        audit.record(
            actor,
            "hours_exception.delete",
            target=row,
            changes={"day": [row.day.isoformat(), None]},
            reason=row.reason,
        )
        row.delete()
