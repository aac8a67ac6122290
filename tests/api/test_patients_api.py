"""/api/v1/patients: search, read, register, edit, the chart's sections, tokens and errors.

Every error is RFC 7807 ``application/problem+json``; a refused request writes nothing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyotp
import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts import session
from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import ApiToken, User
from ketacare.audit.models import AuditEvent
from ketacare.cli import main
from ketacare.clinical.codes import TRIAL_DRUG_CLASSES
from ketacare.patients import services as patients
from ketacare.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Consent,
    Coverage,
    MedicationTrial,
    Patient,
    RelatedPerson,
)
from tests.conftest import Cast, logged_in

URL = "/api/v1/patients"
JSON = "application/json"
JSON_UTF8 = "application/json; charset=utf-8"
WRITE_ACTIONS = ("patient.create", "patient.update", "record.create", "record.update")
SORTS_ALLOWED = "name, -name, mrn, -mrn, date_of_birth, -date_of_birth, created, -created"


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    return body  # type: ignore[no-any-return]


def invalid(response: HttpResponse) -> dict[str, str]:
    """The ``invalid_params`` of a 422 answer, as {field: reason}."""
    assert response.status_code == 422, response.content[:300]
    body = problem(response)
    assert body["type"] == "https://ketacare.org/problems/validation"
    assert body["title"] == "Invalid input"
    return {p["name"]: p["reason"] for p in body["invalid_params"]}


def mrns(response: HttpResponse) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [p["mrn"] for p in response.json()["results"]]


def iso(moment: datetime) -> str:
    """A datetime as the API writes it: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def patch(client: Client, path: str, body: dict[str, Any], **extra: Any) -> HttpResponse:
    return client.patch(path, json.dumps(body), content_type=JSON, **extra)


def post(client: Client, path: str, body: dict[str, Any], **extra: Any) -> HttpResponse:
    return client.post(path, json.dumps(body), content_type=JSON, **extra)


def writes() -> int:
    return AuditEvent.objects.filter(action__in=WRITE_ACTIONS).count()


def clinic_today(cast: Cast) -> date:
    return timezone.localdate(timezone=cast.clinic.tz)


@pytest.fixture
def nurse(as_role: Any) -> Client:
    return as_role("nurse")  # type: ignore[no-any-return]


def register(cast: Cast, **data: Any) -> Patient:
    return patients.patient_create(actor_for(cast.front_desk), data=data).obj  # type: ignore[no-any-return]


@pytest.fixture
def four(cast: Cast) -> Cast:
    """Two more patients, so that each sort order is different from every other."""
    register(
        cast,
        mrn="H-3000",
        given_name="Ann",
        family_name="Abbott",
        date_of_birth=date(1970, 2, 2),
        sex_at_birth="female",
    )
    register(
        cast,
        mrn="H-0001",
        given_name="Bea",
        family_name="Brown",
        date_of_birth=date(1960, 6, 6),
        sex_at_birth="female",
    )
    return cast


# --- list and search --------------------------------------------------------------------------


def test_it_lists_the_clinics_active_patients_one_page_at_a_time(cast: Cast, nurse: Client) -> None:
    response = nurse.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "results"} == {
        "count": 2,
        "page": 1,
        "page_size": 25,
        "pages": 1,
    }
    assert body["results"][0] == {
        "id": str(cast.dan.pk),
        "mrn": "H-1001",
        "given_name": "Dan",
        "family_name": "Dawson",
        "preferred_name": "",
        "date_of_birth": "1980-04-02",
        "sex_at_birth": "male",
        "email": "",
        "phone": "+1 617 555 0101",
        "is_active": True,
        "version": 2,
    }
    assert [p["mrn"] for p in body["results"]] == ["H-1001", "H-1002"]


def test_it_lists_only_the_callers_clinic(cast: Cast, as_role: Any) -> None:
    assert mrns(as_role("outsider").get(URL)) == ["L-1"]
    assert mrns(as_role("nurse").get(URL, {"q": "L-1"})) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zoe", ["H-1002"]),
        ("ZOË", ["H-1002"]),
        ("Zoe ðorđević", ["H-1002"]),
        ("zoë dawson", []),
        ("daw", ["H-1001"]),
        ("DAN", ["H-1001"]),
    ],
)
def test_it_finds_patients_by_every_word_of_the_name_with_accents_folded(
    cast: Cast, nurse: Client, q: str, expected: list[str]
) -> None:
    assert mrns(nurse.get(URL, {"q": q})) == expected


