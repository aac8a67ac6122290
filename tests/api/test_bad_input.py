"""The API refuses bad input at its schema: 422 problem+json naming the field (never a 500),
and nothing is written: the row counts, the rows an edit aims at and the audit write events
stay as they were.

Bodies are sent as raw text where Python's JSON parser must see what a client can send:
``NaN`` and ``Infinity`` (Python's json accepts them), and a lone surrogate as a ``\\ud800``
escape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditEvent
from ketacare.lib.inputs import DATE_RANGE
from ketacare.lib.text import CONTROL_MESSAGE, LINE_MESSAGE
from ketacare.patients import services as patients
from ketacare.patients.models import (
    BodyMeasurement,
    Condition,
    Coverage,
    MedicationTrial,
    Patient,
    RelatedPerson,
)
from ketacare.screening.models import Intake, ScreeningResult
from ketacare.treatment.models import TreatmentPlan
from tests.api.test_candidacy_api import PHQ9_SI, draft_plan, intake_body, screen_dan
from tests.api.test_patients_api import NEW, TRIAL, invalid, patch, post, problem
from tests.conftest import Cast

URL = "/api/v1/patients"
JSON = "application/json"
WRITE_ACTIONS = (
    "patient.create",
    "patient.update",
    "patient.deactivate",
    "patient.reactivate",
    "record.create",
    "record.update",
    "questionnaire.record",
    "intake.record",
    "alert.raise",
    "alert.acknowledge",
    "plan.create",
    "plan.update",
    "plan.sign",
)
NOT_FINITE = "Input should be a finite number"
NOT_FINITE_DECIMAL = "must be a finite number (not NaN or Infinity)"
NOT_DECIMAL_TEXT = "must be a number such as 82.5"
NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"
CONCENTRATION = "must be between 0.1 and 100 mg/mL; got {}"
UNSUPPORTED = {
    "type": "https://ketacare.org/problems/unsupported-media-type",
    "title": "Unsupported media type",
    "status": 415,
    "invalid_params": [
        {
            "name": "Content-Type",
            "reason": "must be application/json or application/merge-patch+json",
        }
    ],
}


def stored(cast: Cast) -> dict[str, Any]:
    """Everything a refused request could have written: row counts, the rows the edits in
    this file aim at, and the audit write events."""
    plan = TreatmentPlan.objects.filter(patient=cast.dan).order_by("id").values().first()
    return {
        "patients": Patient.objects.count(),
        "contacts": RelatedPerson.objects.count(),
        "coverage": Coverage.objects.count(),
        "measurements": BodyMeasurement.objects.count(),
        "conditions": Condition.objects.count(),
        "trials": MedicationTrial.objects.count(),
        "intakes": Intake.objects.count(),
        "screenings": ScreeningResult.objects.count(),
        "plans": TreatmentPlan.objects.count(),
        "alerts": list(Alert.objects.order_by("id").values()),
        "dan": Patient.objects.filter(pk=cast.dan.pk).values().get(),
        "plan": plan,
        "writes": AuditEvent.objects.filter(action__in=WRITE_ACTIONS).count(),
    }


def raw(client: Client, method: str, path: str, text: str) -> HttpResponse:
    """Send ``text`` as the JSON body exactly as written."""
    return client.generic(method, path, text.encode(), content_type=JSON)


def with_token(body: dict[str, Any], field: str, token: str) -> str:
    """``body`` as JSON text with ``field`` set to a bare token such as ``NaN``."""
    text = json.dumps({**body, field: "__TOKEN__"})
    return text.replace('"__TOKEN__"', token)


@pytest.fixture
def nurse(as_role: Any) -> Client:
    return as_role("nurse")  # type: ignore[no-any-return]


@pytest.fixture
def prescriber(as_role: Any) -> Client:
    return as_role("prescriber")  # type: ignore[no-any-return]


@pytest.fixture
def screened(cast: Cast) -> Cast:
    """Dan screened with a positive PHQ-9 item 9 (so an open alert), and a draft plan."""
    screen_dan(cast, phq9=PHQ9_SI)
    draft_plan(cast)
    return cast


def plans_url(cast: Cast) -> str:
    return f"{URL}/{cast.dan.pk}/plans"


def plan_url(cast: Cast) -> str:
    return f"/api/v1/plans/{TreatmentPlan.objects.get(patient=cast.dan).pk}"


# --- numbers that are not numbers -------------------------------------------------------------

NON_FINITE = ["NaN", "Infinity", "-Infinity"]


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize("field", ["dose_mg", "concentration_mg_per_ml"])
def test_a_new_plan_refuses_a_number_that_is_not_finite(
    screened: Cast, prescriber: Client, field: str, token: str
) -> None:
    before = stored(screened)
    body = with_token({"protocol": "depression-iv-induction"}, field, token)

    response = raw(prescriber, "POST", plans_url(screened), body)

    assert invalid(response) == {field: NOT_FINITE}
    assert stored(screened) == before


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize("field", ["dose_mg", "concentration_mg_per_ml"])
def test_a_plan_edit_refuses_a_number_that_is_not_finite(
    screened: Cast, prescriber: Client, field: str, token: str
) -> None:
    before = stored(screened)

    response = raw(
        prescriber, "PATCH", plan_url(screened), with_token({"version": 1}, field, token)
    )

    assert invalid(response) == {field: NOT_FINITE}
    assert stored(screened) == before


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("NaN", NOT_FINITE_DECIMAL),
        ("Infinity", NOT_FINITE_DECIMAL),
        ("-Infinity", NOT_FINITE_DECIMAL),
        ('"NaN"', NOT_DECIMAL_TEXT),
        ('"Infinity"', NOT_DECIMAL_TEXT),
        ('"-Infinity"', NOT_DECIMAL_TEXT),
    ],
)
def test_a_measurement_refuses_a_weight_that_is_not_finite(
    cast: Cast, nurse: Client, token: str, reason: str
) -> None:
    before = stored(cast)
    body = with_token({"measured_on": "2026-01-20"}, "weight_kg", token)

    response = raw(nurse, "POST", f"{URL}/{cast.dan.pk}/measurements", body)

    assert invalid(response) == {"weight_kg": reason}
    assert stored(cast) == before


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("NaN", NOT_FINITE),
        ("Infinity", NOT_FINITE),
        ("-Infinity", NOT_FINITE),
        ('"NaN"', "Input should be a valid number"),
    ],
)
def test_an_intake_refuses_a_weight_that_is_not_finite(
    cast: Cast, nurse: Client, token: str, reason: str
) -> None:
    before = stored(cast)
    body = with_token(intake_body(), "weight_kg", token)

    response = raw(nurse, "POST", f"{URL}/{cast.dan.pk}/intakes", body)

    assert invalid(response) == {"weight_kg": reason}
    assert stored(cast) == before


# --- the concentration a dose is drawn up at --------------------------------------------------

TOO_WEAK_OR_STRONG = [
    ("1e-20", "1e-20"),
    ("3e-57", "3e-57"),
    ("0.09", "0.09"),
    ("100.01", "100.01"),
]


@pytest.mark.parametrize(("value", "got"), TOO_WEAK_OR_STRONG)
def test_a_new_plan_refuses_a_concentration_outside_0_1_to_100_mg_per_ml(
    screened: Cast, prescriber: Client, value: str, got: str
) -> None:
    before = stored(screened)
    body = with_token({"protocol": "depression-iv-induction"}, "concentration_mg_per_ml", value)

    response = raw(prescriber, "POST", plans_url(screened), body)

    assert invalid(response) == {"concentration_mg_per_ml": CONCENTRATION.format(got)}
    assert stored(screened) == before


@pytest.mark.parametrize(("value", "got"), TOO_WEAK_OR_STRONG)
def test_a_plan_edit_refuses_a_concentration_outside_0_1_to_100_mg_per_ml(
    screened: Cast, prescriber: Client, value: str, got: str
) -> None:
    before = stored(screened)
    body = with_token({"version": 1}, "concentration_mg_per_ml", value)

    response = raw(prescriber, "PATCH", plan_url(screened), body)

    assert invalid(response) == {"concentration_mg_per_ml": CONCENTRATION.format(got)}
    assert stored(screened) == before


@pytest.mark.parametrize(
    ("concentration", "volume_ml", "rate_ml_per_h"),
    # Dan's 41.3 mg (0.5 mg/kg x 82.5 kg) over 40 minutes.
    [(0.1, 413.0, 619.5), (100, 0.41, 0.6)],
)
def test_a_plan_accepts_the_weakest_and_the_strongest_concentration(
    cast: Cast,
    prescriber: Client,
    concentration: float,
    volume_ml: float,
    rate_ml_per_h: float,
) -> None:
    screen_dan(cast)
    body = {"protocol": "depression-iv-induction", "concentration_mg_per_ml": concentration}

    created = post(prescriber, plans_url(cast), body)

    assert created.status_code == 201, created.content[:300]
    dose = created.json()["dose"]
    assert (dose["dose_mg"], dose["volume_ml"], dose["rate_ml_per_h"]) == (
        41.3,
        volume_ml,
        rate_ml_per_h,
    )
    plan = TreatmentPlan.objects.get(patient=cast.dan)
    assert (plan.dose["volume_ml"], plan.version) == (volume_ml, 1)

    edited = patch(
        prescriber, f"/api/v1/plans/{plan.pk}", {"version": 1, "concentration_mg_per_ml": 1}
    )

    assert edited.status_code == 200, edited.content[:300]
    assert edited.json()["dose"]["volume_ml"] == 41.3


def test_a_protocol_the_screening_does_not_open_refuses_a_bad_concentration_before_the_reason(
    cast: Cast, prescriber: Client
) -> None:
    """The schema answers first: the missing override reason is not what the caller is told."""
    screen_dan(cast, medication_trials=[])
    before = stored(cast)
    body = with_token({"protocol": "esketamine-trd-induction"}, "concentration_mg_per_ml", "1e-20")

    response = raw(prescriber, "POST", plans_url(cast), body)

    assert invalid(response) == {"concentration_mg_per_ml": CONCENTRATION.format("1e-20")}
    assert stored(cast) == before


# --- text: control characters, line breaks, surrogates ----------------------------------------

CONTROLS = {"NUL": "\x00", "BEL": "\x07", "ESC": "\x1b", "DEL": "\x7f", "NEL": "\x85"}


def _alert_url(cast: Cast) -> str:
    return f"/api/v1/alerts/{Alert.objects.get(patient=cast.dan).pk}/acknowledge"


#: Where a text field is written: (method, path, body with the text, field).
TEXT_FIELDS: dict[str, Any] = {
    "a new patient's given name": lambda cast, text: (
        "POST",
        URL,
        {**NEW, "given_name": f"Ma{text}ya"},
        "given_name",
    ),
    "a new patient's family name": lambda cast, text: (
        "POST",
        URL,
        {**NEW, "family_name": f"Lind{text}qvist"},
        "family_name",
    ),
    "an edited given name": lambda cast, text: (
        "PATCH",
        f"{URL}/{cast.dan.pk}",
        {"version": 2, "given_name": f"D{text}an"},
        "given_name",
    ),
    "an edited family name": lambda cast, text: (
        "PATCH",
        f"{URL}/{cast.dan.pk}",
        {"version": 2, "family_name": f"Daw{text}son"},
        "family_name",
    ),
    "a contact's name": lambda cast, text: (
        "POST",
        f"{URL}/{cast.dan.pk}/contacts",
        {"relationship": "escort", "name": f"A{text}na", "phone": "+1 617 555 0142"},
        "name",
    ),
    "an alert acknowledgement note": lambda cast, text: (
        "POST",
        _alert_url(cast),
        {"note": f"Safety plan{text} reviewed"},
        "note",
    ),
    "a new plan's course note": lambda cast, text: (
        "POST",
        plans_url(cast),
        {"protocol": "depression-iv-induction", "course_note": f"Six{text} infusions"},
        "course_note",
    ),
    "an edited plan's course note": lambda cast, text: (
        "PATCH",
        plan_url(cast),
        {"version": 1, "course_note": f"Six{text} infusions"},
        "course_note",
    ),
}


@pytest.mark.parametrize("char", list(CONTROLS))
@pytest.mark.parametrize("where", list(TEXT_FIELDS))
def test_a_control_character_is_refused_in_every_text_field(
    screened: Cast, as_role: Any, where: str, char: str
) -> None:
    method, path, body, field = TEXT_FIELDS[where](screened, CONTROLS[char])
    client = as_role("prescriber" if "plan" in where else "nurse")
    before = stored(screened)

    response = raw(client, method, path, json.dumps(body))

    assert invalid(response) == {field: CONTROL_MESSAGE}
    assert stored(screened) == before


@pytest.mark.parametrize("text", ["\t", "\n", "\r\n", "\u2028"])
@pytest.mark.parametrize("where", ["a new patient's given name", "an edited given name"])
def test_a_tab_or_line_break_is_refused_in_a_one_line_field(
    cast: Cast, nurse: Client, where: str, text: str
) -> None:
    method, path, body, field = TEXT_FIELDS[where](cast, text)
    before = stored(cast)

    response = raw(nurse, method, path, json.dumps(body))

    assert invalid(response) == {field: LINE_MESSAGE}
    assert stored(cast) == before


FREE_TEXT = "Induction:\n\tsix infusions over 2-3 weeks\r\nthen reassess"


def test_a_plans_course_note_keeps_its_tabs_and_line_breaks(cast: Cast, prescriber: Client) -> None:
    screen_dan(cast)
    body = {"protocol": "depression-iv-induction", "course_note": FREE_TEXT}

    created = post(prescriber, plans_url(cast), body)

    assert created.status_code == 201, created.content[:300]
    plan = TreatmentPlan.objects.get(patient=cast.dan)
    assert (created.json()["course_note"], plan.course_note) == (FREE_TEXT, FREE_TEXT)
    longer = f"{FREE_TEXT}\n\tweekly if it helps"

    edited = patch(prescriber, f"/api/v1/plans/{plan.pk}", {"version": 1, "course_note": longer})

    assert edited.status_code == 200, edited.content[:300]
    assert TreatmentPlan.objects.get(pk=plan.pk).course_note == longer


def test_a_medication_trials_notes_keep_their_tabs_and_line_breaks(
    cast: Cast, nurse: Client
) -> None:
    response = post(nurse, f"{URL}/{cast.dan.pk}/trials", {**TRIAL, "notes": FREE_TEXT})

    assert response.status_code == 201, response.content[:300]
    assert MedicationTrial.objects.get(patient=cast.dan).notes == FREE_TEXT


@pytest.mark.parametrize(
    ("method", "where", "text", "field"),
    [
        (
            "POST",
            "patients",
            '{"given_name": "Ma\\ud800ya", "family_name": "Lindqvist", '
            '"date_of_birth": "1988-07-14", "sex_at_birth": "female"}',
            "given_name",
        ),
        ("PATCH", "dan", '{"version": 2, "family_name": "Daw\\udfffson"}', "family_name"),
        (
            "POST",
            "plans",
            '{"protocol": "depression-iv-induction", "course_note": "Six \\ud83d infusions"}',
            "course_note",
        ),
    ],
)
def test_a_lone_surrogate_is_refused(
    screened: Cast, as_role: Any, method: str, where: str, text: str, field: str
) -> None:
    """``\\ud800`` alone is not a character: it cannot be stored as UTF-8."""
    path = {"patients": URL, "dan": f"{URL}/{screened.dan.pk}", "plans": plans_url(screened)}
    before = stored(screened)

    client = as_role("prescriber" if where == "plans" else "nurse")

    response = raw(client, method, path[where], text)

    assert invalid(response) == {field: NOT_UNICODE}
    assert stored(screened) == before


def test_a_search_with_a_nul_byte_is_422_naming_q(cast: Cast, nurse: Client) -> None:
    """On PostgreSQL a NUL in a query parameter is a database error (a 500) if it gets there."""
    searches = AuditEvent.objects.filter(action="patient.search").count()

    response = nurse.get(f"{URL}?q=a%00b")

    assert invalid(response) == {"q": CONTROL_MESSAGE}
    assert nurse.get(f"{URL}?q=Daw%1bson").status_code == 422
    assert AuditEvent.objects.filter(action="patient.search").count() == searches


def test_the_patient_list_page_refuses_a_search_with_a_nul_byte(cast: Cast, nurse: Client) -> None:
    searches = AuditEvent.objects.filter(action="patient.search").count()

    response = nurse.get("/patients/?q=a%00b")

    assert response.status_code == 400
    assert response.context["error"] == (
        "q: Null characters are not allowed. Must not contain control characters (such as NUL)."
    )
    assert AuditEvent.objects.filter(action="patient.search").count() == searches


# --- names of only spaces ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "errors"),
    [
        ("a new patient's given name", {"given_name": "is required"}),
        ("an edited given name", {"given_name": "is required"}),
        ("a contact's name", {"name": "is required"}),
    ],
)
def test_a_name_of_only_spaces_is_refused_as_empty(
    cast: Cast, nurse: Client, where: str, errors: dict[str, str]
) -> None:
    method, path, body, field = TEXT_FIELDS[where](cast, "")
    before = stored(cast)

    response = raw(nurse, method, path, json.dumps({**body, field: "   "}))

    assert invalid(response) == errors
    assert stored(cast) == before


# --- what a body may be -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("", "none"),
    ],
)
def test_a_post_whose_body_is_not_json_is_415_naming_content_type(
    cast: Cast, nurse: Client, content_type: str, named: str
) -> None:
    before = stored(cast)

    response = nurse.generic("POST", URL, json.dumps(NEW).encode(), content_type=content_type)

    assert response.status_code == 415
    assert problem(response) == {
        **UNSUPPORTED,
        "detail": f"Content-Type: {named} is not accepted; send application/json or "
        "application/merge-patch+json",
    }
    assert response["Accept-Post"] == "application/json"
    assert stored(cast) == before


def test_a_patch_whose_body_is_not_json_is_415_with_accept_patch(cast: Cast, nurse: Client) -> None:
    before = stored(cast)
    body = json.dumps({"version": 2, "city": "Salem"})

    response = nurse.patch(f"{URL}/{cast.dan.pk}", body, content_type="text/plain")

    assert response.status_code == 415
    assert problem(response)["detail"] == (
        "Content-Type: text/plain is not accepted; send application/json or "
        "application/merge-patch+json"
    )
    assert response["Accept-Patch"] == "application/json, application/merge-patch+json"
    assert stored(cast) == before


def test_a_patch_sent_as_a_json_merge_patch_is_accepted(cast: Cast, nurse: Client) -> None:
    body = json.dumps({"version": 2, "city": "Salem"})

    response = nurse.patch(
        f"{URL}/{cast.dan.pk}", body, content_type="application/merge-patch+json"
    )

    assert response.status_code == 200, response.content[:300]
    assert response.json()["version"] == 3
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert (dan.city, dan.version) == ("Salem", 3)


def test_a_body_above_the_upload_limit_is_413(cast: Cast, nurse: Client) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before = stored(cast)
    body = json.dumps({**NEW, "address_line": ""})
    body = body.replace('"address_line": ""', f'"address_line": "{"x" * (limit - len(body) + 1)}"')
    assert len(body) == limit + 1

    response = nurse.post(URL, body, content_type=JSON)

    assert response.status_code == 413
    assert problem(response) == {
        "type": "https://ketacare.org/problems/payload-too-large",
        "title": "Payload too large",
        "status": 413,
        "detail": f"the body is larger than {limit} bytes",
    }
    assert stored(cast) == before


def test_a_body_of_exactly_the_upload_limit_is_read(cast: Cast, nurse: Client) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before = stored(cast)
    body = json.dumps({**NEW, "address_line": ""})
    body = body.replace('"address_line": ""', f'"address_line": "{"x" * (limit - len(body))}"')
    assert len(body) == limit

    response = nurse.post(URL, body, content_type=JSON)

    assert invalid(response) == {"address_line": "String should have at most 200 characters"}
    assert stored(cast) == before


@pytest.mark.parametrize("text", ["{not json", '{"given_name": "Maya",}', '{"a": 1'])
def test_a_body_that_is_not_json_at_all_is_400(cast: Cast, nurse: Client, text: str) -> None:
    before = stored(cast)

    response = nurse.post(URL, text, content_type=JSON)

    assert response.status_code == 400
    assert problem(response) == {
        "type": "https://ketacare.org/problems/http",
        "title": "Error",
        "status": 400,
        "detail": "Cannot parse request body",
    }
    assert stored(cast) == before


# --- dates ------------------------------------------------------------------------------------


def _outside(day: str) -> str:
    low, high = DATE_RANGE
    return f"must be between {low.isoformat()} and {high.isoformat()}; got {day}"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01", "1899-12-31"])
def test_a_coverage_start_date_outside_the_date_range_is_refused(
    cast: Cast, nurse: Client, day: str
) -> None:
    before = stored(cast)
    body = {"payer_name": "Aetna", "member_id": "W100200300", "start_date": day}

    response = post(nurse, f"{URL}/{cast.dan.pk}/coverage", body)

    assert invalid(response) == {"start_date": _outside(day)}
    assert stored(cast) == before


@pytest.mark.parametrize("day", ["1899-12-31", "1899-01-01"])
def test_a_date_of_birth_before_1900_is_refused(cast: Cast, nurse: Client, day: str) -> None:
    before = stored(cast)

    response = post(nurse, URL, {**NEW, "date_of_birth": day})

    assert invalid(response) == {"date_of_birth": _outside(day)}
    assert stored(cast) == before


@pytest.mark.parametrize("text", ["2026-01-01T00:00:00", "20260101", "2026-1-1", "01/01/2026"])
def test_a_date_not_written_as_yyyy_mm_dd_is_refused(cast: Cast, nurse: Client, text: str) -> None:
    before = stored(cast)
    body = {"measured_on": text, "weight_kg": "80"}

    measurement = post(nurse, f"{URL}/{cast.dan.pk}/measurements", body)
    registration = post(nurse, URL, {**NEW, "date_of_birth": text})

    assert invalid(measurement) == {"measured_on": "must be a date written as YYYY-MM-DD"}
    assert invalid(registration) == {"date_of_birth": "must be a date written as YYYY-MM-DD"}
    assert stored(cast) == before


# --- strict types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        ("dan", {"version": "2", "city": "Salem"}, {"version": "Input should be a valid integer"}),
        ("dan", {"version": 2.5, "city": "Salem"}, {"version": "Input should be a valid integer"}),
        (
            "coverage",
            {"payer_name": "Aetna", "member_id": "W1", "is_primary": 1},
            {"is_primary": "Input should be a valid boolean"},
        ),
        (
            "coverage",
            {"payer_name": "Aetna", "member_id": "W1", "is_primary": "true"},
            {"is_primary": "Input should be a valid boolean"},
        ),
        (
            "contacts",
            {"relationship": "escort", "name": "Ana", "phone": "+1 617 555 0142", "is_active": 0},
            {"is_active": "Input should be a valid boolean"},
        ),
        (
            "measurements",
            {"measured_on": "2026-01-20", "weight_kg": True},
            {"weight_kg": "must be a number"},
        ),
        (
            "trials",
            {**TRIAL, "improvement_percent": "10"},
            {"improvement_percent": "Input should be a valid integer"},
        ),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(
    cast: Cast, nurse: Client, path: str, body: dict[str, Any], errors: dict[str, str]
) -> None:
    before = stored(cast)
    url = f"{URL}/{cast.dan.pk}" + ("" if path == "dan" else f"/{path}")

    response = (patch if path == "dan" else post)(nurse, url, body)

    assert invalid(response) == errors
    assert stored(cast) == before


# --- intake: totals are computed, never taken -------------------------------------------------


def test_an_intake_refuses_scores_sent_by_the_caller(cast: Cast, nurse: Client) -> None:
    """Totals come from the item answers in ``scales``; a ``scores`` field is not the schema's."""
    before = stored(cast)

    response = post(
        nurse, f"{URL}/{cast.dan.pk}/intakes", {**intake_body(), "scores": {"madrs": 60}}
    )

    assert invalid(response) == {
        "scores": "is not accepted: every total is computed from the item answers in `scales`"
    }
    assert stored(cast) == before
    assert Intake.objects.filter(patient=cast.dan).count() == 0


