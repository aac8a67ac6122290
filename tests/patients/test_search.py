"""Patient search finds part of an MRN (any case) and a phone by its digits, whatever the
formatting; a search with no match and a clinic with no patients say so."""

from __future__ import annotations

import importlib
import re
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps

from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from tests.conftest import Cast


def _register(cast: Cast, mrn: str, given: str, phone: str = "") -> Patient:
    return patients.patient_create(
        cast.actor(cast.front_desk),
        data={
            "mrn": mrn,
            "given_name": given,
            "family_name": "Search",
            "date_of_birth": date(1985, 5, 5),
            "sex_at_birth": "female",
            "phone": phone,
        },
    ).obj


@pytest.fixture
def many(cast: Cast) -> None:
    _register(cast, "KC000012", "Kim", "+1 555-0142")
    _register(cast, "KC000120", "Lee", "(617) 555 7788")
    _register(cast, "KC000003", "Max", "555.9000")


def _mrns(client: Any, q: str) -> list[str]:
    html = client.get("/patients/", {"q": q, "sort": "mrn"}).content.decode()
    return re.findall(r'<td data-label="MRN">([^<]+)</td>', html)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("0012", ["KC000012", "KC000120"]),
        ("kc00001", ["KC000012"]),
        ("KC000003", ["KC000003"]),
        ("000120", ["KC000120"]),
        ("h-10", ["H-1001", "H-1002"]),
        ("555 0142", ["KC000012"]),
        ("(555) 014-2", ["KC000012"]),
        ("5550142", ["KC000012"]),
        ("617-555-7788", ["KC000120"]),
        ("555", []),  # three digits: not a phone search, and no MRN holds 555
        ("6175550101", ["H-1001"]),
    ],
)
def test_search_finds_part_of_an_mrn_and_a_phone_by_its_digits(
    cast: Cast, as_role: Any, many: None, q: str, expected: list[str]
) -> None:
    assert _mrns(as_role("front_desk"), q) == expected


def test_the_phone_digits_follow_the_phone_on_every_edit(cast: Cast) -> None:
    assert Patient.objects.get(pk=cast.dan.pk).phone_digits == "16175550101"
    patients.patient_update(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        data={"phone": "(617) 555-0199"},
        expected_version=cast.dan.version,
    )
    assert Patient.objects.get(pk=cast.dan.pk).phone_digits == "6175550199"


def test_the_migration_fills_the_digits_of_patients_registered_before_it(cast: Cast) -> None:
    Patient.objects.filter(pk=cast.dan.pk).update(phone_digits="")
    migration = importlib.import_module("ketacare.patients.migrations.0004_patient_phone_digits")
    migration.backfill(django_apps, None)
    assert dict(Patient.objects.values_list("mrn", "phone_digits")) == {
        "H-1001": "16175550101",
        "H-1002": "",
        "L-1": "",
    }


def test_a_search_with_no_match_says_so_with_a_hint(cast: Cast, as_role: Any) -> None:
    response = as_role("front_desk").get("/patients/", {"q": "xyz"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No patient matches “xyz”" in html
    assert (
        "Search by name, part of the MRN, phone number or date of birth "
        "(YYYY-MM-DD or MM/DD/YYYY)." in html
    )
    assert "<table" not in html


def test_a_clinic_without_patients_says_so_and_offers_registration(
    cast: Cast, as_role: Any
) -> None:
    Patient.objects.filter(clinic=cast.clinic).delete()
    desk = as_role("front_desk").get("/patients/").content.decode()
    assert "No patients registered yet" in desk
    # the page head's button and the empty state's action
    assert desk.count('<a class="button" href="/patients/new/">Register a patient</a>') == 2
    nurse = as_role("nurse").get("/patients/").content.decode()
    assert "No patients registered yet" in nurse


def test_an_empty_status_filter_says_which_records_are_missing(cast: Cast, as_role: Any) -> None:
    html = as_role("front_desk").get("/patients/", {"status": "inactive"}).content.decode()
    assert "No inactive patients" in html
    assert "Choose another status to see the others." in html
    assert "No patients registered yet" not in html