def test_it_finds_dordevic_typed_without_diacritics(cast: Cast, nurse: Client) -> None:
    """Staff type "dordevic" on a US keyboard; the stroke and eth of Ðorđević must fold to d."""
    assert mrns(nurse.get(URL, {"q": "dordevic"})) == ["H-1002"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("H-100", ["H-1001", "H-1002"]),
        ("h-1002", ["H-1002"]),
        ("H-1001", ["H-1001"]),
        ("H-2", []),
    ],
)
def test_it_finds_patients_by_mrn_prefix(
    cast: Cast, nurse: Client, q: str, expected: list[str]
) -> None:
    assert mrns(nurse.get(URL, {"q": q})) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("1991-11-03", ["H-1002"]),
        ("11/03/1991", ["H-1002"]),
        ("04/02/1980", ["H-1001"]),
        ("02/04/1980", []),  # month first, never day first
        ("1980-04-03", []),
    ],
)
def test_it_finds_patients_by_date_of_birth(
    cast: Cast, nurse: Client, q: str, expected: list[str]
) -> None:
    assert mrns(nurse.get(URL, {"q": q})) == expected


def test_it_pages_with_exact_counts(cast: Cast, nurse: Client) -> None:
    for n in range(30):
        register(
            cast,
            mrn=f"P-{n:03d}",
            given_name="Page",
            family_name=f"Test{n:03d}",
            date_of_birth=date(1990, 1, 1),
            sex_at_birth="unknown",
        )
    first = nurse.get(URL, {"sort": "mrn"}).json()
    assert (first["count"], first["page"], first["page_size"], first["pages"]) == (32, 1, 25, 2)
    assert len(first["results"]) == 25
    second = nurse.get(URL, {"sort": "mrn", "page": 2}).json()
    assert (second["count"], second["page"], second["pages"]) == (32, 2, 2)
    assert [p["mrn"] for p in second["results"]] == [
        "P-023",
        "P-024",
        "P-025",
        "P-026",
        "P-027",
        "P-028",
        "P-029",
    ]
    small = nurse.get(URL, {"sort": "mrn", "page_size": 10, "page": 4}).json()
    assert (small["page_size"], small["pages"]) == (10, 4)
    assert [p["mrn"] for p in small["results"]] == ["P-028", "P-029"]
    assert invalid(nurse.get(URL, {"page": 3})) == {"page": "must be between 1 and 2"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["H-3000", "H-0001", "H-1001", "H-1002"]),
        ("-name", ["H-1002", "H-1001", "H-0001", "H-3000"]),
        ("mrn", ["H-0001", "H-1001", "H-1002", "H-3000"]),
        ("-mrn", ["H-3000", "H-1002", "H-1001", "H-0001"]),
        ("date_of_birth", ["H-0001", "H-3000", "H-1001", "H-1002"]),
        ("-date_of_birth", ["H-1002", "H-1001", "H-3000", "H-0001"]),
        ("created", ["H-1001", "H-1002", "H-3000", "H-0001"]),
        ("-created", ["H-0001", "H-3000", "H-1002", "H-1001"]),
    ],
)
def test_it_sorts_by_each_allowed_key(
    four: Cast, nurse: Client, sort: str, expected: list[str]
) -> None:
    assert mrns(nurse.get(URL, {"sort": sort})) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "surname"}, {"sort": f"must be one of: {SORTS_ALLOWED}"}),
        ({"status": "deleted"}, {"status": "must be one of: active, inactive, all"}),
        ({"page_size": "0"}, {"page_size": "must be between 1 and 100"}),
        ({"page_size": "101"}, {"page_size": "must be between 1 and 100"}),
        (
            {"page_size": "abc"},
            {"page_size": "Input should be a valid integer, unable to parse string as an integer"},
        ),
        ({"page": "0"}, {"page": "must be 1 or more"}),
        ({"q": "x" * 201}, {"q": "String should have at most 200 characters"}),
    ],
)
def test_it_refuses_a_parameter_outside_its_allow_list(
    cast: Cast, nurse: Client, params: dict[str, str], expected: dict[str, str]
) -> None:
    searches = AuditEvent.objects.filter(action="patient.search").count()
    assert invalid(nurse.get(URL, params)) == expected
    assert AuditEvent.objects.filter(action="patient.search").count() == searches


@pytest.mark.parametrize(
    "sort",
    [
        "name; DROP TABLE patients_patient; --",
        "family_name",
        "-id",
        "name,mrn",
        "clinic__name",
        "(CASE WHEN 1=1 THEN mrn ELSE given_name END)",
        "mrn' OR '1'='1",
    ],
)
def test_it_refuses_an_sql_looking_sort(cast: Cast, nurse: Client, sort: str) -> None:
    assert invalid(nurse.get(URL, {"sort": sort})) == {"sort": f"must be one of: {SORTS_ALLOWED}"}
    assert Patient.objects.filter(clinic=cast.clinic).count() == 2


