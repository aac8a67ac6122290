"""The migrations move what a clinic stored in ``Clinic.clinical_settings`` into its settings
version 1, give each clinic a site at its own address, and point earlier screenings and plans
at version 1; run on a scratch database of the suite's engine, from the schema before."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.live import CLI, scratch_database

BEFORE = """
import datetime, decimal
from django.db import connection
from django.db.migrations.loader import MigrationLoader
apps = MigrationLoader(connection).project_state(
    [("accounts", "0002_recoverycode"), ("treatment", "0001_initial")]
).apps
Clinic = apps.get_model("accounts", "Clinic")
Patient = apps.get_model("patients", "Patient")
Intake = apps.get_model("screening", "Intake")
ScreeningResult = apps.get_model("screening", "ScreeningResult")
TreatmentPlan = apps.get_model("treatment", "TreatmentPlan")
harbor = Clinic.objects.create(
    slug="harbor", name="Harbor", time_zone="America/New_York", address_line="1 Pier Road",
    city="Boston", region="MA", postal_code="02110", clinical_settings={"stop_spo2_percent": 90},
)
Clinic.objects.create(slug="lakeside", name="Lakeside", time_zone="America/Chicago")
dan = Patient.objects.create(
    clinic=harbor, mrn="H-1", given_name="Dan", family_name="Dawson",
    date_of_birth=datetime.date(1980, 4, 2), sex_at_birth="male",
)
intake = Intake.objects.create(patient=dan, number=1, document={}, recorded_by_label="n")
screening = ScreeningResult.objects.create(
    intake=intake, patient=dan, result={}, treatment_resistant=True, adequate_trials=2,
    settings_used={"stop_spo2_percent": 90},
)
TreatmentPlan.objects.create(
    patient=dan, protocol_id="p", protocol_version=1, drug="ketamine", route="iv",
    dose_mg=decimal.Decimal("41.25"), dose={}, weight_kg=decimal.Decimal("82.5"), curve={},
    course=[], screening=screening, screening_decision="eligible",
)
"""

AFTER = """
import json
from ketacare.accounts.models import ClinicSettingsVersion, Site
from ketacare.screening.models import ScreeningResult
from ketacare.treatment.models import TreatmentPlan
print(json.dumps({
    "versions": list(ClinicSettingsVersion.objects.order_by("clinic__slug").values_list(
        "clinic__slug", "number", "overrides", "created_by_label")),
    "sites": list(Site.objects.order_by("clinic__slug").values_list(
        "clinic__slug", "name", "address_line", "city", "postal_code", "time_zone", "is_active")),
    "screenings": list(ScreeningResult.objects.values_list(
        "settings_version__clinic__slug", "settings_version__number")),
    "plans": list(TreatmentPlan.objects.values_list(
        "settings_version__clinic__slug", "settings_version__number")),
}))
"""


def test_the_migration_makes_version_1_and_a_site_and_points_old_rows_at_version_1() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ketacare-migration-"))
    db_env, drop = scratch_database(tmp)
    env = {**os.environ, **db_env, "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [*CLI, *args], env=env, check=True, capture_output=True, text=True, timeout=300
        )
        return done.stdout

    try:
        run("manage", "migrate", "accounts", "0002_recoverycode")
        run("manage", "migrate", "treatment", "0001_initial")
        run("manage", "shell", "-c", BEFORE)
        run("migrate")
        after = json.loads(run("manage", "shell", "-c", AFTER).strip().splitlines()[-1])
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    label = "system: migration 0004_settings_versions_and_sites_from_clinics"
    assert after == {
        "versions": [
            ["harbor", 1, {"stop_spo2_percent": 90}, label],
            ["lakeside", 1, {}, label],
        ],
        "sites": [
            ["harbor", "Harbor", "1 Pier Road", "Boston", "02110", "America/New_York", True],
            ["lakeside", "Lakeside", "", "", "", "America/Chicago", True],
        ],
        "screenings": [["harbor", 1]],
        "plans": [["harbor", 1]],
    }
