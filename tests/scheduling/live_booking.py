"""Run in a live server's own environment (``ketacare manage shell -c``): set up a chair to
fight over in the demo clinic through the real services, and read the appointments table
back. Each prints one line of JSON for the test to read."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Any

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, Role, Site
from ketacare.patients import services as patients
from ketacare.scheduling import setup
from ketacare.scheduling.models import Appointment, Service

#: Open every day, so the test's date needs no weekday arithmetic.
EVERY_DAY = {weekday: [(time(7), time(20))] for weekday in range(7)}
#: Far enough ahead that nothing the demo seeds is on that day.
DAYS_AHEAD = 40


def prepare(owner_email: str, desk_email: str, patient_count: int) -> None:
    """A new chair at the clinic's first site, open every day with its nurses and prescribers
    working, the starting services, and ``patient_count`` new patients (so the only clash
    of their bookings is the chair)."""
    desk = Membership.objects.get(user__email=desk_email, role=Role.FRONT_DESK)
    owner = Membership.objects.get(user__email=owner_email, clinic=desk.clinic, role=Role.OWNER)
    actor = actor_for(owner)
    site = Site.objects.filter(clinic=owner.clinic, is_active=True).order_by("pk").first()
    assert site is not None
    chair = setup.resource_create(actor, site_id=site.pk, kind="chair", name="Contested chair")
    setup.hours_set(actor, site_id=site.pk, pattern=EVERY_DAY)
    for member in Membership.objects.filter(
        clinic=owner.clinic, role__in=(Role.NURSE, Role.PRESCRIBER), is_active=True
    ):
        setup.hours_set(actor, site_id=site.pk, membership_id=member.pk, pattern=EVERY_DAY)
    setup.services_seed(actor)
    service = Service.objects.get(clinic=owner.clinic, name="Ketamine IV infusion")
    made = [
        patients.patient_create(
            actor_for(desk),
            data={
                "given_name": f"Contender {n:02d}",
                "family_name": "Concurrency",
                "date_of_birth": date(1980, 1, 1) + timedelta(days=n),
                "sex_at_birth": "female",
            },
        ).obj
        for n in range(patient_count)
    ]
    day = datetime.now(site.tz).date() + timedelta(days=DAYS_AHEAD)
    _answer(
        {
            "chair": chair.pk,
            "service": service.pk,
            "patients": [str(p.pk) for p in made],
            "first_start": datetime.combine(day, time(10), tzinfo=site.tz).isoformat(),
        }
    )


def active_blocks() -> None:
    """Every active appointment in the table: id, resource, performer, patient, block."""
    rows = Appointment.objects.filter(status__in=Appointment.ACTIVE).order_by("pk")
    _answer(
        [
            [
                a.pk,
                a.resource_id,
                a.performer_id,
                str(a.patient_id),
                a.start_at.isoformat(),
                a.end_at.isoformat(),
            ]
            for a in rows
        ]
    )


def _answer(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