# --- read -------------------------------------------------------------------------------------


def test_it_reads_the_whole_record(cast: Cast, nurse: Client) -> None:
    dan = Patient.objects.get(pk=cast.dan.pk)
    weight = BodyMeasurement.objects.get(patient=dan)
    condition = Condition.objects.get(patient=dan)
    response = nurse.get(f"{URL}/{dan.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == JSON_UTF8
    assert response.json() == {
        "id": str(dan.pk),
        "mrn": "H-1001",
        "given_name": "Dan",
        "middle_name": "",
        "family_name": "Dawson",
        "preferred_name": "",
        "date_of_birth": "1980-04-02",
        "sex_at_birth": "male",
        "gender_identity": "",
        "pronouns": "",
        "email": "",
        "phone": "+1 617 555 0101",
        "address_line": "",
        "city": "",
        "region": "",
        "postal_code": "",
        "preferred_language": "",
        "is_active": True,
        "inactive_reason": "",
        "version": 2,
        "created_at": iso(dan.created_at),
        "updated_at": iso(dan.updated_at),
        "contacts": [],
        "coverage": [],
        "consents": [],
        "allergies": [],
        "trials": [],
        "measurements": [
            {
                "id": weight.pk,
                "measured_on": "2026-01-05",
                "weight_kg": "82.5",
                "height_cm": "180.0",
                "version": 1,
                "created_at": iso(weight.created_at),
                "updated_at": iso(weight.updated_at),
            }
        ],
        "conditions": [
            {
                "id": condition.pk,
                "icd10_code": "F33.2",
                "snomed_code": "370143000",
                "display": "Major depressive disorder, recurrent severe without psychotic features",
                "onset_date": "2019-06-01",
                "status": "active",
                "version": 1,
                "created_at": iso(condition.created_at),
                "updated_at": iso(condition.updated_at),
            }
        ],
    }


def test_it_gives_front_desk_null_for_clinical_sections(cast: Cast, as_role: Any) -> None:
    body = as_role("front_desk").get(f"{URL}/{cast.dan.pk}").json()
    assert {
        k: body[k]
        for k in (
            "contacts",
            "coverage",
            "consents",
            "measurements",
            "conditions",
            "allergies",
            "trials",
        )
    } == {
        "contacts": [],
        "coverage": [],
        "consents": [],
        "measurements": None,
        "conditions": None,
        "allergies": None,
        "trials": None,
    }
    assert body["mrn"] == "H-1001"


def test_it_lets_a_patient_read_only_their_own_record(cast: Cast, as_role: Any) -> None:
    dan = as_role("patient")
    own = dan.get(f"{URL}/{cast.dan.pk}")
    assert own.status_code == 200
    assert own.json()["measurements"][0]["weight_kg"] == "82.5"
    other = dan.get(f"{URL}/{cast.zoe.pk}")
    assert other.status_code == 404
    assert problem(other)["detail"] == "No such patient"


# --- create -----------------------------------------------------------------------------------

NEW = {
    "given_name": "Maya",
    "family_name": "Lindqvist",
    "date_of_birth": "1988-07-14",
    "sex_at_birth": "female",
}


def test_it_registers_a_patient_with_the_next_free_mrn(cast: Cast, nurse: Client) -> None:
    first = post(nurse, URL, NEW)
    assert first.status_code == 201
    body = first.json()
    created = Patient.objects.get(pk=body["id"])
    assert (body["mrn"], created.mrn, created.clinic_id) == ("KC000001", "KC000001", cast.clinic.pk)
    assert (body["version"], body["contacts"], body["measurements"]) == (1, [], [])
    second = post(nurse, URL, {**NEW, "given_name": "Ines", "mrn": ""})
    assert second.json()["mrn"] == "KC000002"


def test_it_continues_numbering_after_the_highest_kc_mrn(cast: Cast, nurse: Client) -> None:
    register(
        cast,
        mrn="KC000041",
        given_name="Old",
        family_name="Number",
        date_of_birth=date(1970, 1, 1),
        sex_at_birth="male",
    )
    assert post(nurse, URL, NEW).json()["mrn"] == "KC000042"


def test_it_keeps_non_ascii_names_exactly(cast: Cast, nurse: Client) -> None:
    names = {
        "given_name": "Søren",
        "middle_name": "Ólafur",
        "family_name": "Ñúñez-Łukasiewicz",
        "preferred_name": "Sørø",
        "city": "Zürich",
        "pronouns": "he/him",
    }
    created = post(nurse, URL, {**NEW, **names})
    assert created.status_code == 201
    read = nurse.get(f"{URL}/{created.json()['id']}").json()
    assert {k: read[k] for k in names} == names
    stored = Patient.objects.get(pk=created.json()["id"])
    assert {k: getattr(stored, k) for k in names} == names
    assert mrns(nurse.get(URL, {"q": "soren nunez"})) == ["KC000001"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"mrn": "H-1001"}, {"mrn": "H-1001 already belongs to another patient of this clinic"}),
        (
            {"email": "maya@@example"},
            {"email": "must be an email address such as name@example.com"},
        ),
        ({"favourite_colour": "teal"}, {"favourite_colour": "Extra inputs are not permitted"}),
        (
            {"mrn": "H 1001!"},
            {"mrn": "must be 1–32 letters, digits or hyphens, starting with a letter or digit"},
        ),
        ({"sex_at_birth": "x"}, {"sex_at_birth": "must be one of: female, male, unknown"}),
        (
            {"date_of_birth": "1988-02-30"},
            {
                "date_of_birth": "Input should be a valid date or datetime, day value is outside "
                "expected range"
            },
        ),
        (
            {"phone": "call me"},
            {"phone": "must be a phone number of 7–24 digits, spaces, +, -, ( or )"},
        ),
    ],
)
def test_it_refuses_a_bad_registration_naming_the_field(
    cast: Cast, nurse: Client, change: dict[str, str], expected: dict[str, str]
) -> None:
    count, events = Patient.objects.count(), writes()
    assert invalid(post(nurse, URL, {**NEW, **change})) == expected
    assert (Patient.objects.count(), writes()) == (count, events)


