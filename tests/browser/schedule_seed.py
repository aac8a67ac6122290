"""A day to look at, for the browser tests of the schedule: run as
``python -m tests.browser.schedule_seed`` against a live clinic's database (its environment),
it adds a site of its own to the demo clinic (the demo's sites have their own calendar) with
three chairs and a room, hours every day 08:00-18:00 for the site, the nurse and the
prescriber, and books tomorrow's appointments for three new patients through the booking
service; prints what it booked as JSON."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time, timedelta

import django


def main() -> None:
    django.setup()
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for, system_actor
    from ketacare.accounts.models import Membership, Role
    from ketacare.accounts.sites import site_create
    from ketacare.demo.seed import CLINIC_SLUG
    from ketacare.patients import services as patients
    from ketacare.scheduling import booking, setup
    from ketacare.scheduling.models import Service

    def member(role: str) -> Membership:
        return Membership.objects.get(clinic__slug=CLINIC_SLUG, role=role)

    owner, desk = actor_for(member(Role.OWNER)), actor_for(member(Role.FRONT_DESK))
    site = site_create(
        owner,
        data={"name": "Fort Point", "city": "Boston", "time_zone": "America/New_York"},
    )
    chairs = [
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {n}")
        for n in (1, 2, 3)
    ]
    setup.resource_create(owner, site_id=site.pk, kind="room", name="Consult room")
    every_day = {day: [(time(8), time(18))] for day in range(7)}
    setup.hours_set(owner, site_id=site.pk, pattern=every_day)
    # A nurse of this site only, so the demo's own day takes none of their time.
    nurse = accounts.membership_create(
        system_actor("tests/browser/schedule_seed.py"),
        user=accounts.user_create(
            system_actor("tests/browser/schedule_seed.py"),
            email="grid.nurse@example.com",
            full_name="Gail Grid",
            password="grid nurse demo password",
        ),
        clinic=site.clinic,
        role=Role.NURSE,
    )
    setup.hours_set(owner, site_id=site.pk, membership_id=nurse.pk, pattern=every_day)
    infusion = Service.objects.get(clinic=site.clinic, name="Ketamine IV infusion")
    tomorrow = timezone.now().astimezone(site.tz).date() + timedelta(days=1)
    people = [
        patients.patient_create(
            desk,
            data={
                "given_name": given,
                "family_name": "Grid",
                "date_of_birth": date(1980, 1, n + 1),
                "sex_at_birth": "female",
            },
        ).obj
        for n, given in enumerate(("Ada", "Bea", "Cleo"))
    ]
    booked = {}
    for key, patient, hour, chair in (
        ("chair2_0900", people[0], 9, chairs[1]),
        ("chair1_1000", people[1], 10, chairs[0]),
        ("chair3_1300", people[2], 13, chairs[2]),
    ):
        visit = booking.appointment_book(
            desk,
            patient.pk,
            service_id=infusion.pk,
            start_at=datetime.combine(tomorrow, time(hour), tzinfo=site.tz),
            resource_id=chair.pk,
            performer_id=nurse.pk,
        )
        booked[key] = visit.pk
    sys.stdout.write(
        json.dumps({"site": site.pk, "date": tomorrow.isoformat(), "booked": booked}) + "\n"
    )


if __name__ == "__main__":
    main()
