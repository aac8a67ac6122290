"""/api/v1/services, /sites, /resources, /availability, /appointments (and their cancel,
check-in, no-show) and /plans/{id}/course-proposal and /course-booking.

Every endpoint has the four-way test: anonymous 401; another clinic's user 404 for this
clinic's ids (its lists hold only its own clinic's rows); a role without the permission 403
(a patient login, for booking, availability and courses); the right role 2xx, with a session
and with a bearer token. Then the exact answers: 201, 409 naming the clash, 422 naming the
field, and an ``Idempotency-Key`` retry that books once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client

from ketacare.accounts import services as accounts
from ketacare.audit.models import AuditEvent
from ketacare.scheduling import setup
from ketacare.scheduling.models import Appointment
from ketacare.treatment.models import TreatmentPlan
from tests.conftest import SETUP, logged_in

from .appointments import book, enrol_in_rems
from .conftest import MONDAY, Day, add_escort, ny, signed_plan

INFUSION = "Ketamine IV infusion"
TUESDAY = MONDAY.replace(day=3)
KEY = "0b6c2f8e-4d5a-4e3b-9c1d-7a8e9f0a1b2c"


def z(moment: datetime) -> str:
    """An instant as the API writes it: UTC with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    return json.loads(response.content)  # type: ignore[no-any-return]