def test_it_refuses_a_future_date_of_birth(cast: Cast, nurse: Client) -> None:
    today = clinic_today(cast)
    tomorrow = today + timedelta(days=1)
    response = post(nurse, URL, {**NEW, "date_of_birth": tomorrow.isoformat()})
    assert invalid(response) == {
        "date_of_birth": f"cannot be in the future (today is {today.isoformat()})",
    }
    assert Patient.objects.count() == 3


def test_it_refuses_an_age_over_120(cast: Cast, nurse: Client) -> None:
    born = date(clinic_today(cast).year - 121, 1, 1)
    response = post(nurse, URL, {**NEW, "date_of_birth": born.isoformat()})
    assert invalid(response) == {"date_of_birth": "gives an age of 121; at most 120 is allowed"}
    assert Patient.objects.count() == 3


def test_it_names_every_missing_field(cast: Cast, nurse: Client) -> None:
    assert invalid(post(nurse, URL, {"given_name": "Maya"})) == {
        "family_name": "Field required",
        "date_of_birth": "Field required",
        "sex_at_birth": "Field required",
    }


def test_it_allows_the_same_mrn_in_another_clinic(cast: Cast, as_role: Any) -> None:
    response = post(as_role("outsider"), URL, {**NEW, "mrn": "H-1001"})
    assert response.status_code == 201
    assert Patient.objects.get(mrn="H-1001", clinic=cast.other_clinic).given_name == "Maya"


# --- update -----------------------------------------------------------------------------------


def _dan(cast: Cast) -> Patient:
    return Patient.objects.get(pk=cast.dan.pk)


def test_it_edits_the_fields_sent_and_bumps_the_version(cast: Cast, nurse: Client) -> None:
    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 2, "phone": "+1 617 555 0199"})
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["phone"], body["given_name"]) == (3, "+1 617 555 0199", "Dan")
    dan = _dan(cast)
    assert (dan.version, dan.phone, dan.email, dan.family_name) == (
        3,
        "+1 617 555 0199",
        "",
        "Dawson",
    )


def test_it_refuses_a_stale_version_and_changes_nothing(cast: Cast, nurse: Client) -> None:
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()
    events = writes()
    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 1, "phone": "+1 617 555 0199"})
    assert response.status_code == 409
    message = (
        "this record is at version 2, your edit was based on version 1; "
        "reload it and apply your change again"
    )
    assert problem(response) == {
        "type": "https://ketacare.org/problems/stale-version",
        "title": "Edit conflict",
        "status": 409,
        "detail": f"version: {message}",
        "invalid_params": [{"name": "version", "reason": message}],
    }
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before
    assert writes() == events


