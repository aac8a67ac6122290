"""Fill a scratch clinic database with N patients and their history, for the web benchmark.

Rows go in with ``bulk_create`` (10,000 patients through the audited services would take
minutes and measure the seed, not the pages); the demo clinic's staff and logins come from the
real seed. Run as ``python bench/web_seed.py N`` with DJANGO_SETTINGS_MODULE and
KETACARE_VAR_DIR set by the benchmark.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal


def main(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from ketacare.accounts.models import Clinic
    from ketacare.demo.seed import PEOPLE, seed_demo
    from ketacare.patients.models import (
        BodyMeasurement,
        Condition,
        Coverage,
        MedicationTrial,
        Patient,
        RelatedPerson,
    )

    call_command("migrate", verbosity=0)
    seed_demo()
    clinic = Clinic.objects.get(slug="demo")
    rng = random.Random(1)  # noqa: S311
    today = date(2026, 11, 1)
    with transaction.atomic():
        patients = []
        for n in range(count):
            given, family, sex, _, _ = PEOPLE[n % len(PEOPLE)]
            patient = Patient(
                clinic=clinic,
                mrn=f"BN{n:07d}",
                given_name=given,
                family_name=f"{family}{n}",
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randint(0, 18000)),
                sex_at_birth=sex,
                phone=f"+1 617 555 {n % 10000:04d}",
                city="Boston",
            )
            patient.refresh_search_key()
            patients.append(patient)
        Patient.objects.bulk_create(patients, batch_size=2000)
        parts: dict[type, list[object]] = {
            m: [] for m in (BodyMeasurement, Condition, Coverage, MedicationTrial, RelatedPerson)
        }
        for patient in patients:
            for months in range(6):
                parts[BodyMeasurement].append(
                    BodyMeasurement(
                        patient=patient,
                        measured_on=today - timedelta(days=30 * months),
                        weight_kg=Decimal(rng.randint(500, 1100)) / 10,
                        height_cm=Decimal("172.0"),
                    )
                )
            parts[Condition].append(
                Condition(
                    patient=patient, icd10_code="F33.2", snomed_code="370143000", display="MDD"
                )
            )
            parts[Coverage].append(
                Coverage(
                    patient=patient, payer_name="Aetna", member_id=f"A{rng.randint(10**8, 10**9)}"
                )
            )
            parts[RelatedPerson].append(
                RelatedPerson(
                    patient=patient, relationship="escort", name="Driver", phone="+1 617 555 0000"
                )
            )
            for k in range(3):
                parts[MedicationTrial].append(
                    MedicationTrial(
                        patient=patient,
                        drug="sertraline",
                        drug_class="ssri",
                        start_date=today - timedelta(days=400 + 100 * k),
                        weeks_at_adequate_dose=Decimal(8),
                        improvement_percent=10,
                    )
                )
        for model, rows in parts.items():
            model.objects.bulk_create(rows, batch_size=5000)  # type: ignore[attr-defined]
    print(f"seeded {count} patients")


if __name__ == "__main__":
    main(int(sys.argv[1]))
