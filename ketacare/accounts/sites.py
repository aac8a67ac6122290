"""A clinic's sites (locations): added, edited (with the version it was based on) and
deactivated or reactivated by the owner, each change audited. Nothing is deleted: scheduling
and billing will point at sites. A clinic keeps at least one active site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible, StaleVersion
from ketacare.lib.text import text_problem

from .actor import Actor
from .models import Clinic, Site
from .permissions import Perm, require_perm

SITE_FIELDS = (
    "name",
    "address_line",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "time_zone",
)


def _values(data: Mapping[str, Any]) -> dict[str, str]:
    """The site fields of ``data``, as stripped text; unknown keys are ignored."""
    values = {name: str(data[name]).strip() for name in SITE_FIELDS if name in data}
    if "country" in values:
        values["country"] = values["country"].upper()
    errors = {}
    for name, value in values.items():
        problem = text_problem(value, multiline=False)
        if problem:
            errors[name] = problem
    if errors:
        raise FieldErrors(errors)
    return values


def _check(site: Site) -> None:
    """The model's rules (lengths, time zone, a name) and a name unique in the clinic."""
    errors: dict[str, str] = {}
    try:
        site.full_clean(exclude=["clinic"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(FieldErrors.from_django(exc).errors)
    if len(site.country) != 2 or not site.country.isalpha():
        errors["country"] = "must be a two-letter country code (ISO 3166-1), e.g. US"
    taken = (
        Site.objects.filter(clinic_id=site.clinic_id, name__iexact=site.name)
        .exclude(pk=site.pk)
        .exists()
    )
    if site.name and taken:
        errors["name"] = f"this clinic already has a site called {site.name!r}"
    if errors:
        raise FieldErrors(errors)


def _changes(site: Site, values: Mapping[str, str]) -> dict[str, list[str]]:
    return {
        name: [getattr(site, name), value]
        for name, value in values.items()
        if getattr(site, name) != value
    }


def site_add(actor: Actor, clinic: Clinic, *, data: Mapping[str, Any]) -> Site:
    """A new active site of ``clinic``, audited; the caller checked the permission (the
    clinic's creation adds its first site this way)."""
    values = _values(data)
    site = Site(clinic=clinic, **values)
    _check(site)
    with transaction.atomic():
        site.save()
        audit.record(
            actor,
            "site.create",
            clinic_id=clinic.pk,
            target=site,
            changes={name: [None, value] for name, value in values.items()},
        )
    return site


@audit.records_refusals("site.create")
def site_create(actor: Actor, *, data: Mapping[str, Any]) -> Site:
    """A new site of the actor's clinic (the owner's Sites page)."""
    require_perm(actor.membership, Perm.SITE_MANAGE)
    assert actor.membership is not None
    return site_add(actor, actor.membership.clinic, data=data)


def clinic_sites(actor: Actor) -> list[Site]:
    """The sites of the actor's clinic, active ones first, by name."""
    require_perm(actor.membership, Perm.SITE_MANAGE)
    assert actor.membership is not None
    return list(
        Site.objects.filter(clinic_id=actor.membership.clinic_id).order_by("-is_active", "name")
    )


def get_site(actor: Actor, site_id: int, *, for_update: bool = False) -> Site:
    """A site of the actor's clinic (404 for any other), if the role manages sites (403)."""
    sites = Site.objects.select_for_update() if for_update else Site.objects.all()
    clinic_id = actor.membership.clinic_id if actor.membership is not None else None
    site = sites.filter(pk=site_id, clinic_id=clinic_id).first() if clinic_id else None
    if site is None:
        raise NotVisible("No such site")
    require_perm(actor.membership, Perm.SITE_MANAGE)
    return site


@audit.records_refusals("site.update")
def site_update(
    actor: Actor, site_id: int, *, expected_version: int, data: Mapping[str, Any]
) -> Site:
    """Change a site's name, address or time zone if nobody changed it since
    ``expected_version``."""
    values = _values(data)
    with transaction.atomic():
        site = get_site(actor, site_id, for_update=True)
        if site.version != expected_version:
            raise StaleVersion(expected=expected_version, current=site.version)
        changes = _changes(site, values)
        if not changes:
            return site
        for name, value in values.items():
            setattr(site, name, value)
        _check(site)
        site.version += 1
        site.save()
        audit.record(
            actor,
            "site.update",
            target=site,
            changes=changes,
            data={"version": site.version},
        )
    return site


@audit.records_refusals("site.update")
def site_set_active(actor: Actor, site_id: int, *, active: bool, expected_version: int) -> Site:
    """Deactivate a site (kept for the records that name it) or make it active again; the
    clinic's last active site stays active."""
    with transaction.atomic():
        site = get_site(actor, site_id, for_update=True)
        # One change of a clinic's sites at a time, so two deactivations cannot both pass the
        # last-site check.
        Clinic.objects.select_for_update().filter(pk=site.clinic_id).first()
        if site.version != expected_version:
            raise StaleVersion(expected=expected_version, current=site.version)
        if site.is_active == active:
            state = "active" if active else "inactive"
            raise Conflict("is_active", f"{site.name} is already {state}")
        if not active:
            others = Site.objects.filter(clinic_id=site.clinic_id, is_active=True).exclude(
                pk=site.pk
            )
            if not others.exists():
                raise Conflict(
                    "is_active",
                    f"{site.name} is the clinic's only active site: add or reactivate another "
                    "site first",
                )
        site.is_active = active
        site.version += 1
        site.save(update_fields=["is_active", "version"])
        audit.record(
            actor,
            "site.reactivate" if active else "site.deactivate",
            target=site,
            changes={"is_active": [not active, active]},
            data={"version": site.version},
        )
    return site