def test_it_lets_exactly_one_of_two_editors_from_the_same_version_win(
    cast: Cast, as_role: Any
) -> None:
    url = f"{URL}/{cast.dan.pk}"
    nurse, desk = as_role("nurse"), as_role("front_desk")
    first = patch(nurse, url, {"version": 2, "phone": "+1 617 555 0111"})
    second = patch(desk, url, {"version": 2, "email": "dan@example.org"})
    assert (first.status_code, second.status_code) == (200, 409)
    dan = _dan(cast)
    assert (dan.version, dan.phone, dan.email) == (3, "+1 617 555 0111", "")
    assert AuditEvent.objects.filter(action="patient.update", patient_id=dan.pk).count() == 2
    # (one from linking Dan's portal login in the cast, one from the winning edit)


def test_it_does_not_bump_the_version_when_nothing_changes(cast: Cast, nurse: Client) -> None:
    events = writes()
    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 2, "phone": "+1 617 555 0101"})
    assert response.status_code == 200
    assert (_dan(cast).version, writes()) == (2, events)


NOT_NULL = "may not be null: leave the field out to keep it as it is"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"phone": "+1 617 555 0199"}, {"version": "Field required"}),
        ({"version": 2, "shoe_size": 44}, {"shoe_size": "Extra inputs are not permitted"}),
        (
            {"version": 2, "mrn": "H-1002"},
            {"mrn": "H-1002 already belongs to another patient of this clinic"},
        ),
        (
            {"version": 2, "given_name": ""},
            {"given_name": "String should have at least 1 character"},
        ),
        (
            {"version": 2, "given_name": None},
            {"given_name": NOT_NULL},
        ),
        ({"version": 0}, {"version": "must be 1 or more; got 0"}),
    ],
)
def test_it_refuses_a_bad_edit_naming_the_field(
    cast: Cast, nurse: Client, body: dict[str, Any], expected: dict[str, str]
) -> None:
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()
    assert invalid(patch(nurse, f"{URL}/{cast.dan.pk}", body)) == expected
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before


@pytest.mark.parametrize("name", ["mrn", "given_name", "date_of_birth", "sex_at_birth"])
def test_it_refuses_null_for_a_field_that_cannot_be_empty(
    cast: Cast, nurse: Client, name: str
) -> None:
    """``null`` is not a value of these fields: 422 naming the field, not a server error."""
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()
    assert invalid(patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 2, name: None})) == {
        name: NOT_NULL
    }
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before


@pytest.mark.parametrize("name", ["email", "phone", "city", "middle_name"])
def test_null_clears_a_field_that_may_be_empty(cast: Cast, nurse: Client, name: str) -> None:
    """The document marks these fields nullable: ``null`` clears them, as "" does."""
    Patient.objects.filter(pk=cast.dan.pk).update(
        email="dan@example.com", city="Boston", middle_name="Q"
    )
    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 2, name: None})
    assert (response.status_code, response.json()[name]) == (200, "")
    assert getattr(Patient.objects.get(pk=cast.dan.pk), name) == ""


# --- sections of the chart --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "got"), [("0", "0"), ("700", "700"), ("24.9", "24.9"), (350.1, "350.1")]
)
def test_it_refuses_an_impossible_weight(cast: Cast, nurse: Client, weight: str, got: str) -> None:
    response = post(
        nurse,
        f"{URL}/{cast.dan.pk}/measurements",
        {"measured_on": "2026-01-20", "weight_kg": weight},
    )
    assert invalid(response) == {"weight_kg": f"must be between 25 and 350 kg; got {got}"}
    assert BodyMeasurement.objects.count() == 1
    assert (
        AuditEvent.objects.filter(action="record.create", data__section="measurements").count() == 1
    )


def test_it_refuses_an_impossible_weight_on_edit(cast: Cast, nurse: Client) -> None:
    row = BodyMeasurement.objects.get(patient=cast.dan)
    response = patch(
        nurse, f"{URL}/{cast.dan.pk}/measurements/{row.pk}", {"version": 1, "weight_kg": "700"}
    )
    assert invalid(response) == {"weight_kg": "must be between 25 and 350 kg; got 700"}
    row.refresh_from_db()
    assert (row.weight_kg, row.version) == (Decimal("82.5"), 1)


def test_it_accepts_an_unusual_weight_and_flags_it(cast: Cast, nurse: Client) -> None:
    response = post(
        nurse, f"{URL}/{cast.dan.pk}/measurements", {"measured_on": "2026-01-20", "weight_kg": "30"}
    )
    assert response.status_code == 201
    row = BodyMeasurement.objects.get(pk=response.json()["id"])
    assert (row.weight_kg, row.patient_id) == (Decimal("30.0"), cast.dan.pk)
    event = AuditEvent.objects.get(
        action="record.create", target_id=str(row.pk), target_type="BodyMeasurement"
    )
    assert event.data["flags"] == [
        "Weight 30 kg is outside the usual 40–200 kg range: please double-check",
    ]


