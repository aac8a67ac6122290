"""Fill a scratch database with a treatment morning for the sessions benchmark: one site with
8 chairs, each with a patient whose IV infusion started 50 minutes ago and has been charted
every 5 minutes since (the first chair's infusion with 10 rate changes), through the real
services with the clock set back to each step.

The clinic, staff, chairs, intakes, signed plans, the ledger's receipt, every session and
every entry go through the services; the appointments (checked in) go in with
``bulk_create``, as the scheduling benchmark's do, so the morning can be any hour the
benchmark runs at. Prints the ids the benchmark needs as JSON. Run as ``python
bench/sessions_seed.py`` with DJANGO_SETTINGS_MODULE and KETACARE_VAR_DIR set.
"""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from decimal import Decimal

CHAIRS = 8
DOMAIN = "bench.ketacare.org"
PASSWORD = "ketacare-demo"  # noqa: S105 - the bench's scratch clinic, like the demo's
NURSE = f"nurse@{DOMAIN}"
STARTED_MIN_AGO = 50
RATE_CHANGES = 10
#: An intake that screens eligible for IV ketamine (two failed adequate trials, no history).
FIELDS = {
    "weight_kg": 80.0,
    "height_cm": 175.0,
    "pregnant": False,
    "breastfeeding": False,
    "diagnoses": ["F33.2"],
    "medication_trials": [
        {
            "drug": "sertraline",
            "drug_class": "ssri",
            "weeks_at_adequate_dose": 8,
            "improvement_percent": 10,
            "current_episode": True,
        },
        {
            "drug": "venlafaxine",
            "drug_class": "snri",
            "weeks_at_adequate_dose": 10,
            "improvement_percent": 20,
            "current_episode": True,
        },
    ],
    "recent_suicide_attempt_days": None,
    "concomitant_drug_classes": [],
    "vitals": {"systolic": 124, "diastolic": 80, "heart_rate": 70, "spo2": 98},
    "home_sitter_available": True,
}
SCALES = {
    "phq9": [2, 2, 2, 2, 1, 2, 1, 1, 0, 1],
    "gad7": [1, 1, 1, 1, 1, 1, 1],
    "cssrs_screener": [0, 0, None, None, None, 0, None],
}
VITALS = {
    "systolic_mmhg": 126,
    "diastolic_mmhg": 80,
    "heart_rate_bpm": 74,
    "spo2_percent": 98,
    "respiratory_rate_per_min": 14,
}


