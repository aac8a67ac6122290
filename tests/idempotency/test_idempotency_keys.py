"""An API write with an ``Idempotency-Key`` is done once: a retry gets the stored answer, the
same key with another body is refused, and a key lives 24 hours. Every API write commits with
its answer or not at all."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.idempotency.models import StoredResponse
from ketacare.patients import queries
from ketacare.patients.models import BodyMeasurement, Patient
from tests.conftest import Cast, logged_in

URL = "/api/v1/patients"
MAYA = {
    "given_name": "Maya",
    "family_name": "Lindqvist",
    "date_of_birth": "1988-07-14",
    "sex_at_birth": "female",
}
KEY = "5f0c6a9e-3f1e-4b7a-9d0e-2b9c1d7e8a41"


def post(client: Client, path: str, body: Any, key: str | None = KEY) -> HttpResponse:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def nurse(cast: Cast) -> Client:
    return logged_in(cast.nurse.user)


def test_a_replay_returns_the_first_answer_and_writes_nothing(cast: Cast, nurse: Client) -> None:
    first = post(nurse, URL, MAYA)
    events = AuditEvent.objects.count()
    again = post(nurse, URL, MAYA)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.json()["id"] == first.json()["id"]
    assert (first.get("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (None, "true")
    assert Patient.objects.filter(family_name="Lindqvist").count() == 1
    assert AuditEvent.objects.count() == events


def test_a_quoted_key_is_the_same_key(cast: Cast, nurse: Client) -> None:
    """The draft writes the key as a structured-field string: ``"..."``."""
    first = post(nurse, URL, MAYA, key=f'"{KEY}"')
    again = post(nurse, URL, MAYA, key=KEY)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_refused(cast: Cast, nurse: Client) -> None:
    post(nurse, URL, MAYA)
    other = post(nurse, URL, {**MAYA, "given_name": "Ines"})
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    body = other.json()
    assert body["type"] == "https://ketacare.org/problems/idempotency-key-reused"
    assert body["invalid_params"] == [
        {
            "name": "Idempotency-Key",
            "reason": "this key was used for a different request (POST /api/v1/patients); "
            "use a new key for a new request",
        }
    ]
    assert not Patient.objects.filter(given_name="Ines").exists()


def test_the_same_key_on_another_path_is_refused(cast: Cast, nurse: Client) -> None:
    post(nurse, URL, MAYA)
    weight = {"measured_on": "2026-01-20", "weight_kg": "80.0"}
    response = post(nurse, f"{URL}/{cast.dan.pk}/measurements", weight)
    assert response.status_code == 422
    assert BodyMeasurement.objects.filter(patient=cast.dan).count() == 1


def test_keys_belong_to_their_user(cast: Cast, nurse: Client) -> None:
    """Another user's identical request with the same key is a request of its own."""
    post(nurse, URL, MAYA)
    desk = post(logged_in(cast.front_desk.user), URL, {**MAYA, "given_name": "Ines"})
    assert (desk.status_code, desk.get("Idempotent-Replayed")) == (201, None)
    assert StoredResponse.objects.filter(key=KEY).count() == 2


def test_a_key_is_forgotten_after_24_hours(cast: Cast, nurse: Client) -> None:
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    weight = {"measured_on": "2026-01-20", "weight_kg": "80.0"}
    path = f"{URL}/{cast.dan.pk}/measurements"
    with time_machine.travel(start, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        first = post(client, path, weight)
        traveller.shift(dt.timedelta(hours=23, minutes=59))
        client = logged_in(cast.nurse.user)
        assert post(client, path, weight)["Idempotent-Replayed"] == "true"
        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        client = logged_in(cast.nurse.user)
        later = post(client, path, weight)
    assert (first.status_code, later.status_code, later.get("Idempotent-Replayed")) == (
        201,
        201,
        None,
    )
    assert later.json()["id"] != first.json()["id"]
    assert StoredResponse.objects.filter(key=KEY).count() == 1


def test_a_refusal_is_stored_and_replayed_too(cast: Cast, nurse: Client) -> None:
    """The first answer is the answer, also when it was a 422 (Stripe keeps errors too)."""
    bad = {**MAYA, "date_of_birth": "2999-01-01"}
    first = post(nurse, URL, bad)
    again = post(nurse, URL, bad)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (
        422,
        422,
        "true",
    )
    assert again.content == first.content


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9", 'a"b'])
def test_a_malformed_key_is_refused_with_400(cast: Cast, nurse: Client, key: str) -> None:
    response = post(nurse, URL, MAYA, key=key)
    assert response.status_code == 400
    assert response.json()["invalid_params"] == [
        {
            "name": "Idempotency-Key",
            "reason": "must be 1-255 visible ASCII characters (a UUID is a good key)",
        }
    ]
    assert not Patient.objects.filter(family_name="Lindqvist").exists()


def test_without_a_key_each_post_is_a_new_write(cast: Cast, nurse: Client) -> None:
    weight = {"measured_on": "2026-01-20", "weight_kg": "80.0"}
    path = f"{URL}/{cast.dan.pk}/measurements"
    post(nurse, path, weight, key=None)
    post(nurse, path, weight, key=None)
    assert BodyMeasurement.objects.filter(patient=cast.dan).count() == 3
    assert StoredResponse.objects.count() == 0


def test_an_answer_that_fails_after_the_write_leaves_nothing_saved(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the chart read that builds the 201 fails after the patient row and its
    audit event were written. The client is told 500, so nothing may be saved; a retry with
    the key then registers the patient once."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the read after the write failed")

    client = Client(raise_request_exception=False)
    client.force_login(cast.nurse.user)
    logged = logged_in(cast.nurse.user)
    client.cookies = logged.cookies
    events = AuditEvent.objects.count()
    with monkeypatch.context() as patched:
        patched.setattr(queries, "read_record", broken)
        failed = post(client, URL, MAYA)
    assert failed.status_code == 500
    assert not Patient.objects.filter(family_name="Lindqvist").exists()
    assert AuditEvent.objects.count() == events
    assert StoredResponse.objects.count() == 0
    retried = post(client, URL, MAYA)
    assert (retried.status_code, retried.get("Idempotent-Replayed")) == (201, None)
    assert Patient.objects.filter(family_name="Lindqvist").count() == 1


def test_an_answer_that_fails_after_a_write_without_a_key_saves_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every API write, keyed or not, commits with its answer: a 5xx means nothing saved."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the read after the write failed")

    client = Client(raise_request_exception=False)
    client.cookies = logged_in(cast.nurse.user).cookies
    version = Patient.objects.get(pk=cast.dan.pk).version
    monkeypatch.setattr(queries, "read_record", broken)
    response = client.patch(
        f"{URL}/{cast.dan.pk}",
        json.dumps({"version": version, "city": "Salem"}),
        content_type="application/json",
    )
    assert response.status_code == 500
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert (dan.city, dan.version) == ("", version)