def test_it_fills_display_and_snomed_for_a_known_icd10_code(cast: Cast, nurse: Client) -> None:
    response = post(nurse, f"{URL}/{cast.dan.pk}/conditions", {"icd10_code": "f43.10"})
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("icd10_code", "snomed_code", "display", "status")} == {
        "icd10_code": "F43.10",
        "snomed_code": "47505003",
        "display": "Post-traumatic stress disorder, unspecified",
        "status": "active",
    }
    stored = Condition.objects.get(pk=body["id"])
    assert (stored.icd10_code, stored.snomed_code) == ("F43.10", "47505003")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("F99.9", "F99.9 is not in the clinic's ICD-10-CM code list (see docs/clinical.md)"),
        ("z99.89", "Z99.89 is not in the clinic's ICD-10-CM code list (see docs/clinical.md)"),
        ("banana", "must be an ICD-10-CM code such as F33.2"),
    ],
)
def test_it_refuses_an_unknown_icd10_code(
    cast: Cast, nurse: Client, code: str, reason: str
) -> None:
    response = post(nurse, f"{URL}/{cast.dan.pk}/conditions", {"icd10_code": code})
    assert invalid(response) == {"icd10_code": reason}
    assert Condition.objects.count() == 1


def test_it_refuses_an_unknown_icd10_code_on_edit(cast: Cast, nurse: Client) -> None:
    row = Condition.objects.get(patient=cast.dan)
    response = patch(
        nurse, f"{URL}/{cast.dan.pk}/conditions/{row.pk}", {"version": 1, "icd10_code": "F99.9"}
    )
    assert invalid(response) == {
        "icd10_code": "F99.9 is not in the clinic's ICD-10-CM code list (see docs/clinical.md)",
    }
    row.refresh_from_db()
    assert (row.icd10_code, row.version) == ("F33.2", 1)


TRIAL = {
    "drug": "sertraline",
    "drug_class": "ssri",
    "dose_mg_per_day": "150",
    "start_date": "2024-01-01",
    "end_date": "2024-04-01",
    "weeks_at_adequate_dose": "8",
    "improvement_percent": 10,
    "reason_stopped": "ineffective",
    "notes": "",
}


def test_it_records_a_medication_trial(cast: Cast, nurse: Client) -> None:
    response = post(nurse, f"{URL}/{cast.dan.pk}/trials", TRIAL)
    assert response.status_code == 201
    trial = MedicationTrial.objects.get(patient=cast.dan)
    assert (trial.drug_class, trial.dose_mg_per_day, trial.version) == (
        "ssri",
        Decimal("150.00"),
        1,
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"drug_class": "antidepressant"},
            {"drug_class": f"must be one of: {', '.join(sorted(TRIAL_DRUG_CLASSES))}"},
        ),
        ({"end_date": "2023-12-31"}, {"end_date": "must be on or after start date (2024-01-01)"}),
        (
            {"improvement_percent": 101},
            {"improvement_percent": "must be between -100 and 100 %; got 101"},
        ),
    ],
)
def test_it_refuses_a_bad_medication_trial(
    cast: Cast, nurse: Client, change: dict[str, Any], expected: dict[str, str]
) -> None:
    response = post(nurse, f"{URL}/{cast.dan.pk}/trials", {**TRIAL, **change})
    assert invalid(response) == expected
    assert MedicationTrial.objects.count() == 0


MINIMAL = {
    "contacts": (
        {"relationship": "escort", "name": "Ana", "phone": "+1 617 555 0142"},
        RelatedPerson,
    ),
    "coverage": ({"payer_name": "Aetna", "member_id": "W100200300"}, Coverage),
    "consents": ({"kind": "ketamine_treatment", "signed_on": "2025-01-10"}, Consent),
    "allergies": ({"substance": "Penicillin"}, Allergy),
    "trials": ({"drug": "sertraline", "drug_class": "ssri"}, MedicationTrial),
}


@pytest.mark.parametrize("key", list(MINIMAL))
def test_it_adds_a_section_row_with_only_the_required_fields(
    cast: Cast, as_role: Any, key: str
) -> None:
    """The OpenAPI document marks the other fields optional, so leaving them out must work."""
    body, model = MINIMAL[key]
    response = post(as_role("owner"), f"{URL}/{cast.dan.pk}/{key}", body)
    assert response.status_code == 201, response.content[:300]
    assert model.objects.get(patient=cast.dan).pk == response.json()["id"]


