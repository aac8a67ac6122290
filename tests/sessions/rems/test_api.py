"""/api/v1/sessions/{id}/rems-form(.pdf), /sessions/{id}/note.pdf, /rems/forms and
/rems/forms/{id}/submitted.

Each has the four-way test: anonymous 401; a patient login 403 (their own session: the form
and the note are the clinic's paperwork), another clinic's user 404; staff without the
permission (the front desk) 403; the right role 2xx (with a session, and with a bearer token).
Then the exact answers: every field and ``missing``, 409 for a second submission or an unsigned
note, 422 naming the empty fields, and an ``Idempotency-Key`` retry that records once.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from ketacare.accounts import services as accounts
from ketacare.audit.models import AuditEvent
from ketacare.sessions.models import RemsForm
from tests.conftest import SETUP, logged_in

from .test_inputs import COMPLETE
from .world import World, sign_note

KEY = "5f0e2f8e-4d5a-4e3b-9c1d-7a8e9f0a1b2d"
BODY = {
    "method": "portal",
    "submitted_at": "2026-03-03T19:00:00Z",
    "confirmation": "REMS-778812",
}


def client_for(world: World, role: str) -> Client:
    cast = world.cast
    members = {
        "owner": cast.owner,
        "prescriber": cast.prescriber,
        "nurse": cast.nurse,
        "front_desk": cast.front_desk,
        "patient": cast.dan_login,
        "outsider": cast.outsider,
    }
    return Client() if role == "anonymous" else logged_in(members[role].user)


def call(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> HttpResponse:
    if method == "GET":
        return client.get(path, **extra)
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    return json.loads(response.content)  # type: ignore[no-any-return]


def endpoints(world: World) -> dict[str, tuple[str, str, Any]]:
    session, form = world.session.pk, world.form.pk
    return {
        "form": ("GET", f"/api/v1/sessions/{session}/rems-form", None),
        "form_pdf": ("GET", f"/api/v1/sessions/{session}/rems-form.pdf", None),
        "note_pdf": ("GET", f"/api/v1/sessions/{session}/note.pdf", None),
        "queue": ("GET", "/api/v1/rems/forms?status=due", None),
        "submit": ("POST", f"/api/v1/rems/forms/{form}/submitted", BODY),
    }


@pytest.fixture
def signed(complete: World) -> World:
    complete.at(14, 0)
    sign_note(complete)
    return complete


def unchanged(world: World) -> tuple[Any, ...]:
    form = RemsForm.objects.get(pk=world.form.pk)
    return (form.submitted_at, form.version, form.fields)


# --- four-way permissions ----------------------------------------------------------------------

NAMES = ["form", "form_pdf", "note_pdf", "queue", "submit"]


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_gets_401(signed: World, name: str) -> None:
    method, path, body = endpoints(signed)[name]
    before = unchanged(signed)
    response = call(client_for(signed, "anonymous"), method, path, body)
    assert (response.status_code, problem(response)["status"]) == (401, 401)
    assert unchanged(signed) == before


@pytest.mark.parametrize("name", NAMES)
def test_a_patient_gets_403_for_their_own_session(signed: World, name: str) -> None:
    method, path, body = endpoints(signed)[name]
    before = unchanged(signed)
    response = call(client_for(signed, "patient"), method, path, body)
    assert response.status_code == 403, response.content[:300]
    assert unchanged(signed) == before


@pytest.mark.parametrize("name", NAMES)
def test_the_front_desk_gets_403(signed: World, name: str) -> None:
    method, path, body = endpoints(signed)[name]
    before = unchanged(signed)
    response = call(client_for(signed, "front_desk"), method, path, body)
    assert response.status_code == 403, response.content[:300]
    assert unchanged(signed) == before


@pytest.mark.parametrize("name", ["form", "form_pdf", "note_pdf", "submit"])
def test_another_clinic_gets_404(signed: World, name: str) -> None:
    method, path, body = endpoints(signed)[name]
    before = unchanged(signed)
    response = call(client_for(signed, "outsider"), method, path, body)
    assert response.status_code == 404, response.content[:300]
    assert unchanged(signed) == before


def test_another_clinics_queue_is_empty(signed: World) -> None:
    response = client_for(signed, "outsider").get("/api/v1/rems/forms?status=due")
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("name", "status", "content_type"),
    [
        ("form", 200, "application/json; charset=utf-8"),
        ("form_pdf", 200, "application/pdf"),
        ("note_pdf", 200, "application/pdf"),
        ("queue", 200, "application/json; charset=utf-8"),
        ("submit", 200, "application/json; charset=utf-8"),
    ],
)
def test_the_nurse_gets_the_answer(
    signed: World, name: str, status: int, content_type: str
) -> None:
    method, path, body = endpoints(signed)[name]
    response = call(client_for(signed, "nurse"), method, path, body)
    assert (response.status_code, response["Content-Type"]) == (status, content_type)
    if content_type == "application/pdf":
        assert response.content.startswith(b"%PDF-")
        assert response["Cache-Control"] == "no-store"


def test_a_bearer_token_reads_the_form(signed: World) -> None:
    token = accounts.token_create(SETUP, membership=signed.cast.owner, name="rems tests")
    response = Client().get(endpoints(signed)["form"][1], HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


# --- exact answers -----------------------------------------------------------------------------


def test_the_form_has_every_field_and_what_is_missing(signed: World) -> None:
    data = client_for(signed, "owner").get(endpoints(signed)["form"][1]).json()
    fields = {f["key"]: f for s in data["sections"] for f in s["fields"]}
    assert {k: f["text"] for k, f in fields.items()} == COMPLETE
    assert fields["lot_numbers"]["value"] == ["SP-7781", "SP-7790"]
    assert fields["total_monitoring_min"]["value"] == 130
    assert fields["sedation"]["value"] is True
    assert (data["missing"], data["status"], data["due_on"], data["days_left"]) == (
        [],
        "due",
        "2026-03-10",
        7,
    )
    assert (data["id"], data["session_id"], data["patient_id"]) == (
        signed.form.pk,
        signed.session.pk,
        str(signed.cast.dan.pk),
    )


def test_the_queue_lists_the_form(signed: World) -> None:
    rows = client_for(signed, "prescriber").get("/api/v1/rems/forms?status=due").json()
    assert rows == [
        {
            "id": signed.form.pk,
            "session_id": signed.session.pk,
            "patient_id": str(signed.cast.dan.pk),
            "patient": "Dawson, Dan (H-1001)",
            "session_date": "2026-03-03",
            "due_on": "2026-03-10",
            "days_left": 7,
            "missing_count": 0,
            "submitted_at": None,
        }
    ]
    assert client_for(signed, "prescriber").get("/api/v1/rems/forms?status=overdue").json() == []
    bad = client_for(signed, "prescriber").get("/api/v1/rems/forms?status=late")
    assert bad.status_code == 422


def test_submitting_records_once_with_an_idempotency_key(signed: World) -> None:
    nurse = client_for(signed, "nurse")
    path = endpoints(signed)["submit"][1]
    upload = {
        **BODY,
        "file": {
            "name": "receipt.pdf",
            "content_type": "application/pdf",
            "data_base64": base64.b64encode(b"%PDF-1.4 receipt").decode(),
        },
    }
    first = call(nurse, "POST", path, upload, HTTP_IDEMPOTENCY_KEY=KEY)
    again = call(nurse, "POST", path, upload, HTTP_IDEMPOTENCY_KEY=KEY)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    data = first.json()
    assert (
        data["status"],
        data["method"],
        data["confirmation"],
        data["submitted_at"],
        data["submitted_by"],
        data["confirmation_file_name"],
        data["version"],
    ) == (
        "submitted",
        "portal",
        "REMS-778812",
        "2026-03-03T19:00:00Z",
        "Nina Nurse <nina@example.com> (nurse)",
        "receipt.pdf",
        2,
    )
    assert AuditEvent.objects.filter(action="rems_form.submit").count() == 1
    form = RemsForm.objects.get(pk=signed.form.pk)
    assert bytes(form.confirmation_file) == b"%PDF-1.4 receipt"


def test_a_second_submission_answers_409(signed: World) -> None:
    nurse = client_for(signed, "nurse")
    path = endpoints(signed)["submit"][1]
    assert call(nurse, "POST", path, BODY).status_code == 200
    before = unchanged(signed)
    response = call(nurse, "POST", path, {**BODY, "confirmation": "OTHER"})
    assert response.status_code == 409
    assert problem(response)["invalid_params"] == [
        {
            "name": "form",
            "reason": "this form was submitted already (REMS portal, confirmation REMS-778812, "
            "by Nina Nurse <nina@example.com> (nurse))",
        }
    ]
    assert unchanged(signed) == before


def test_empty_fields_answer_422_naming_them(charted: World) -> None:
    charted.at(12, 30)
    response = call(
        client_for(charted, "nurse"),
        "POST",
        f"/api/v1/rems/forms/{charted.form.pk}/submitted",
        {**BODY, "submitted_at": "2026-03-03T17:30:00Z"},
    )
    assert response.status_code == 422
    assert [p["name"] for p in problem(response)["invalid_params"]] == [
        "fields.monitoring_end_time",
        "fields.total_monitoring_min",
        "fields.ready_without_rule_min",
        "fields.vitals_acceptable_before_completion",
        "fields.bp_before_completion",
    ]
    assert RemsForm.objects.get(pk=charted.form.pk).submitted_at is None


def test_bad_base64_answers_422(signed: World) -> None:
    body = {
        **BODY,
        "file": {"name": "r.pdf", "content_type": "application/pdf", "data_base64": "ab=c"},
    }
    response = call(client_for(signed, "nurse"), "POST", endpoints(signed)["submit"][1], body)
    assert response.status_code == 422
    assert problem(response)["invalid_params"] == [
        {"name": "file.data_base64", "reason": "must be the file's bytes in base64"}
    ]


def test_an_unsigned_note_answers_409(complete: World) -> None:
    response = client_for(complete, "nurse").get(endpoints(complete)["note_pdf"][1])
    assert response.status_code == 409
    assert problem(response)["detail"] == (
        "note: the note is not signed yet: only a signed note is printed"
    )
