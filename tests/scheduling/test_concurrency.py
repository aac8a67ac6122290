"""No double booking, proven: twenty booking requests for one chair at overlapping times, at
once, against a real server (2 gunicorn workers x 10 threads) on the suite's engine. On SQLite
the write lock taken at BEGIN serialises each check-and-insert; on PostgreSQL the exclusion
constraints refuse whatever passed the check at the same moment. Either way: one 201, nineteen
409s naming the chair, and no overlapping active appointments in the table."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from ketacare.patients.models import Patient
from ketacare.scheduling.models import Appointment
from tests.live import LiveClinic, api, clinic_server

from .conftest import MONDAY, Day, ny

REQUESTS = 20
SHELL = ("manage", "shell", "--no-imports", "-c")
#: The 409 of a booking that saw the chair taken (the check), and of one that passed the check
#: while another was inserting (PostgreSQL's exclusion constraint).
CHAIR_CLASHES = [
    [{"name": "resource", "reason": "the chair or room is booked for part of this block"}],
    [{"name": "resource", "reason": "the chair or room was just booked for part of this block"}],
]


@dataclass(frozen=True)
class Contest:
    live: LiveClinic
    token: str
    chair: int
    service: int
    patients: list[str]
    first_start: datetime


def _shell(live: LiveClinic, code: str) -> Any:
    """Run ``code`` in the server's environment; the JSON of its last line of output."""
    return json.loads(live.cli(*SHELL, code).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def contest() -> Iterator[Contest]:
    with clinic_server(workers=2, threads=10) as live:
        logins = live.logins()
        owner, desk = logins["Owner"], logins["Front desk"]
        prepared = _shell(
            live,
            "from tests.scheduling.live_booking import prepare; "
            f"prepare({owner!r}, {desk!r}, {REQUESTS})",
        )
        yield Contest(
            live,
            live.token(desk),
            prepared["chair"],
            prepared["service"],
            prepared["patients"],
            datetime.fromisoformat(prepared["first_start"]),
        )


def test_twenty_concurrent_bookings_of_one_chair_give_one_201_and_nineteen_409s(
    contest: Contest,
) -> None:
    # Starts 5 minutes apart over 95 minutes: every pair of 115-minute blocks overlaps.
    starts = [contest.first_start + timedelta(minutes=5 * n) for n in range(REQUESTS)]
    ready = threading.Barrier(REQUESTS)
    # The token's first use records it (a write); done now, it does not queue the bookings.
    assert api(contest.live, "GET", "/api/v1/services", contest.token)[0] == 200

    def book(n: int) -> tuple[int, Any]:
        body = {
            "patient": contest.patients[n],
            "service": contest.service,
            "start": starts[n].isoformat(),
            "resource": contest.chair,
        }
        ready.wait()
        status, _, answer = api(contest.live, "POST", "/api/v1/appointments", contest.token, body)
        return status, answer

    with ThreadPoolExecutor(REQUESTS) as pool:
        answers = list(pool.map(book, range(REQUESTS)))

    statuses = [status for status, _ in answers]
    assert sorted(statuses) == [201] + [409] * (REQUESTS - 1), answers
    clashes = [answer["invalid_params"] for status, answer in answers if status == 409]
    assert [c for c in clashes if c not in CHAIR_CLASHES] == []
    (winner,) = [answer for status, answer in answers if status == 201]
    assert (winner["resource"], winner["status"]) == (contest.chair, "booked")

    rows = _shell(
        contest.live, "from tests.scheduling.live_booking import active_blocks; active_blocks()"
    )
    on_chair = [row for row in rows if row[1] == contest.chair]
    assert [(row[0], row[3]) for row in on_chair] == [(winner["id"], winner["patient_id"])]
    # Nowhere in the table do two active appointments overlap on a chair or room.
    overlapping = [
        (a[0], b[0])
        for a, b in combinations(rows, 2)
        if a[1] == b[1]
        and datetime.fromisoformat(a[4]) < datetime.fromisoformat(b[5])
        and datetime.fromisoformat(b[4]) < datetime.fromisoformat(a[5])
    ]
    assert overlapping == []


# --- the database's own guarantee (PostgreSQL) ------------------------------------------------


def _row(day: Day, patient: Patient, start: datetime, **fields: Any) -> Appointment:
    """An infusion row written straight to the table, past every check of the service."""
    values = {
        "clinic": day.cast.clinic,
        "site": day.site,
        "patient": patient,
        "service": day.service("Ketamine IV infusion"),
        "resource": day.chairs[0],
        "performer": day.cast.nurse,
        "start_at": start,
        "procedure_end_at": start + timedelta(minutes=40),
        "end_at": start + timedelta(minutes=115),
        **fields,
    }
    return Appointment.objects.create(**values)


def _refused_by(constraint: str, make: Callable[[], Appointment]) -> None:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        make()
    assert refused.value.__cause__.diag.constraint_name == constraint  # type: ignore[union-attr]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints: PostgreSQL")
def test_the_database_refuses_an_overlapping_active_row_and_takes_a_cancelled_one(
    day: Day,
) -> None:
    cast = day.cast
    _row(day, cast.dan, ny(MONDAY, 10))
    # The same chair at 11:00 (Dan's block runs to 11:55), another patient and performer.
    _refused_by(
        "appointment_resource_no_overlap",
        lambda: _row(day, cast.zoe, ny(MONDAY, 11), performer=cast.prescriber),
    )
    # The same nurse during Dan's procedure (to 10:40), in another chair.
    _refused_by(
        "appointment_performer_no_overlap",
        lambda: _row(day, cast.zoe, ny(MONDAY, 10, 30), resource=day.chairs[1]),
    )
    # Dan again at 11:30, another chair and performer.
    _refused_by(
        "appointment_patient_no_overlap",
        lambda: _row(
            day, cast.dan, ny(MONDAY, 11, 30), resource=day.chairs[1], performer=cast.prescriber
        ),
    )
    # Cancelled or a no-show, a row holds nothing; back-to-back blocks touch, not overlap.
    cancelled = _row(day, cast.zoe, ny(MONDAY, 11), performer=cast.prescriber, status="cancelled")
    no_show = _row(day, cast.zoe, ny(MONDAY, 10, 30), performer=cast.prescriber, status="no_show")
    after = _row(day, cast.zoe, ny(MONDAY, 11, 55))
    assert [a.status for a in (cancelled, no_show, after)] == ["cancelled", "no_show", "booked"]
    # A cancelled row made active again over a taken time is refused too.
    cancelled.status = Appointment.Status.BOOKED
    _refused_by("appointment_resource_no_overlap", lambda: (cancelled.save(), cancelled)[1])
    assert Appointment.objects.filter(status__in=Appointment.ACTIVE).count() == 2
