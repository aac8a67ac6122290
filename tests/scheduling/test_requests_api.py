"""/api/v1/consultation-requests: list, add, change, each with the four-way permission test
(anonymous 401, another clinic 404 or none of ours, the patient role 403, the desk 200/201),
bad input as a 422 naming the field and the rule, a stale version as a 409."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

from ketacare.scheduling.models import ConsultationRequest
from tests.conftest import Cast
from tests.scheduling.requests_helpers import ask, ask_lakeside

URL = "/api/v1/consultation-requests"
JSON = "application/json"


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    return json.loads(response.content)  # type: ignore[no-any-return]


def invalid(response: HttpResponse) -> dict[str, str]:
    assert response.status_code == 422, response.content[:300]
    return {p["name"]: p["reason"] for p in problem(response)["invalid_params"]}


def post(client: Client, body: dict[str, Any]) -> HttpResponse:
    return client.post(URL, json.dumps(body), content_type=JSON)


def patch(client: Client, pk: int, body: dict[str, Any]) -> HttpResponse:
    return client.patch(f"{URL}/{pk}", json.dumps(body), content_type=JSON)


def test_listing_four_ways(cast: Cast, as_role: Any) -> None:
    row = ask(cast, message="Interested in infusions")
    ask_lakeside(cast)
    assert problem(as_role("anonymous").get(URL))["status"] == 401
    assert problem(as_role("patient").get(URL))["status"] == 403
    # Another clinic's staff see their own clinic's requests, never Harbor's.
    theirs = as_role("outsider").get(URL)
    assert (theirs.status_code, [r["full_name"] for r in theirs.json()]) == (200, ["Lee Lake"])
    ours = as_role("front_desk").get(URL)
    assert ours.status_code == 200
    [listed] = ours.json()
    assert {k: v for k, v in listed.items() if k not in ("created_at", "updated_at")} == {
        "id": row.pk,
        "full_name": "Pat Quinn",
        "email": "",
        "phone": "+1 617 555 0142",
        "preferred_times": "",
        "message": "Interested in infusions",
        "status": "new",
        "note": "",
        "patient_id": None,
        "appointment_id": None,
        "version": 1,
    }


def test_the_list_filters_by_status_and_refuses_an_unknown_one(cast: Cast, as_role: Any) -> None:
    first, second = ask(cast, "First Caller"), ask(cast, "Second Caller")
    desk = as_role("front_desk")
    assert patch(desk, first.pk, {"version": 1, "status": "contacted"}).status_code == 200
    assert [r["id"] for r in desk.get(f"{URL}?status=contacted").json()] == [first.pk]
    assert [r["id"] for r in desk.get(f"{URL}?status=new").json()] == [second.pk]
    assert invalid(desk.get(f"{URL}?status=pending")) == {
        "status": "must be one of: new, contacted, booked, closed"
    }
    assert invalid(desk.get(f"{URL}?limit=0")) == {"limit": "must be between 1 and 500"}


def test_adding_four_ways(cast: Cast, as_role: Any) -> None:
    body = {"full_name": "Ann Call", "email": "ann@example.com", "preferred_times": "after 5pm"}
    assert problem(post(as_role("anonymous"), body))["status"] == 401
    assert problem(post(as_role("patient"), body))["status"] == 403
    theirs = post(as_role("outsider"), body)
    assert (theirs.status_code, theirs.json()["full_name"]) == (201, "Ann Call")
    created = post(as_role("front_desk"), body)
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["preferred_times"]) == ("new", "after 5pm")
    assert sorted(ConsultationRequest.objects.values_list("clinic_id", flat=True)) == sorted(
        [cast.clinic.pk, cast.other_clinic.pk]
    )


def test_bad_input_names_the_field_and_the_rule(cast: Cast, as_role: Any) -> None:
    desk = as_role("front_desk")
    assert invalid(post(desk, {"full_name": "Ann"})) == {
        "email": "give an email address or a phone number: one of them is required",
        "phone": "give an email address or a phone number: one of them is required",
    }
    assert invalid(post(desk, {"full_name": "", "phone": "5" * 33, "shoe_size": 9})) == {
        "full_name": "String should have at least 1 character",
        "phone": "String should have at most 32 characters",
        "shoe_size": "Extra inputs are not permitted",
    }
    assert invalid(post(desk, {"full_name": "Ann", "email": "ann@", "message": "m" * 2001})) == {
        "message": "String should have at most 2000 characters"
    }
    assert invalid(post(desk, {"full_name": "Ann", "email": "ann@"})) == {
        "email": "must be an email address such as name@example.com"
    }
    assert ConsultationRequest.objects.count() == 0


def test_changing_four_ways(cast: Cast, as_role: Any) -> None:
    row = ask(cast)
    body = {"version": 1, "status": "contacted", "note": "call back Tuesday"}
    assert problem(patch(as_role("anonymous"), row.pk, body))["status"] == 401
    assert problem(patch(as_role("patient"), row.pk, body))["status"] == 403
    assert problem(patch(as_role("outsider"), row.pk, body))["status"] == 404
    done = patch(as_role("front_desk"), row.pk, body)
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["note"], done.json()["version"]) == (
        "contacted",
        "call back Tuesday",
        2,
    )


def test_a_stale_version_is_a_409_and_closing_needs_a_note(cast: Cast, as_role: Any) -> None:
    row = ask(cast)
    desk = as_role("front_desk")
    assert patch(desk, row.pk, {"version": 1, "note": "no answer"}).status_code == 200
    stale = patch(desk, row.pk, {"version": 1, "status": "closed"})
    assert stale.status_code == 409
    assert problem(stale)["invalid_params"] == [
        {
            "name": "version",
            "reason": "this record is at version 2, your edit was based on version 1; reload "
            "it and apply your change again",
        }
    ]
    assert invalid(patch(desk, row.pk, {"version": 2, "status": "closed", "note": ""})) == {
        "note": "say why the request is closed (1-2000 characters)"
    }
    assert invalid(patch(desk, row.pk, {"version": 2, "status": "booked"})) == {
        "status": "must be one of: new, contacted, closed"
    }
    assert invalid(patch(desk, row.pk, {"status": "closed"})) == {"version": "Field required"}
    closed = patch(desk, row.pk, {"version": 2, "status": "closed"})
    assert (closed.status_code, closed.json()["note"]) == (200, "no answer")
