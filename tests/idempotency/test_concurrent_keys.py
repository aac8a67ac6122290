"""Idempotency keys against a real server (gunicorn, several threads) on the suite's database:
concurrent requests with one key write once, and a retry after the answer was lost gets the
stored answer."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from tests.live import LiveClinic, api, clinic_server

THREADS = 8


@pytest.fixture(scope="module")
def clinic() -> Iterator[tuple[LiveClinic, str]]:
    with clinic_server(threads=THREADS) as live:
        yield live, live.token(live.logins()["Nurse"])


def _registered(live: LiveClinic, token: str, family_name: str) -> list[str]:
    status, _, page = api(live, "GET", f"/api/v1/patients?q={family_name}&status=all", token)
    assert status == 200
    return [p["id"] for p in page["results"]]


def test_concurrent_requests_with_one_key_register_one_patient(
    clinic: tuple[LiveClinic, str],
) -> None:
    live, token = clinic
    key = str(uuid.uuid4())
    body = {
        "given_name": "Concurrent",
        "family_name": "Kowalczyk",
        "date_of_birth": "1979-03-03",
        "sex_at_birth": "female",
    }

    def register(_: int) -> tuple[int, str, str | None]:
        status, headers, answer = api(
            live, "POST", "/api/v1/patients", token, body, **{"Idempotency-Key": key}
        )
        return status, answer["id"], headers.get("Idempotent-Replayed")

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(register, range(THREADS)))
    assert {(status, patient_id) for status, patient_id, _ in answers} == {(201, answers[0][1])}
    assert sorted(replayed or "" for *_, replayed in answers) == [""] + ["true"] * (THREADS - 1)
    assert _registered(live, token, "Kowalczyk") == [answers[0][1]]


def test_a_retry_after_a_lost_answer_gets_the_stored_answer(
    clinic: tuple[LiveClinic, str],
) -> None:
    """The client sends the write and hangs up before the answer (a timeout, a lost Wi-Fi):
    the server still commits. The retry with the same key gets the stored answer, not a
    second patient."""
    live, token = clinic
    key = str(uuid.uuid4())
    body = {
        "given_name": "Lost",
        "family_name": "Oyelaran",
        "date_of_birth": "1990-10-10",
        "sex_at_birth": "male",
    }
    payload = json.dumps(body).encode()
    target = urlparse(live.url)
    request = (
        f"POST /api/v1/patients HTTP/1.1\r\nHost: {target.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {key}\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + payload
    with socket.create_connection((target.hostname, target.port)) as conn:
        conn.sendall(request)
    # Hung up without reading. Wait until the server has committed the write.
    for _ in range(100):
        if _registered(live, token, "Oyelaran"):
            break
        time.sleep(0.05)
    first = _registered(live, token, "Oyelaran")
    status, headers, answer = api(
        live, "POST", "/api/v1/patients", token, body, **{"Idempotency-Key": key}
    )
    assert (status, headers.get("Idempotent-Replayed"), [answer["id"]]) == (201, "true", first)
    assert _registered(live, token, "Oyelaran") == first
