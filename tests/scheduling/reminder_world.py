"""A clinic with one appointment a reminder is due for, made in the database that the
environment names (``python -m tests.scheduling.reminder_world``, for the live worker test):
IV hydration tomorrow at 12:00 New York time, between 12 and 36 hours ahead, so the 48 h
reminder is due at once and the 2 h one not yet. Prints the appointment's id."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
ALL_WEEK = {weekday: [(time(8), time(18))] for weekday in range(7)}


def build() -> int:
    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for, system_actor
    from ketacare.accounts.models import Role, Site
    from ketacare.patients import services as patients
    from ketacare.scheduling import booking, reminders, setup

    cli = system_actor("tests/scheduling/reminder_world.py")
    clinic = accounts.clinic_create(
        cli, slug="harbor", name="Harbor Ketamine Clinic", time_zone="America/New_York"
    )
    members = {}
    for role, email in ((Role.OWNER, "alice@example.com"), (Role.NURSE, "nina@example.com")):
        user = accounts.user_create(cli, email=email, full_name=email, password="x" * 20)
        members[role] = accounts.membership_create(cli, user=user, clinic=clinic, role=role)
    owner = actor_for(members[Role.OWNER])
    site = Site.objects.get(clinic=clinic)
    setup.resource_create(owner, site_id=site.pk, kind="chair", name="Chair 1")
    setup.hours_set(owner, site_id=site.pk, pattern=ALL_WEEK)
    setup.hours_set(owner, site_id=site.pk, membership_id=members[Role.NURSE].pk, pattern=ALL_WEEK)
    services = {s.name: s for s in setup.services_seed(owner)}
    reminders.reminder_rules_seed(owner)
    patient = patients.patient_create(
        owner,
        data={
            "given_name": "Dan",
            "family_name": "Dawson",
            "date_of_birth": date(1980, 4, 2),
            "sex_at_birth": "male",
            "email": "dan@example.com",
        },
    ).obj
    tomorrow = datetime.now(NY).date() + timedelta(days=1)
    appointment = booking.appointment_book(
        owner,
        patient.pk,
        service_id=services["IV hydration"].pk,
        start_at=datetime.combine(tomorrow, time(12), tzinfo=NY),
    )
    return int(appointment.pk)


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps({"appointment": build()}))  # noqa: T201