def send(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> HttpResponse:
    if method == "GET":
        return client.get(path, **extra)
    call = client.post if method == "POST" else client.patch
    return call(path, json.dumps(body or {}), content_type="application/json", **extra)


@dataclass
class World:
    """The day at 10:30 on Monday: Dan's infusion at 08:00 (started: a no-show is possible),
    his talk therapy at 11:00 (today: check-in), his infusion on Tuesday (to move or cancel),
    Zoë's infusion on Tuesday, and Dan's signed plan."""

    day: Day
    past: Appointment
    today: Appointment
    tuesday: Appointment
    zoe: Appointment
    plan: TreatmentPlan


@pytest.fixture
def world(day: Day, clock: time_machine.Coordinates) -> World:
    cast = day.cast
    past = book(day, cast.dan, "Talk therapy", ny(MONDAY, 8))
    today = book(day, cast.dan, "Talk therapy", ny(MONDAY, 11))
    tuesday = book(day, cast.dan, "IV hydration", ny(TUESDAY, 10))
    zoe = book(day, cast.zoe, INFUSION, ny(TUESDAY, 10))
    plan = signed_plan(cast)
    clock.move_to(ny(MONDAY, 10, 30))
    return World(day, past, today, tuesday, zoe, plan)


# --- the four ways into every endpoint --------------------------------------------------------

Call = tuple[str, str, Any]


def _endpoints(w: World) -> dict[str, Call]:
    d, cast = w.day, w.day.cast
    avail = f"service={d.service(INFUSION).pk}&patient={cast.dan.pk}&from=2026-03-03&to=2026-03-03"
    return {
        "services": ("GET", "/api/v1/services", None),
        "sites": ("GET", "/api/v1/sites", None),
        "resources": ("GET", "/api/v1/resources", None),
        "availability": ("GET", f"/api/v1/availability?{avail}", None),
        "book": (
            "POST",
            "/api/v1/appointments",
            {
                "patient": str(cast.dan.pk),
                "service": d.service("Acupuncture").pk,
                "start": "2026-03-04T14:00:00-05:00",
            },
        ),
        "list": ("GET", "/api/v1/appointments?from=2026-03-02&to=2026-03-02", None),
        "read": ("GET", f"/api/v1/appointments/{w.tuesday.pk}", None),
        "reschedule": (
            "PATCH",
            f"/api/v1/appointments/{w.tuesday.pk}",
            {"version": 1, "start": "2026-03-03T13:00:00-05:00"},
        ),
        "cancel": (
            "POST",
            f"/api/v1/appointments/{w.tuesday.pk}/cancel",
            {"reason": "Patient unwell"},
        ),
        "check-in": ("POST", f"/api/v1/appointments/{w.today.pk}/check-in", {}),
        "no-show": ("POST", f"/api/v1/appointments/{w.past.pk}/no-show", {"version": 1}),
        "course-proposal": (
            "POST",
            f"/api/v1/plans/{w.plan.pk}/course-proposal",
            {"first_day": "2026-03-05"},
        ),
        "course-booking": (
            "POST",
            f"/api/v1/plans/{w.plan.pk}/course-booking",
            {"phase": "induction", "sessions": [{"start": "2026-03-05T08:00:00-05:00"}]},
        ),
    }


ENDPOINTS = [
    "services",
    "sites",
    "resources",
    "availability",
    "book",
    "list",
    "read",
    "reschedule",
    "cancel",
    "check-in",
    "no-show",
    "course-proposal",
    "course-booking",
]
#: Every role holds schedule.read: no role is refused these reads (a patient sees the
#: clinic's services, sites and chairs; their own appointments only, tested below).
READ_BY_EVERY_ROLE = {"services", "sites", "resources", "list", "read"}
OK = {"book": 201, "course-booking": 201}


def _state() -> list[tuple[Any, ...]]:
    return list(
        Appointment.objects.order_by("pk").values_list("pk", "status", "start_at", "version")
    )


def test_the_endpoints_are_every_scheduling_operation(world: World) -> None:
    """One added to the API and not here would go untested."""
    doc = Client().get("/api/v1/openapi.json").json()
    found = sorted(
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method in item
        if (
            path.startswith(("/api/v1/services", "/api/v1/sites", "/api/v1/resources"))
            or path.startswith(("/api/v1/availability", "/api/v1/appointments"))
            or path.endswith(("/course-proposal", "/course-booking"))
        )
        # An appointment's session is the chair's (tests/sessions/test_api.py).
        and not path.endswith("/session")
    )
    listed = sorted(
        re.sub(
            r"/plans/\d+",
            "/plans/{plan_id}",
            re.sub(
                r"/appointments/\d+", "/appointments/{appointment_id}", f"{m} {p.split('?')[0]}"
            ),
        )
        for m, p, _ in _endpoints(world).values()
    )
    assert found == listed
    assert len(found) == len(ENDPOINTS) == 13


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_gets_401_and_changes_nothing(world: World, name: str) -> None:
    method, path, body = _endpoints(world)[name]
    before = _state()
    response = send(Client(), method, path, body)
    assert response.status_code == 401
    assert problem(response)["type"] == "https://ketacare.org/problems/unauthorized"
    assert _state() == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_clinics_user_sees_nothing_of_this_clinic(world: World, name: str) -> None:
    method, path, body = _endpoints(world)[name]
    before = _state()
    response = send(logged_in(world.day.cast.outsider.user), method, path, body)
    lists = {"services": [], "resources": [], "list": []}
    if name in lists:
        assert (response.status_code, response.json()) == (200, lists[name])
    elif name == "sites":
        assert response.status_code == 200
        assert [s["name"] for s in response.json()] == ["Lakeside Clinic"]
    else:
        assert response.status_code == 404, response.content
        assert problem(response)["type"] == "https://ketacare.org/problems/not-found"
    assert _state() == before


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS) - READ_BY_EVERY_ROLE))
def test_a_patient_login_may_not_book_search_or_plan_courses(world: World, name: str) -> None:
    """Dan's own login, on Dan's own appointments and plan: 403, nothing changed."""
    method, path, body = _endpoints(world)[name]
    before = _state()
    events = AuditEvent.objects.exclude(action__in=["write.refused", "read.refused"]).count()
    response = send(logged_in(world.day.cast.dan_login.user), method, path, body)
    assert response.status_code == 403, response.content
    assert problem(response)["type"] == "https://ketacare.org/problems/forbidden"
    assert _state() == before
    assert AuditEvent.objects.exclude(action__in=["write.refused", "read.refused"]).count() == (
        events
    )