def test_it_refuses_a_stale_section_edit(cast: Cast, nurse: Client) -> None:
    row = BodyMeasurement.objects.get(patient=cast.dan)
    url = f"{URL}/{cast.dan.pk}/measurements/{row.pk}"
    assert patch(nurse, url, {"version": 1, "weight_kg": "81.0"}).status_code == 200
    stale = patch(nurse, url, {"version": 1, "weight_kg": "79.0"})
    assert stale.status_code == 409
    assert problem(stale)["invalid_params"] == [
        {
            "name": "version",
            "reason": "this record is at version 2, your edit was based on version 1; "
            "reload it and apply your change again",
        }
    ]
    row.refresh_from_db()
    assert (row.weight_kg, row.version) == (Decimal("81.0"), 2)


def test_it_hides_another_clinics_patient_from_section_writes(cast: Cast, nurse: Client) -> None:
    response = post(
        nurse,
        f"{URL}/{cast.erin.pk}/measurements",
        {"measured_on": "2026-01-20", "weight_kg": "70"},
    )
    assert response.status_code == 404
    assert problem(response)["detail"] == "No such patient"
    assert BodyMeasurement.objects.filter(patient=cast.erin).count() == 0


# --- bearer tokens ----------------------------------------------------------------------------


def make_token(capsys: pytest.CaptureFixture[str], email: str, *extra: str) -> str:
    assert main(["token", "create", "--user", email, *extra]) == 0
    out = capsys.readouterr().out.strip()
    assert re.fullmatch(r"kc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", out), out
    return out


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_it_opens_the_api_to_a_printed_token(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    token = make_token(capsys, "NINA@example.com")
    response = Client().get(URL, **bearer(token))
    assert mrns(response) == ["H-1001", "H-1002"]
    stored = ApiToken.objects.get()
    assert stored.membership == cast.nurse
    assert token.split("_", 2)[2] not in json.dumps(list(ApiToken.objects.values()), default=str)
    event = AuditEvent.objects.get(action="auth.token_created")
    assert (event.actor_label, event.clinic_id, event.data["for_user"]) == (
        "system: ketacare token create",
        cast.clinic.pk,
        "nina@example.com",
    )


@pytest.mark.parametrize(
    "header",
    [
        "Bearer {prefix}_not-the-secret",
        "Bearer kc_000000000000_{secret}",
        "Bearer nonsense",
        "Bearer ",
        "Token {token}",
    ],
)
def test_it_refuses_a_wrong_token(
    cast: Cast, capsys: pytest.CaptureFixture[str], header: str
) -> None:
    token = make_token(capsys, "nina@example.com")
    prefix, secret = token.rsplit("_", 1)[0], token.split("_", 2)[2]
    response = Client().get(
        URL, HTTP_AUTHORIZATION=header.format(prefix=prefix, secret=secret, token=token)
    )
    assert response.status_code == 401
    assert problem(response)["detail"] == "Send 'Authorization: Bearer <token>' or log in"


def test_it_refuses_an_expired_token(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    token = make_token(capsys, "nina@example.com", "--days", "1")
    issued = timezone.now()
    with time_machine.travel(issued + timedelta(hours=23), tick=False):
        assert Client().get(URL, **bearer(token)).status_code == 200
    with time_machine.travel(issued + timedelta(days=1, seconds=1), tick=False):
        response = Client().get(URL, **bearer(token))
    assert response.status_code == 401
    assert problem(response)["title"] == "Unauthorized"


def test_it_refuses_a_revoked_token(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    token = make_token(capsys, "nina@example.com")
    assert Client().get(URL, **bearer(token)).status_code == 200
    # No service revokes tokens yet; the column is what token_authenticate reads.
    ApiToken.objects.update(revoked_at=timezone.now())
    response = Client().get(URL, **bearer(token))
    assert response.status_code == 401
    assert problem(response)["type"] == "https://ketacare.org/problems/unauthorized"


def test_it_opens_only_their_own_record_to_a_patients_token(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    token = make_token(capsys, "dan@example.com")
    client = Client()
    own = client.get(f"{URL}/{cast.dan.pk}", **bearer(token))
    assert own.status_code == 200
    assert own.json()["mrn"] == "H-1001"
    other = client.get(f"{URL}/{cast.zoe.pk}", **bearer(token))
    assert other.status_code == 404
    assert problem(other)["detail"] == "No such patient"
    listing = client.get(URL, **bearer(token))
    assert listing.status_code == 403
    assert problem(listing)["detail"] == "your role does not allow patient.list"
    edit = patch(
        client, f"{URL}/{cast.dan.pk}", {"version": 2, "phone": "+1 617 555 0199"}, **bearer(token)
    )
    assert edit.status_code == 403
    assert _dan(cast).version == 2


def test_it_needs_no_csrf_token_with_a_bearer_token(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    token = make_token(capsys, "nina@example.com")
    response = post(Client(enforce_csrf_checks=True), URL, NEW, **bearer(token))
    assert response.status_code == 201
    assert Patient.objects.filter(clinic=cast.clinic).count() == 3


@pytest.mark.parametrize("authorization", [None, "Bearer kc_000000000000_wrong"])
def test_it_answers_401_to_a_write_without_a_valid_token(
    cast: Cast, authorization: str | None
) -> None:
    """A program (it has no CSRF cookie) must be told to authenticate, not get a CSRF 403."""
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    client = Client(enforce_csrf_checks=True)
    response = post(client, URL, NEW, **extra)
    assert response.status_code == 401
    assert problem(response)["type"] == "https://ketacare.org/problems/unauthorized"
    assert Patient.objects.count() == 3


# --- the browser session ----------------------------------------------------------------------


def csrf_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies = logged_in(user).cookies
    return client


def test_it_needs_the_csrf_token_for_writes_from_a_browser_session(cast: Cast) -> None:
    client = csrf_client(cast.nurse.user)
    events = writes()
    refused = post(client, URL, NEW)
    assert refused.status_code == 403
    assert problem(refused) == {
        "type": "https://ketacare.org/problems/http",
        "title": "Error",
        "status": 403,
        "detail": "CSRF check Failed",
    }
    refused_edit = patch(client, f"{URL}/{cast.dan.pk}", {"version": 2, "phone": "+1 617 555 0199"})
    assert refused_edit.status_code == 403
    assert (Patient.objects.count(), _dan(cast).version, writes()) == (3, 2, events)
    # Reads need no token.
    assert client.get(URL).status_code == 200
    assert client.get("/patients/new/").status_code == 200  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post(client, URL, NEW, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert Patient.objects.get(pk=accepted.json()["id"]).clinic_id == cast.clinic.pk


# --- every error is problem+json --------------------------------------------------------------


def _expired_session(cast: Cast) -> Client:
    client = logged_in(cast.nurse.user)
    s = client.session
    s[session.SEEN_AT] = timezone.now().timestamp() - 31 * 60
    s.save()
    return client


def _second_factor_pending(cast: Cast) -> Client:
    user = cast.nurse.user
    device = accounts.totp_begin(user)
    assert accounts.totp_confirm(actor_for(cast.nurse), device, pyotp.TOTP(device.secret).now())
    client = logged_in(user)
    s = client.session
    s[session.MFA_OK] = False
    s.save()
    return client


ERRORS = {
    "401 no credentials": (401, lambda cast, as_role: Client().get(URL)),
    "403 patient lists": (403, lambda cast, as_role: as_role("patient").get(URL)),
    "404 other patient": (
        404,
        lambda cast, as_role: as_role("patient").get(f"{URL}/{cast.zoe.pk}"),
    ),
    "404 unknown row": (
        404,
        lambda cast, as_role: patch(
            as_role("nurse"), f"{URL}/{cast.dan.pk}/measurements/999999", {"version": 1}
        ),
    ),
    "409 stale": (
        409,
        lambda cast, as_role: patch(
            as_role("nurse"), f"{URL}/{cast.dan.pk}", {"version": 1, "city": "Salem"}
        ),
    ),
    "422 bad sort": (422, lambda cast, as_role: as_role("nurse").get(URL, {"sort": "x"})),
    "422 bad uuid": (422, lambda cast, as_role: as_role("nurse").get(f"{URL}/not-a-uuid")),
    "400 body not json": (
        400,
        lambda cast, as_role: as_role("nurse").post(URL, "{not json", content_type=JSON),
    ),
    "405 method": (405, lambda cast, as_role: as_role("nurse").delete(URL)),
    "404 no such operation": (404, lambda cast, as_role: as_role("nurse").get("/api/v1/visits")),
    "401 session expired": (401, lambda cast, as_role: _expired_session(cast).get(URL)),
    "401 second factor pending": (401, lambda cast, as_role: _second_factor_pending(cast).get(URL)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_it_answers_every_api_error_as_problem_json(cast: Cast, as_role: Any, case: str) -> None:
    status, send = ERRORS[case]
    response = send(cast, as_role)
    assert response.status_code == status
    body = problem(response)
    assert sorted(body) in (
        ["detail", "status", "title", "type"],
        ["detail", "invalid_params", "status", "title", "type"],
    )
    assert body["type"].startswith("https://ketacare.org/problems/")
