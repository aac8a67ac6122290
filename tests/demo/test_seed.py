"""The demo clinic: deterministic, built through the services, idempotent, refused in production."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings

from ketacare.accounts.models import ClinicSettingsVersion, Membership, Role, Site, User
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import verify_chain
from ketacare.demo.seed import DEMO_PASSWORD, SeedRefused, seed_demo
from ketacare.patients.models import Condition, MedicationTrial, Patient

# What the seed builds on 22 November 2026 (clinic time); the same on every run.
FIRST_THREE = [
    ("KC000001", "Zoë", "Ðorđević", dt.date(1981, 5, 2)),
    ("KC000002", "José", "Müller", dt.date(1979, 12, 6)),
    ("KC000003", "Ólafur", "Þórsson", dt.date(1971, 8, 24)),
]
TRIAL_COUNT = 87
CONDITION_COUNT = 52


@pytest.mark.django_db
def test_it_builds_the_demo_clinic_once() -> None:
    first = seed_demo()
    assert first.created is True
    assert first.patient_count == 40
    assert [email for email, _ in first.logins] == [
        "owner@demo.ketacare.org",
        "prescriber@demo.ketacare.org",
        "nurse@demo.ketacare.org",
        "frontdesk@demo.ketacare.org",
        *[f"patient{n}@demo.ketacare.org" for n in range(1, 7)],
    ]
    events = AuditEvent.objects.count()
    second = seed_demo()
    assert second.created is False
    assert AuditEvent.objects.count() == events
    assert verify_chain().ok


@pytest.mark.django_db
def test_it_is_deterministic_for_a_given_day() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC), tick=False):
        seed_demo()
    first = list(
        Patient.objects.filter(clinic__slug="demo")
        .order_by("mrn")[:3]
        .values_list("mrn", "given_name", "family_name", "date_of_birth")
    )
    assert first == FIRST_THREE
    assert MedicationTrial.objects.count() == TRIAL_COUNT
    assert Condition.objects.filter(patient__clinic__slug="demo").count() == CONDITION_COUNT


@pytest.mark.django_db
def test_every_demo_login_works_with_the_published_password() -> None:
    seed_demo()
    for user in User.objects.filter(email__endswith="@demo.ketacare.org"):
        assert user.check_password(DEMO_PASSWORD), user.email
    client = Client()
    response = client.post(
        "/accounts/login/", {"email": "patient1@demo.ketacare.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    own = Patient.objects.get(portal_user__email="patient1@demo.ketacare.org")
    assert client.get("/")["Location"] == f"/patients/{own.pk}/"


@pytest.mark.django_db
def test_the_owner_runs_two_clinics() -> None:
    seed_demo()
    roles = sorted(
        Membership.objects.filter(user__email="owner@demo.ketacare.org").values_list(
            "clinic__slug", "role"
        )
    )
    assert roles == [("demo", Role.OWNER), ("demo-lakeside", Role.OWNER)]


@pytest.mark.django_db
@override_settings(KETACARE_ENVIRONMENT="production")
def test_it_refuses_to_run_in_production() -> None:
    with pytest.raises(SeedRefused, match="never seeded in production"):
        seed_demo()
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_the_boston_clinic_has_its_two_sites_and_settings_version_1() -> None:
    seed_demo()
    sites = Site.objects.filter(clinic__slug="demo").order_by("name")
    assert [(s.name, s.address, s.time_zone, s.is_active) for s in sites] == [
        ("Back Bay", "500 Boylston Street, Floor 3, Boston, MA 02116", "America/New_York", True),
        ("Harbor Street", "200 Harbor Street, Suite 4, Boston, MA 02210", "America/New_York", True),
    ]
    assert list(Site.objects.filter(clinic__slug="demo-lakeside").values_list("name")) == [
        ("Ketacare Demo Lakeside",)
    ]
    assert sorted(
        ClinicSettingsVersion.objects.values_list("clinic__slug", "number", "overrides")
    ) == [("demo", 1, {}), ("demo-lakeside", 1, {})]