@pytest.mark.parametrize("auth", ["session", "bearer"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_right_role_is_answered(world: World, name: str, auth: str) -> None:
    cast = world.day.cast
    # Dan's escort, so the infusions of a course and the check-in have a ride home.
    add_escort(cast)
    member = cast.nurse if name in ("check-in", "course-proposal") else cast.front_desk
    if auth == "session":
        client, extra = logged_in(member.user), {}
    else:
        token = accounts.token_create(SETUP, membership=member, name="scheduling tests")
        client, extra = Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    method, path, body = _endpoints(world)[name]
    response = send(client, method, path, body, **extra)
    assert response.status_code == OK.get(name, 200), response.content
    answers: dict[str, Callable[[Any], Any]] = {
        "services": lambda b: len(b),
        "sites": lambda b: [s["name"] for s in b],
        "resources": lambda b: [r["name"] for r in b],
        "availability": lambda b: (b[0]["start"], len(b)),
        "book": lambda b: (b["service_name"], b["start"], b["status"]),
        "list": lambda b: [(a["id"], a["start"]) for a in b],
        "read": lambda b: (b["id"], b["status"]),
        "reschedule": lambda b: (b["start"], b["version"]),
        "cancel": lambda b: (b["status"], b["cancel_reason"]),
        "check-in": lambda b: (b["status"], b["checked_in_at"]),
        "no-show": lambda b: (b["status"], b["version"]),
        "course-proposal": lambda b: [s["start"] for s in b["sessions"]],
        "course-booking": lambda b: (
            [(a["start"], a["course_number"]) for a in b["appointments"]],
            b["progress"],
        ),
    }
    expected = {
        "services": 11,
        "sites": ["Harbor Ketamine Clinic"],
        "resources": ["Chair 1", "Chair 2", "Chair 3", "Room A"],
        # Tuesday from 08:00, the first on the grid before Zoë's 10:00 infusion.
        # Of 33 starts x 3 chairs: Dan's IV hydration (10:00-11:15) leaves 21 starts; Zoë's
        # block in chair 2 (10:00-11:55) takes 3 more there.
        "availability": ("2026-03-03T13:00:00Z", 21 + 21 + 18),
        "book": ("Acupuncture", "2026-03-04T19:00:00Z", "booked"),
        "list": [(world.past.pk, "2026-03-02T13:00:00Z"), (world.today.pk, "2026-03-02T16:00:00Z")],
        "read": (world.tuesday.pk, "booked"),
        "reschedule": ("2026-03-03T18:00:00Z", 2),
        "cancel": ("cancelled", "Patient unwell"),
        "check-in": ("checked_in", "2026-03-02T15:30:00Z"),
        "no-show": ("no_show", 2),
        "course-proposal": [
            "2026-03-05T13:00:00Z",
            "2026-03-09T12:00:00Z",
            "2026-03-11T12:00:00Z",
            "2026-03-13T12:00:00Z",
            "2026-03-16T12:00:00Z",
            "2026-03-18T12:00:00Z",
        ],
        "course-booking": (
            [("2026-03-05T13:00:00Z", 1)],
            [{"phase": "induction", "sessions": 6, "done": 0, "booked": 1, "left": 5}],
        ),
    }
    assert answers[name](response.json()) == expected[name]


# --- a patient sees their own appointments only -----------------------------------------------


def test_a_patient_lists_and_reads_only_their_own_appointments(world: World) -> None:
    dan = logged_in(world.day.cast.dan_login.user)
    week = "from=2026-03-02&to=2026-03-08"
    mine = dan.get(f"/api/v1/appointments?{week}")
    assert mine.status_code == 200
    assert [a["id"] for a in mine.json()] == [world.past.pk, world.today.pk, world.tuesday.pk]
    assert {a["patient_id"] for a in mine.json()} == {str(world.day.cast.dan.pk)}
    # Asking for Zoë's by her id gives nothing, not her appointments.
    asked = dan.get(f"/api/v1/appointments?{week}&patient={world.day.cast.zoe.pk}")
    assert (asked.status_code, asked.json()) == (200, [])
    hers = dan.get(f"/api/v1/appointments/{world.zoe.pk}")
    assert hers.status_code == 404
    own = dan.get(f"/api/v1/appointments/{world.tuesday.pk}")
    assert (own.status_code, own.json()["service_name"]) == (200, "IV hydration")
    # The staff see both patients.
    desk = logged_in(world.day.cast.front_desk.user).get(f"/api/v1/appointments?{week}")
    assert [a["id"] for a in desk.json()] == [
        world.past.pk,
        world.today.pk,
        world.tuesday.pk,
        world.zoe.pk,
    ]


def test_the_list_filters_by_chair_and_patient_and_audits_the_patients_shown(
    world: World,
) -> None:
    desk = logged_in(world.day.cast.front_desk.user)
    week = "from=2026-03-02&to=2026-03-08"
    chair = desk.get(f"/api/v1/appointments?{week}&resource={world.zoe.resource_id}")
    assert [a["id"] for a in chair.json()] == [world.zoe.pk]
    zoe = desk.get(f"/api/v1/appointments?{week}&patient={world.day.cast.zoe.pk}")
    assert [a["id"] for a in zoe.json()] == [world.zoe.pk]
    event = AuditEvent.objects.filter(action="appointment.read").order_by("-id").first()
    assert event is not None
    assert (event.data["patients"], event.data["count"]) == ([str(world.day.cast.zoe.pk)], 1)


# --- exact answers ----------------------------------------------------------------------------


def test_booking_answers_201_with_the_appointment(world: World) -> None:
    d, cast = world.day, world.day.cast
    response = logged_in(cast.front_desk.user).post(
        "/api/v1/appointments",
        json.dumps(
            {
                "patient": str(cast.zoe.pk),
                "service": d.service(INFUSION).pk,
                "start": "2026-03-04T09:00:00-05:00",
                "note": "Prefers the window chair",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    made = Appointment.objects.get(patient=cast.zoe, start_at=ny(MONDAY.replace(day=4), 9))
    assert response.json() == {
        "id": made.pk,
        "patient_id": str(cast.zoe.pk),
        "service": d.service(INFUSION).pk,
        "service_name": "Ketamine IV infusion",
        "site": d.site.pk,
        "resource": d.chairs[0].pk,
        "resource_name": "Chair 1",
        "performer": cast.nurse.pk,
        "prescriber_on_site": None,
        "start": "2026-03-04T14:00:00Z",
        "procedure_end": "2026-03-04T14:40:00Z",
        "end": "2026-03-04T15:55:00Z",
        "status": "booked",
        "plan": None,
        "course_phase": "",
        "course_number": None,
        "walk_in": False,
        "note": "Prefers the window chair",
        "override_reason": "",
        "cancel_reason": "",
        "checked_in_at": None,
        "version": 1,
    }


def test_a_taken_chair_answers_409_naming_the_resource(world: World) -> None:
    d, cast = world.day, world.day.cast
    before = _state()
    response = logged_in(cast.front_desk.user).post(
        "/api/v1/appointments",
        json.dumps(
            {
                "patient": str(cast.dan.pk),
                "service": d.service(INFUSION).pk,
                # Dan's IV hydration ends at 11:15, Zoë's block in chair 2 at 11:55.
                "start": "2026-03-03T16:15:00Z",
                "resource": world.zoe.resource_id,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert problem(response) == {
        "type": "https://ketacare.org/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "resource: the chair or room is booked for part of this block",
        "invalid_params": [
            {"name": "resource", "reason": "the chair or room is booked for part of this block"}
        ],
    }
    assert _state() == before
    refused = AuditEvent.objects.filter(action="write.refused").order_by("-id").first()
    assert refused is not None
    assert (refused.data["attempted"], refused.data["refused"], refused.patient_id) == (
        "appointment.create",
        "Taken",
        cast.dan.pk,
    )


def test_spravato_without_a_prescriber_on_site_answers_409_naming_it(world: World) -> None:
    d, cast = world.day, world.day.cast
    enrol_in_rems(cast, cast.dan)
    setup.hours_exception_add(
        cast.actor(cast.owner),
        site_id=d.site.pk,
        membership_id=cast.prescriber.pk,
        day=TUESDAY,
        kind="replace",
        reason="Conference",
    )
    response = logged_in(cast.front_desk.user).post(
        "/api/v1/appointments",
        json.dumps(
            {
                "patient": str(cast.dan.pk),
                "service": d.service("Spravato session").pk,
                "start": "2026-03-03T13:00:00-05:00",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert problem(response)["invalid_params"] == [
        {
            "name": "prescriber_on_site",
            "reason": "no prescriber is rostered on site for the whole block (SPRAVATO REMS)",
        }
    ]


def test_a_rule_answers_422_naming_the_field(world: World) -> None:
    d, cast = world.day, world.day.cast
    before = _state()
    response = logged_in(cast.front_desk.user).post(
        "/api/v1/appointments",
        json.dumps(
            {
                "patient": str(cast.dan.pk),
                "service": d.service("Spravato session").pk,
                "start": "2026-03-03T09:00:00-05:00",
            }
        ),
        content_type="application/json",
    )
    reason = (
        "no SPRAVATO REMS patient enrolment on file: record it under consents before booking "
        "a Spravato session (SPRAVATO REMS)"
    )
    assert response.status_code == 422
    assert problem(response) == {
        "type": "https://ketacare.org/problems/validation",
        "title": "Invalid input",
        "status": 422,
        "detail": f"patient: {reason}",
        "invalid_params": [{"name": "patient", "reason": reason}],
    }
    assert _state() == before


def test_a_start_without_its_offset_answers_422(world: World) -> None:
    d, cast = world.day, world.day.cast
    response = logged_in(cast.front_desk.user).post(
        "/api/v1/appointments",
        json.dumps(
            {
                "patient": str(cast.dan.pk),
                "service": d.service(INFUSION).pk,
                "start": "2026-03-03T09:00:00",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert problem(response)["invalid_params"] == [
        {
            "name": "start",
            "reason": "must be a date and time with its UTC offset, ISO 8601 "
            "(e.g. 2026-03-02T10:00:00-05:00 or 2026-03-02T15:00:00Z)",
        }
    ]


def test_a_stale_reschedule_answers_409_naming_the_version(world: World) -> None:
    desk = logged_in(world.day.cast.front_desk.user)
    path = f"/api/v1/appointments/{world.tuesday.pk}"
    moved = send(desk, "PATCH", path, {"version": 1, "start": "2026-03-03T14:00:00-05:00"})
    assert moved.status_code == 200
    stale = send(desk, "PATCH", path, {"version": 1, "start": "2026-03-03T15:00:00-05:00"})
    assert stale.status_code == 409
    assert problem(stale)["invalid_params"] == [
        {
            "name": "version",
            "reason": "this record is at version 2, your edit was based on version 1; reload it "
            "and apply your change again",
        }
    ]


def test_a_course_booking_with_a_clash_answers_409_naming_the_session(world: World) -> None:
    d, cast = world.day, world.day.cast
    add_escort(cast)
    starts = ["2026-03-05T08:00:00-05:00", "2026-03-09T08:00:00-04:00", "2026-03-11T08:00:00-04:00"]
    book(d, cast.zoe, INFUSION, ny(MONDAY.replace(day=11), 8), resource_id=d.chairs[1].pk)
    response = send(
        logged_in(cast.front_desk.user),
        "POST",
        f"/api/v1/plans/{world.plan.pk}/course-booking",
        {
            "phase": "induction",
            "sessions": [{"start": s, "resource": d.chairs[1].pk} for s in starts],
        },
    )
    assert response.status_code == 409
    assert problem(response)["invalid_params"] == [
        {
            "name": "sessions[2].resource",
            "reason": "the chair or room is booked for part of this block",
        }
    ]
    assert not Appointment.objects.filter(plan=world.plan).exists()


def test_a_course_date_breaking_the_interval_answers_422_naming_the_session(
    world: World,
) -> None:
    response = send(
        logged_in(world.day.cast.front_desk.user),
        "POST",
        f"/api/v1/plans/{world.plan.pk}/course-booking",
        {
            "phase": "induction",
            "sessions": [
                {"start": "2026-03-05T08:00:00-05:00"},
                {"start": "2026-03-06T08:00:00-05:00"},
            ],
        },
    )
    assert response.status_code == 422
    assert [p["name"] for p in problem(response)["invalid_params"]] == ["sessions[1].start"]
    assert not Appointment.objects.filter(plan=world.plan).exists()


# --- a retry with the same Idempotency-Key ----------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_same_answer_and_books_once(world: World) -> None:
    d, cast = world.day, world.day.cast
    desk = logged_in(cast.front_desk.user)
    body = {
        "patient": str(cast.zoe.pk),
        "service": d.service("Acupuncture").pk,
        "start": "2026-03-04T14:00:00-05:00",
    }
    first = send(desk, "POST", "/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY=KEY)
    events = AuditEvent.objects.count()
    again = send(desk, "POST", "/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert (first.get("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (None, "true")
    assert Appointment.objects.filter(patient=cast.zoe, service__name="Acupuncture").count() == 1
    assert AuditEvent.objects.count() == events
    # Without the key the same request is a new booking: the one room and Zoë are taken.
    third = send(desk, "POST", "/api/v1/appointments", body)
    assert third.status_code == 409
    assert [p["name"] for p in problem(third)["invalid_params"]] == ["resource", "patient"]


def test_the_same_key_for_another_booking_is_refused(world: World) -> None:
    d, cast = world.day, world.day.cast
    desk = logged_in(cast.front_desk.user)
    body = {
        "patient": str(cast.zoe.pk),
        "service": d.service("Acupuncture").pk,
        "start": "2026-03-04T14:00:00-05:00",
    }
    send(desk, "POST", "/api/v1/appointments", body, HTTP_IDEMPOTENCY_KEY=KEY)
    other = send(
        desk,
        "POST",
        "/api/v1/appointments",
        {**body, "start": "2026-03-04T15:00:00-05:00"},
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    assert other.status_code == 422
    assert problem(other)["type"] == "https://ketacare.org/problems/idempotency-key-reused"
    assert Appointment.objects.filter(patient=cast.zoe, service__name="Acupuncture").count() == 1


# --- ids beyond what a database stores --------------------------------------------------------

TOO_BIG = 2**63


def test_an_id_beyond_a_64_bit_integer_is_refused_not_a_server_error(world: World) -> None:
    """Such a number names no row; it used to reach SQLite, which cannot hold it (a 500)."""
    d, cast = world.day, world.day.cast
    desk = logged_in(cast.front_desk.user)
    most = f"must be between 1 and {TOO_BIG - 1}"
    resources = desk.get(f"/api/v1/resources?site={TOO_BIG}")
    assert (resources.status_code, problem(resources)["invalid_params"]) == (
        422,
        [{"name": "site", "reason": most}],
    )
    booked = send(
        desk,
        "POST",
        "/api/v1/appointments",
        {
            "patient": str(cast.dan.pk),
            "service": d.service(INFUSION).pk,
            "start": "2026-03-04T09:00:00-05:00",
            "resource": TOO_BIG,
        },
    )
    assert (booked.status_code, problem(booked)["invalid_params"]) == (
        422,
        [{"name": "resource", "reason": f"{most}; got {TOO_BIG}"}],
    )
    read = desk.get(f"/api/v1/appointments/{TOO_BIG}")
    assert read.status_code == 422
    assert [p["name"] for p in problem(read)["invalid_params"]] == ["appointment_id"]
    # The largest id is a well-formed one that names nothing.
    assert desk.get(f"/api/v1/appointments/{TOO_BIG - 1}").status_code == 404