def test_an_intake_refuses_a_cssrs_risk_sent_by_the_caller(cast: Cast, nurse: Client) -> None:
    before = stored(cast)

    response = post(nurse, f"{URL}/{cast.dan.pk}/intakes", {**intake_body(), "cssrs_risk": "none"})

    assert invalid(response) == {
        "cssrs_risk": "is not accepted: the risk is computed from the C-SSRS answers in `scales`"
    }
    assert stored(cast) == before


def test_an_intake_refuses_a_cssrs_intent_sent_by_the_caller(cast: Cast, nurse: Client) -> None:
    """Intent is C-SSRS question 4 or 5 (cssrs-intent-items), computed like the risk; a caller
    claiming it could open the Spravato MDSI route."""
    before = stored(cast)

    response = post(nurse, f"{URL}/{cast.dan.pk}/intakes", {**intake_body(), "cssrs_intent": True})

    assert invalid(response) == {
        "cssrs_intent": "is not accepted: intent is computed from C-SSRS answers 4 and 5 in "
        "`scales`"
    }
    assert stored(cast) == before


# --- null in an edit --------------------------------------------------------------------------


def test_null_clears_the_clearable_text_fields_of_an_edit(cast: Cast, nurse: Client) -> None:
    patients.patient_update(
        cast.actor(cast.nurse),
        cast.dan.pk,
        data={"email": "dan@example.org", "city": "Salem"},
        expected_version=2,
    )

    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 3, "email": None, "city": None})

    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert (body["email"], body["city"], body["version"]) == ("", "", 4)
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert (dan.email, dan.city, dan.version) == ("", "", 4)
    event = AuditEvent.objects.filter(action="patient.update").order_by("-id").first()
    assert event is not None
    assert event.changes == {"email": ["dan@example.org", ""], "city": ["Salem", ""]}


@pytest.mark.parametrize("field", ["given_name", "family_name", "date_of_birth"])
def test_null_is_refused_for_a_required_field_of_an_edit(
    cast: Cast, nurse: Client, field: str
) -> None:
    before = stored(cast)

    response = patch(nurse, f"{URL}/{cast.dan.pk}", {"version": 2, field: None})

    assert invalid(response) == {field: "may not be null: leave the field out to keep it as it is"}
    assert stored(cast) == before
