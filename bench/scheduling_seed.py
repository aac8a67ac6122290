"""Fill a scratch database with a busy clinic for the scheduling benchmark: one site with
8 chairs and 2 rooms, open every day 07:00-19:00 (America/New_York), 10 staff working those
hours (3 prescribers, 7 nurses), 600 patients and N appointments over the 30 local days from
tomorrow, and a front desk login.

The clinic, its staff, services, chairs, rooms and hours go through the real services; the
patients and appointments go in with ``bulk_create`` (the benchmark measures reads, not the
booking of 2,000 appointments). The appointments are valid ones: each chair or room filled
block after block from the opening, a performer free for each procedure, a prescriber on site
for Spravato, no patient booked twice at once; one in 20 cancelled. Prints the ids the
benchmark needs as JSON. Run as ``python bench/scheduling_seed.py N`` with
DJANGO_SETTINGS_MODULE and KETACARE_VAR_DIR set by the benchmark.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("America/New_York")
DAYS = 30
OPENS, CLOSES = time(7), time(19)
PATIENTS = 600
DOMAIN = "bench.ketacare.org"
FRONT_DESK = f"frontdesk@{DOMAIN}"
PASSWORD = "ketacare-demo"  # noqa: S105 - the bench's scratch clinic, like the demo's
CHAIR_SERVICES = (
    "Ketamine IV infusion",
    "Ketamine IM injection",
    "Ketamine nasal spray (in clinic)",
    "IV hydration",
    "Spravato session",
)
ROOM_SERVICES = (
    "Free consultation",
    "Follow-up visit",
    "Talk therapy",
    "Integration session",
    "Acupuncture",
)
STEP = timedelta(minutes=15)


def main(count: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for, system_actor
    from ketacare.accounts.models import Membership, Role
    from ketacare.patients.models import Patient
    from ketacare.scheduling import setup
    from ketacare.scheduling.models import Appointment, Service

    call_command("migrate", verbosity=0)
    seed = system_actor("bench seed")
    clinic = accounts.clinic_create(
        seed,
        slug="bench",
        name="Bench Clinic",
        time_zone="America/New_York",
        address_line="1 Bench Street",
        city="Boston",
        region="MA",
        postal_code="02210",
        site_name="Bench Street",
    )
    site = clinic.sites.get()
    password = make_password(PASSWORD)

    def member(key: str, role: Role) -> Membership:
        user = accounts.user_create(seed, email=f"{key}@{DOMAIN}", full_name=key, password=None)
        user.password = password
        user.save(update_fields=["password"])
        return accounts.membership_create(seed, user=user, clinic=clinic, role=role)

    owner = actor_for(member("owner", Role.OWNER))
    desk = member("frontdesk", Role.FRONT_DESK)
    staff = [member(f"prescriber{n}", Role.PRESCRIBER) for n in range(1, 4)]
    staff += [member(f"nurse{n}", Role.NURSE) for n in range(1, 8)]
    setup.services_seed(owner)
    services = {s.name: s for s in Service.objects.filter(clinic=clinic)}
    chairs = [
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {n}")
        for n in range(1, 9)
    ]
    rooms = [
        setup.resource_create(owner, site_id=site.pk, kind="room", name=f"Room {n}") for n in (1, 2)
    ]
    every_day = {day: [(OPENS, CLOSES)] for day in range(7)}
    setup.hours_set(owner, site_id=site.pk, pattern=every_day)
    for person in staff:
        setup.hours_set(owner, site_id=site.pk, membership_id=person.pk, pattern=every_day)

    patients = []
    for n in range(PATIENTS):
        patient = Patient(
            clinic=clinic,
            mrn=f"SC{n:06d}",
            given_name=f"Bench{n}",
            family_name="Scheduling",
            date_of_birth=date(1950, 1, 1) + timedelta(days=17 * n),
            sex_at_birth="female" if n % 2 else "male",
        )
        patient.refresh_search_key()
        patients.append(patient)
    with transaction.atomic():
        Patient.objects.bulk_create(patients)
    first = timezone.now().astimezone(TZ).date() + timedelta(days=1)
    rows = _appointments(count, first, clinic, site, services, chairs, rooms, staff, patients)
    for row in rows:
        row.created_by = desk.user
    with transaction.atomic():
        Appointment.objects.bulk_create(rows, batch_size=1000)
    print(
        json.dumps(
            {
                "site": site.pk,
                "service": services["Ketamine IV infusion"].pk,
                "patient": str(patients[0].pk),
                "first": first.isoformat(),
                "last": (first + timedelta(days=DAYS - 1)).isoformat(),
                "day": (first + timedelta(days=7)).isoformat(),
                "front_desk": FRONT_DESK,
                "password": PASSWORD,
                "appointments": len(rows),
                "cancelled": sum(r.status == "cancelled" for r in rows),
            }
        )
    )


def _appointments(
    count: int,
    first: date,
    clinic: Any,
    site: Any,
    services: dict[str, Any],
    chairs: list[Any],
    rooms: list[Any],
    staff: list[Any],
    patients: list[Any],
) -> list[Any]:
    """``count`` valid appointments spread evenly over the DAYS days from ``first``."""
    from ketacare.scheduling.models import Appointment

    prescribers = [m for m in staff if m.role == "prescriber"]
    rows: list[Any] = []
    next_patient = 0
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        quota = count // DAYS + (1 if offset < count % DAYS else 0)
        opens = datetime.combine(day, OPENS, tzinfo=TZ)
        closes = datetime.combine(day, CLOSES, tzinfo=TZ)
        cursors = {r.pk: opens for r in [*chairs, *rooms]}
        cycles = {r.pk: n for n, r in enumerate([*chairs, *rooms])}
        performing: dict[int, list[tuple[datetime, datetime]]] = {m.pk: [] for m in staff}
        placed = 0
        resources = {r.pk: r for r in [*chairs, *rooms]}
        while placed < quota and cursors:
            key = min(cursors, key=lambda k: (cursors[k], k))
            resource = resources[key]
            names = CHAIR_SERVICES if resource.kind == "chair" else ROOM_SERVICES
            service = services[names[cycles[key] % len(names)]]
            start = cursors[key]
            end = start + timedelta(minutes=service.block_min)
            if end > closes:
                del cursors[key]
                continue
            procedure_end = start + timedelta(minutes=service.duration_min)
            performer = next(
                (
                    m
                    for m in staff
                    if m.role in service.performer_roles
                    and all(e <= start or procedure_end <= s for s, e in performing[m.pk])
                ),
                None,
            )
            if performer is None:
                cursors[key] = start + STEP
                continue
            performing[performer.pk].append((start, procedure_end))
            cancelled = len(rows) % 20 == 19
            rows.append(
                Appointment(
                    clinic=clinic,
                    site=site,
                    patient=patients[next_patient % len(patients)],
                    service=service,
                    resource=resource,
                    performer=performer,
                    prescriber_on_site=prescribers[0] if service.prescriber_on_site else None,
                    start_at=start,
                    procedure_end_at=procedure_end,
                    end_at=end,
                    status="cancelled" if cancelled else "booked",
                    cancel_reason="Patient asked to move it" if cancelled else "",
                    cancelled_at=start - timedelta(days=1) if cancelled else None,
                )
            )
            next_patient += 1
            cycles[key] += 1
            cursors[key] = end
            placed += 1
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]))
