"""Chair-side writes are done once: a tablet that lost the answer retries with the same
``Idempotency-Key`` and gets the same answer, never a second entry; the same key with another
body is refused. Against a real server (the suite's engine): ten retries of one key at once
write one row, and two sessions drawing the last dose of one lot at once never overdraw it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from ketacare.sessions.models import VitalSign
from tests.live import LiveClinic, api, clinic_server
from tests.scheduling.conftest import Day

from .api_world import VITALS, base, call, problem, state
from .world import open_chair

KEY = "7d0f3c1e-5b2a-4c8d-9e6f-1a2b3c4d5e6f"
RETRIES = 10
SHELL = ("manage", "shell", "--no-imports", "-c")


def test_a_retry_with_the_same_key_replays_the_answer_and_writes_once(
    day: Day, clock: time_machine.Coordinates
) -> None:
    chair = open_chair(day, clock)
    nurse = chair.cast.nurse
    path = base(chair) + "/vitals"
    first = call(nurse, "POST", path, VITALS, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201
    assert first.get("Idempotent-Replayed") is None
    chair.at(5)
    before = state()
    again = call(nurse, "POST", path, VITALS, HTTP_IDEMPOTENCY_KEY=KEY)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert json.loads(again.content) == json.loads(first.content)
    assert again.content == first.content
    assert VitalSign.objects.count() == 1
    assert state() == before


def test_the_same_key_with_another_body_is_refused(
    day: Day, clock: time_machine.Coordinates
) -> None:
    chair = open_chair(day, clock)
    nurse = chair.cast.nurse
    path = base(chair) + "/vitals"
    assert call(nurse, "POST", path, VITALS, HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    before = state()
    other = call(nurse, "POST", path, {**VITALS, "heart_rate": 88}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert other.status_code == 422
    assert problem(other)["invalid_params"] == [
        {
            "name": "Idempotency-Key",
            "reason": f"this key was used for a different request (POST {path}); use a new "
            "key for a new request",
        }
    ]
    assert state() == before
    assert list(VitalSign.objects.values_list("heart_rate_bpm", flat=True)) == [72]


# --- against a real server --------------------------------------------------------------------


@dataclass(frozen=True)
class Chairs:
    live: LiveClinic
    #: the tokens of the two chairs' nurses
    nurse: str
    other_nurse: str
    sessions: list[int]
    lot: int
    dose_mg: float
    rate_mg_per_h: float


def _shell(live: LiveClinic, code: str) -> Any:
    return json.loads(live.cli(*SHELL, code).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def chairs() -> Iterator[Chairs]:
    with clinic_server(workers=2, threads=10) as live:
        logins = live.logins()
        emails = [logins[r] for r in ("Owner", "Front desk", "Prescriber")]
        prepared = _shell(
            live, f"from tests.sessions.live_chair import prepare; prepare(*{emails!r})"
        )
        yield Chairs(
            live,
            live.token(prepared["nurses"][0]),
            live.token(prepared["nurses"][1]),
            prepared["sessions"],
            prepared["lot"],
            prepared["dose_mg"],
            prepared["rate_mg_per_h"],
        )


def _counts(chairs: Chairs, session_id: int) -> dict[str, Any]:
    return _shell(  # type: ignore[no-any-return]
        chairs.live,
        f"from tests.sessions.live_chair import counts; counts({session_id}, {chairs.lot})",
    )


def test_ten_retries_of_one_key_at_once_write_one_row(chairs: Chairs) -> None:
    session = chairs.sessions[0]
    before = _counts(chairs, session)["vitals"]
    ready = threading.Barrier(RETRIES)
    # The token's first use records it (a write); done now, it does not queue the retries.
    assert api(chairs.live, "GET", f"/api/v1/sessions/{session}/safety", chairs.nurse)[0] == 200

    def post(_: int) -> tuple[int, str | None, Any]:
        ready.wait()
        status, headers, body = api(
            chairs.live,
            "POST",
            f"/api/v1/sessions/{session}/vitals",
            chairs.nurse,
            VITALS,
            **{"Idempotency-Key": KEY},
        )
        return status, headers.get("Idempotent-Replayed"), body

    with ThreadPoolExecutor(RETRIES) as pool:
        answers = list(pool.map(post, range(RETRIES)))

    assert [status for status, _, _ in answers] == [201] * RETRIES, answers
    assert sorted(str(replayed) for _, replayed, _ in answers) == ["None"] + ["true"] * (
        RETRIES - 1
    )
    assert len({json.dumps(body, sort_keys=True) for _, _, body in answers}) == 1
    assert _counts(chairs, session)["vitals"] == before + 1


def test_two_sessions_drawing_the_last_dose_of_a_lot_at_once_never_overdraw_it(
    chairs: Chairs,
) -> None:
    ready = threading.Barrier(2)
    for token in (chairs.nurse, chairs.other_nurse):
        assert api(chairs.live, "GET", f"/api/v1/sessions/{chairs.sessions[0]}", token)[0] == 200
    body = {
        "kind": "infusion",
        "lot_id": chairs.lot,
        "dose_mg": chairs.dose_mg,
        "rate_mg_per_h": chairs.rate_mg_per_h,
    }

    def draw(n: int) -> tuple[int, Any]:
        token = (chairs.nurse, chairs.other_nurse)[n]
        ready.wait()
        status, _, answer = api(
            chairs.live, "POST", f"/api/v1/sessions/{chairs.sessions[n]}/doses", token, body
        )
        return status, answer

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(draw, range(2)))

    assert sorted(status for status, _ in answers) == [201, 422], answers
    (refusal,) = [answer for status, answer in answers if status == 422]
    assert refusal["invalid_params"] == [
        {
            "name": "lot_id",
            "reason": f"lot LIVE-LAST has 0 mg left; {chairs.dose_mg:g} mg asked",
        }
    ]
    (given,) = [answer for status, answer in answers if status == 201]
    assert (given["dose"]["lot_id"], given["dose"]["dose_mg"]) == (chairs.lot, chairs.dose_mg)
    after = _counts(chairs, chairs.sessions[0])
    assert (after["balance"], after["administrations"]) == ("0.000", 1)
