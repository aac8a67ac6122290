"""A day to look at, for the browser tests of the schedule: run as
``python -m tests.browser.schedule_seed`` against a live clinic's database (its environment),
it gives the demo clinic's first site three chairs and a room, hours every day 08:00-18:00 for
the site, the nurse and the prescriber, the starting services, and books tomorrow's
appointments through the booking service; prints what it booked as JSON."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta

import django


def main() -> None:
    django.setup()
    from django.utils import timezone

    from ketacare.accounts.actor import actor_for
    from ketacare.accounts.models import Membership, Role, Site
    from ketacare.demo.seed import CLINIC_SLUG
    from ketacare.patients.models import Patient
    from ketacare.scheduling import booking, setup

    def member(role: str) -> Membership:
        return Membership.objects.get(clinic__slug=CLINIC_SLUG, role=role)

    owner, desk = actor_for(member(Role.OWNER)), actor_for(member(Role.FRONT_DESK))
    site = Site.objects.filter(clinic__slug=CLINIC_SLUG).order_by("pk").first()
    assert site is not None
    chairs = [
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {n}")
        for n in (1, 2, 3)
    ]
    setup.resource_create(owner, site_id=site.pk, kind="room", name="Consult room")
    every_day = {day: [(time(8), time(18))] for day in range(7)}
    setup.hours_set(owner, site_id=site.pk, pattern=every_day)
    for role in (Role.NURSE, Role.PRESCRIBER):
        setup.hours_set(owner, site_id=site.pk, membership_id=member(role).pk, pattern=every_day)
    services = {s.name: s for s in setup.services_seed(owner)}
    tomorrow = timezone.now().astimezone(site.tz).date() + timedelta(days=1)
    patients = list(Patient.objects.filter(clinic__slug=CLINIC_SLUG).order_by("mrn")[:3])
    booked = {}
    for key, patient, hour, chair in (
        ("chair2_0900", patients[0], 9, chairs[1]),
        ("chair1_1000", patients[1], 10, chairs[0]),
        ("chair3_1300", patients[2], 13, chairs[2]),
    ):
        visit = booking.appointment_book(
            desk,
            patient.pk,
            service_id=services["Ketamine IV infusion"].pk,
            start_at=datetime.combine(tomorrow, time(hour), tzinfo=site.tz),
            resource_id=chair.pk,
        )
        booked[key] = visit.pk
    sys.stdout.write(
        json.dumps({"site": site.pk, "date": tomorrow.isoformat(), "booked": booked}) + "\n"
    )


if __name__ == "__main__":
    main()