def main() -> None:
    import django

    django.setup()
    import time_machine
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for, system_actor
    from ketacare.accounts.models import Role
    from ketacare.clinical.intake import History
    from ketacare.controlled import services as ledger
    from ketacare.patients import services as patients
    from ketacare.scheduling import setup
    from ketacare.scheduling.models import Appointment, Service
    from ketacare.screening.services import intake_submit
    from ketacare.sessions import charting, dosing, services
    from ketacare.treatment import services as plans

    call_command("migrate", verbosity=0)
    seed = system_actor("bench seed")
    clinic = accounts.clinic_create(
        seed,
        slug="bench",
        name="Bench Clinic",
        time_zone="America/New_York",
        city="Boston",
        region="MA",
        site_name="Bench Street",
    )
    site = clinic.sites.get()
    password = make_password(PASSWORD)

    def member(key: str, role: Role):  # type: ignore[no-untyped-def]
        user = accounts.user_create(seed, email=f"{key}@{DOMAIN}", full_name=key, password=None)
        user.password = password
        user.save(update_fields=["password"])
        return accounts.membership_create(seed, user=user, clinic=clinic, role=role)

    owner = actor_for(member("owner", Role.OWNER))
    nurse_member = member("nurse", Role.NURSE)
    nurse = actor_for(nurse_member)
    prescriber_member = member("prescriber", Role.PRESCRIBER)
    prescriber = actor_for(prescriber_member)
    desk = actor_for(member("frontdesk", Role.FRONT_DESK))
    setup.services_seed(owner)
    infusion = Service.objects.get(clinic=clinic, name="Ketamine IV infusion")
    chairs = [
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {n}")
        for n in range(1, CHAIRS + 1)
    ]
    vial = ledger.product_create(
        owner,
        name="Ketamine HCl injection 50 mg/mL, 10 mL vial",
        drug="ketamine",
        form="injection",
        strength="50 mg/mL",
        unit="mg",
        concentration_mg_per_ml=Decimal("50"),
    )
    now = timezone.now()
    start = now - timedelta(minutes=STARTED_MIN_AGO)
    lot = ledger.receipt_record(
        owner,
        product_id=vial.pk,
        site_id=site.pk,
        lot_number="BENCH-1",
        expires_on=date(now.year + 1, 12, 31),
        quantity=Decimal("20000"),
        received_at=start - timedelta(days=1),
        supplier="Bench Supply",
        invoice_number="INV-1",
    ).lot
    sessions = []
    for n, chair in enumerate(chairs):
        patient = patients.patient_create(
            desk,
            data={
                "mrn": f"SE{n:04d}",
                "given_name": f"Bench{n}",
                "family_name": "Chair",
                "date_of_birth": date(1970 + n, 3, 1),
                "sex_at_birth": "female" if n % 2 else "male",
            },
        ).obj
        patients.part_create(
            desk,
            patient.pk,
            "contacts",
            data={"relationship": "escort", "name": "Sam Driver", "phone": "+1 617 555 0100"},
        )
        intake_submit(
            nurse,
            patient.pk,
            fields={**FIELDS, "history": dict.fromkeys(History.model_fields, False)},
            scales=SCALES,
        )
        plan = plans.plan_create(prescriber, patient.pk, protocol_id="depression-iv-induction")
        plan = plans.plan_sign(prescriber, plan.pk)
        appointment = Appointment.objects.create(
            clinic=clinic,
            site=site,
            patient=patient,
            service=infusion,
            resource=chair,
            performer=nurse_member,
            prescriber_on_site=prescriber_member,
            start_at=start,
            procedure_end_at=start + timedelta(minutes=infusion.duration_min),
            end_at=start + timedelta(minutes=infusion.block_min),
            status=Appointment.Status.CHECKED_IN,
            plan=plan,
            checked_in_at=start - timedelta(minutes=10),
            created_by=desk.user,
        )
        sessions.append((appointment, plan))
    session_ids = []
    for n, (appointment, plan) in enumerate(sessions):
        with time_machine.travel((start - timedelta(minutes=5)).astimezone(UTC), tick=False) as t:
            session = services.session_start(nurse, appointment.pk)
            charting.vitals_record(nurse, session.pk, **VITALS)
            services.predose_record(
                nurse,
                session.pk,
                identity_confirmed=True,
                consent_confirmed=True,
                hours_since_solids=6.0,
                hours_since_clear_fluids=3.0,
                escort_present=True,
                escort_name="Sam Driver",
                escort_phone="+1 617 555 0100",
                pregnancy="not_applicable",
                same_day_screen={"source": "now", "phq9_item9": 0},
            )
            t.move_to(start.astimezone(UTC))
            dose, _ = dosing.dose_record(
                nurse,
                session.pk,
                kind="infusion",
                lot_id=lot.pk,
                dose_mg=plan.dose_mg,
                rate_mg_per_h=Decimal(str(plan.dose["rate_mg_per_h"])),
            )
            steps = [(m, "vitals") for m in range(5, STARTED_MIN_AGO, 5)]
            if n == 0:
                steps += [(2 + 4 * k, "rate") for k in range(RATE_CHANGES)]
            base_rate = float(plan.dose["rate_mg_per_h"])
            for minute, step in sorted(steps):
                t.move_to((start + timedelta(minutes=minute)).astimezone(UTC))
                if step == "vitals":
                    charting.vitals_record(nurse, session.pk, **VITALS)
                    continue
                rate = base_rate * (0.8 if (minute // 4) % 2 == 0 else 1.0)
                dosing.rate_change(
                    nurse,
                    session.pk,
                    dose.pk,
                    rate_mg_per_h=round(rate, 2),
                    reason="titrated to comfort",
                )
        session_ids.append(session.pk)
    print(
        json.dumps(
            {
                "site": site.pk,
                "sessions": session_ids,
                "rate_changed_session": session_ids[0],
                "nurse": NURSE,
                "password": PASSWORD,
            }
        )
    )


if __name__ == "__main__":
    main()
