"""/api/v1/appointments/{id}/session, /sessions/{id}/... and /patients/{id}/sessions through
the real API client: the four ways into every operation (anonymous 401; another clinic's
patient and prescriber 404; Dan's own login 403 for the chart, 200 for his list; the front
desk 403; a nurse 403 for a prescriber's decision; the right role answered), each refusal
changing nothing and on the audit trail, then the exact answers of a whole IV session."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import User
from ketacare.sessions import dosing
from ketacare.sessions.models import Dose, SessionNote, TreatmentSession, VitalSign
from tests.scheduling.conftest import Day

from .api_world import (
    DISCHARGE,
    VITALS,
    base,
    call,
    checked_in,
    dosed,
    problem,
    reasons,
    refused_events,
    state,
    z,
)
from .operations import OPS, infusion_body
from .world import GOOD_PREDOSE, Chair, open_chair

#: The discharge criteria of the IV protocol, in the order the core checks them.
CRITERIA = (
    "observation_time",
    "sedation_resolved",
    "bp_near_baseline",
    "heart_rate_acceptable",
    "spo2_acceptable",
    "dissociation_resolved",
    "ambulating",
    "escort_present",
    "clinician_assessed_ready",
    "no_unresolved_stop",
    "alerts_acknowledged",
)


@pytest.fixture
def chair(day: Day, clock: time_machine.Coordinates) -> Chair:
    return open_chair(day, clock)


def test_the_operations_are_every_session_operation() -> None:
    """One added to the API and not here would go untested."""
    doc = Client().get("/api/v1/openapi.json").json()
    found = sorted(
        f"{method.upper()} {path.removeprefix('/api/v1/')}"
        for path, item in doc["paths"].items()
        for method in item
        if (path.startswith("/api/v1/sessions") or path.endswith(("/session", "/sessions")))
        # The REMS form and the signed note's PDF are the REMS API's (tests/sessions/rems).
        and not path.endswith(("/rems-form", "/rems-form.pdf", "/note.pdf"))
    )
    assert found == sorted(f"{op.method} {op.route}" for op in OPS.values())
    assert len(found) == 18


def _erin() -> User:
    return User.objects.get(email="erin@example.com")


@pytest.mark.parametrize("name", list(OPS))
def test_the_four_ways_into_each_operation(
    day: Day, clock: time_machine.Coordinates, name: str
) -> None:
    op = OPS[name]
    if name == "start":
        appointment = checked_in(day, clock)
        target = type("Target", (), {"appointment": appointment, "cast": day.cast})
        made: Any = None
    else:
        target = open_chair(day, clock)
        made = op.prepare(target)
    cast = day.cast
    path, body = op.request(target, made)  # type: ignore[arg-type]
    write = op.method != "GET"
    refused_before = len(refused_events())

    def refused(who: Any, status: int, kind: str) -> None:
        before = state()
        events = len(refused_events())
        response = call(who, op.method, path, body)
        assert response.status_code == status, (who, response.content)
        assert problem(response)["type"] == f"https://ketacare.org/problems/{kind}"
        assert state() == before
        if status != 401:
            # A refused write is on the trail as write.refused naming what was attempted.
            new = refused_events()[events:]
            expected = ("write.refused", op.action) if write else ("read.refused", "")
            assert new == [expected], (who, new)

    refused(None, 401, "unauthorized")
    refused(_erin(), 404, "not-found")
    refused(cast.outsider, 404, "not-found")
    if op.kind != "summary":
        refused(cast.dan_login, 403, "forbidden")
    refused(cast.front_desk, 403, "forbidden")
    if op.kind == "prescribe":
        refused(cast.nurse, 403, "forbidden")
    assert len(refused_events()) > refused_before

    who = cast.prescriber if op.kind == "prescribe" else cast.nurse
    response = call(who, op.method, path, body)
    assert response.status_code == op.ok, response.content
    if op.kind == "summary":
        mine = call(cast.dan_login, op.method, path, body)
        assert (mine.status_code, mine.json()) == (200, response.json())


# --- exact answers ----------------------------------------------------------------------------


def test_opening_the_session_answers_201_then_409_and_refuses_a_second(
    day: Day, clock: time_machine.Coordinates
) -> None:
    appointment = checked_in(day, clock)
    cast = day.cast
    path = f"/api/v1/appointments/{appointment.pk}/session"
    response = call(cast.nurse, "POST", path, {})
    assert response.status_code == 201, response.content
    session = TreatmentSession.objects.get(appointment=appointment)
    body = response.json()
    assert {k: v for k, v in body.items() if k != "safety"} == {
        "id": session.pk,
        "patient_id": str(cast.dan.pk),
        "appointment": appointment.pk,
        "site": day.site.pk,
        "chair": "Chair 1",
        "plan": appointment.plan_id,
        "plan_version": 1,
        "protocol_id": "depression-iv-induction",
        "protocol_version": session.protocol_version,
        "settings_version": session.settings_version.number,
        "drug": "ketamine",
        "route": "iv",
        "phase": "predose",
        "phase_label": "Pre-dose",
        "weight_kg": 82.5,
        "started_at": "2026-03-02T13:55:00Z",
        "first_dose_at": None,
        "dose_end_at": None,
        "discharged_at": None,
        "version": 1,
        "predose": None,
        "doses": [],
        "vitals": [],
        "observations": [],
        "events": [],
        "decisions": [],
        "acknowledgements": [],
        "discharge": None,
        "note": None,
    }
    # The read answers the same session, with the same safety picture.
    assert call(cast.nurse, "GET", f"/api/v1/sessions/{session.pk}").json() == body
    before = state()
    again = call(cast.nurse, "POST", path, {})
    assert again.status_code == 409
    assert reasons(again) == {"appointment": "this appointment's session is already open"}
    assert state() == before


def test_a_session_needs_a_checked_in_appointment_and_a_plan(
    day: Day, clock: time_machine.Coordinates
) -> None:
    from ketacare.scheduling import booking

    from .world import START

    appointment = checked_in(day, clock)
    cast = day.cast
    # Zoë booked for talk therapy without a plan, checked in.
    desk = cast.actor(cast.front_desk)
    later = booking.appointment_book(
        desk, cast.zoe.pk, service_id=day.service("Talk therapy").pk, start_at=START
    )
    booking.appointment_check_in(desk, later.pk)
    before = state()
    no_plan = call(cast.nurse, "POST", f"/api/v1/appointments/{later.pk}/session", {})
    assert no_plan.status_code == 422
    assert reasons(no_plan) == {
        "plan_id": "this appointment has no plan: choose the patient's signed plan"
    }
    # Dan's, back to booked by undoing nothing: a second one not checked in.
    booked = booking.appointment_book(
        desk,
        cast.dan.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=START.replace(day=5),
        plan_id=appointment.plan_id,
    )
    before = state()
    early = call(cast.nurse, "POST", f"/api/v1/appointments/{booked.pk}/session", {})
    assert early.status_code == 409
    assert reasons(early) == {
        "appointment": "the appointment is booked: check the patient in first"
    }
    assert state() == before
    assert refused_events()[-2:] == [
        ("write.refused", "session.start"),
        ("write.refused", "session.start"),
    ]


def test_the_safety_answer_before_and_after_dosing(chair: Chair) -> None:
    cast = chair.cast
    before = call(cast.nurse, "GET", base(chair) + "/safety").json()
    assert (before["now_t_min"], before["predose"], before["dosing_blocked"]) == (
        0.0,
        "hold",
        "chart the pre-dose checklist first",
    )
    assert [(f["code"], f["decision"]) for f in before["predose_findings"]] == [
        ("predose_bp_missing", "hold"),
        ("predose_fasting_missing", "prescriber_review"),
    ]
    assert [(c["code"], c["met"]) for c in before["discharge_checks"]] == [
        ("observation_time", False),
        ("sedation_resolved", False),
        ("bp_near_baseline", False),
        ("heart_rate_acceptable", False),
        ("spo2_acceptable", False),
        ("dissociation_resolved", False),
        ("ambulating", False),
        ("escort_present", False),
        ("clinician_assessed_ready", False),
        ("no_unresolved_stop", True),
        ("alerts_acknowledged", True),
    ]
    dosed(chair)
    chair.at(10)
    answer = call(cast.nurse, "POST", base(chair) + "/vitals", {**VITALS, "heart_rate": 125})
    assert answer.status_code == 201
    safety = call(cast.nurse, "GET", base(chair) + "/safety").json()
    assert safety == answer.json()["safety"]
    assert (safety["now_t_min"], safety["predose"], safety["dosing_blocked"]) == (
        10.0,
        "proceed",
        None,
    )
    assert (safety["stop_dosing"], safety["ready_for_discharge"], safety["warnings"]) == (
        False,
        False,
        [],
    )
    assert safety["alerts"] == [
        {
            "code": "heart_rate_high",
            "level": "alert",
            "t_min": 10.0,
            "at": "2026-03-02T14:10:00Z",
            "message": "Heart rate 125/min is above 110/min.",
            "source": "Royal College of Physicians. National Early Warning Score (NEWS) 2: "
            "Standardising the assessment of acute-illness severity in the NHS. Updated report "
            "of a working party. London: RCP, 2017",
            "open": True,
        }
    ]
    assert [(c["code"], c["due_t_min"], c["due_at"]) for c in safety["next_checks"]] == [
        ("vitals", 25.0, "2026-03-02T14:25:00Z"),
        ("observation_end", 70.0, "2026-03-02T15:10:00Z"),
    ]
    assert [c["code"] for c in safety["discharge_checks"] if c["met"]] == [
        "bp_near_baseline",
        "spo2_acceptable",
        "escort_present",
        "no_unresolved_stop",
    ]
    ack = call(
        cast.nurse,
        "POST",
        base(chair) + "/acknowledgements",
        {"code": "heart_rate_high", "t_min": 10, "note": "Anxious; reassured"},
    )
    assert ack.status_code == 201
    assert {k: v for k, v in ack.json()["acknowledgement"].items() if k != "id"} == {
        "measured_at": "2026-03-02T14:10:00Z",
        "late": False,
        "entered_by": "Nina Nurse <nina@example.com> (nurse)",
        "entered_at": "2026-03-02T14:10:00Z",
        "code": "heart_rate_high",
        "alert_t_min": 10.0,
        "note": "Anxious; reassured",
    }
    assert [a["open"] for a in ack.json()["safety"]["alerts"]] == [False]


def test_the_curve_runs_from_minute_0_by_the_minute_and_gives_what_was_given(
    chair: Chair,
) -> None:
    cast = chair.cast
    empty = call(cast.nurse, "GET", base(chair) + "/curve").json()
    assert empty["t_min"][:3] == [0.0, 1.0, 2.0]
    assert all(b - a == 1.0 for a, b in zip(empty["t_min"], empty["t_min"][1:], strict=False))
    assert set(empty["given_conc_ng_per_ml"]) == {0.0}
    assert (empty["model"], empty["projected_from_t_min"], empty["now_t_min"]) == (
        "kamp2020",
        None,
        0.0,
    )
    dose = dosed(chair)
    rate = Decimal(str(chair.plan.dose["rate_mg_per_h"]))
    # Ten changes, two minutes apart: paused, running again, paused...
    for n in range(10):
        chair.at(2 * (n + 1))
        dosing.rate_change(
            chair.nurse,
            chair.session.pk,
            dose.pk,
            rate_mg_per_h=Decimal(0) if n % 2 == 0 else rate,
            reason="Pause to settle nausea" if n % 2 == 0 else "Nausea settled: resumed",
        )
    chair.at(21)
    curve = call(cast.nurse, "GET", base(chair) + "/curve").json()
    given, t = curve["given_conc_ng_per_ml"], curve["t_min"]
    assert t[:22] == [float(m) for m in range(22)]
    assert given[0] == 0.0 and all(c > 0 for c in given[1:22])
    # Falling while paused (2-4, 6-8, ...), rising while running (4-6, 8-10, ...).
    for start in range(2, 21, 2):
        paused = (start // 2) % 2 == 1
        assert (given[start + 2] < given[start]) is paused, (start, given[start : start + 3])
    assert (curve["projected_from_t_min"], curve["now_t_min"]) == (21.0, 21.0)


def test_an_iv_session_through_the_api(chair: Chair) -> None:
    """Pre-dose, the infusion, its rate, vitals, ratings, an event; discharge refused naming
    every criterion unmet, then given; the note saved, signed, locked, and an addendum."""
    cast, b = chair.cast, base(chair)
    nurse = cast.nurse
    chair.at(-3)
    assert call(nurse, "POST", b + "/vitals", VITALS).status_code == 201
    predose = call(nurse, "POST", b + "/predose", GOOD_PREDOSE)
    assert predose.status_code == 201
    assert (predose.json()["predose"]["decision"], predose.json()["predose"]["findings"]) == (
        "proceed",
        [],
    )
    chair.at(0)
    dose = call(
        nurse, "POST", b + "/doses", {**infusion_body(chair), "witness_id": cast.prescriber.pk}
    )
    assert dose.status_code == 201, dose.content
    row = Dose.objects.get()
    assert dose.json()["dose"] == {
        "id": row.pk,
        "measured_at": "2026-03-02T14:00:00Z",
        "late": False,
        "entered_by": "Nina Nurse <nina@example.com> (nurse)",
        "entered_at": "2026-03-02T14:00:00Z",
        "kind": "infusion",
        "drug": "ketamine",
        "route": "iv",
        "product": "Ketamine HCl injection 50 mg/mL, 10 mL vial",
        "lot_id": chair.stock.ketamine.pk,
        "lot_number": "KV-2411",
        "lot_expiry": "2027-06-30",
        "concentration_mg_per_ml": 50.0,
        "dose_mg": 41.3,
        "given_mg": 0.0,
        "ended_at": None,
        "rate_mg_per_h": 62.0,
        "rate_changes": [],
        "device_number": None,
        "given_by": "Nina Nurse <nina@example.com> (nurse)",
        "witnessed_by": "Dr Bob Prescriber",
        "order": None,
    }
    chair.at(10)
    change = call(
        nurse,
        "POST",
        f"{b}/doses/{row.pk}/rate-changes",
        {"rate_mg_per_h": 31, "reason": "Nausea: slowed to half"},
    )
    assert change.status_code == 201
    assert {k: v for k, v in change.json()["rate_change"].items() if k != "id"} == {
        "measured_at": "2026-03-02T14:10:00Z",
        "late": False,
        "entered_by": "Nina Nurse <nina@example.com> (nurse)",
        "entered_at": "2026-03-02T14:10:00Z",
        "rate_mg_per_h": 31.0,
        "reason": "Nausea: slowed to half",
    }
    event = call(
        nurse,
        "POST",
        b + "/events",
        {"kind": "side_effect", "code": "nausea", "severity": "mild", "outcome": "resolved"},
    )
    assert event.status_code == 201
    assert {k: v for k, v in event.json()["event"].items() if k not in ("id",)} == {
        "measured_at": "2026-03-02T14:10:00Z",
        "late": False,
        "entered_by": "Nina Nurse <nina@example.com> (nurse)",
        "entered_at": "2026-03-02T14:10:00Z",
        "kind": "side_effect",
        "code": "nausea",
        "severity": "mild",
        "serious": False,
        "outcome": "resolved",
        "resolved_at": "2026-03-02T14:10:00Z",
        "description": "",
    }
    for minute in (20, 30, 45):
        chair.at(minute)
        assert call(nurse, "POST", b + "/vitals", VITALS).status_code == 201
    # 41.3 mg: 10 min at 62 mg/h (10.33 mg), then 31 mg/h for the rest (30.97 mg: 59.9 min).
    chair.at(70)
    ended = call(nurse, "POST", f"{b}/doses/{row.pk}/end", {})
    assert ended.status_code == 200
    # Ended a little late: by its rates 10.33 + 31.0 mg went in.
    assert (ended.json()["dose"]["ended_at"], ended.json()["dose"]["given_mg"]) == (
        "2026-03-02T15:10:00Z",
        41.33,
    )
    chair.at(75)
    observation = call(nurse, "POST", b + "/observations", {"instrument": "moaas", "score": 5})
    assert observation.status_code == 201
    assert {
        k: observation.json()["observation"][k]
        for k in ("instrument", "instrument_version", "answers", "score", "band")
    } == {
        "instrument": "moaas",
        "instrument_version": 1,
        "answers": None,
        "score": 5,
        "band": observation.json()["observation"]["band"],
    }
    before = state()
    early = call(nurse, "POST", b + "/discharge", DISCHARGE)
    assert early.status_code == 409
    # Every criterion unmet is named: the observation time, and two late readings' alerts.
    assert reasons(early) == {
        "observation_time": "5 of 60 min observed since dosing ended.",
        "alerts_acknowledged": "Not yet acknowledged: vitals_overdue at minute 15; "
        "vitals_overdue at minute 60.",
    }
    assert problem(early)["type"] == "https://ketacare.org/problems/conflict"
    assert state() == before
    for minute in (15, 60):
        ack = {"code": "vitals_overdue", "t_min": minute, "note": "Charted late"}
        assert call(nurse, "POST", b + "/acknowledgements", ack).status_code == 201
    for minute in (100, 115, 130):
        chair.at(minute)
        assert call(nurse, "POST", b + "/vitals", VITALS).status_code == 201
    call(nurse, "POST", b + "/observations", {"instrument": "moaas", "score": 5})
    call(nurse, "POST", b + "/observations", {"instrument": "cadss", "score": 0})
    done = call(nurse, "POST", b + "/discharge", DISCHARGE)
    assert done.status_code == 201, done.content
    assert {k: v for k, v in done.json().items() if k != "checks"} == {
        "discharged_at": "2026-03-02T16:10:00Z",
        "discharged_by": "Nina Nurse <nina@example.com> (nurse)",
        "left_with_name": "Dana Dawson",
        "left_with_relation": "sister",
        "dissociation_resolved": True,
        "ambulating": True,
        "clinician_assessed_ready": True,
        "ready_without_rule_min": None,
    }
    checks = {c["code"]: (c["met"], c["overridden"]) for c in done.json()["checks"]}
    assert checks == dict.fromkeys(CRITERIA, (True, False))
    note = SessionNote.objects.get()
    saved = call(
        nurse,
        "PUT",
        b + "/note",
        {"body": note.body + "\nTolerated well.", "version": note.version},
    )
    assert saved.status_code == 200
    assert (saved.json()["version"], saved.json()["signed_at"]) == (note.version + 1, None)
    assert saved.json()["body"].endswith("\nTolerated well.")
    signed = call(nurse, "POST", b + "/note/sign", {"version": note.version + 1})
    assert signed.status_code == 200
    assert (signed.json()["signed_by"], signed.json()["signed_at"]) == (
        "Nina Nurse <nina@example.com> (nurse)",
        "2026-03-02T16:10:00Z",
    )
    added = call(nurse, "POST", b + "/note/addenda", {"body": "Called the next day: slept well."})
    assert added.status_code == 201
    assert added.json() == {
        "body": "Called the next day: slept well.",
        "written_by": "Nina Nurse <nina@example.com> (nurse)",
        "written_at": "2026-03-02T16:10:00Z",
    }
    whole = call(nurse, "GET", b).json()
    assert (whole["phase"], whole["discharged_at"], len(whole["vitals"])) == (
        "discharged",
        "2026-03-02T16:10:00Z",
        VitalSign.objects.count(),
    )
    assert [a["body"] for a in whole["note"]["addenda"]] == ["Called the next day: slept well."]
    listed = call(cast.dan_login, "GET", f"/api/v1/patients/{cast.dan.pk}/sessions")
    assert listed.json() == [
        {
            "id": chair.session.pk,
            "started_at": "2026-03-02T13:55:00Z",
            "site": "Harbor Ketamine Clinic",
            "drug": "ketamine",
            "route": "iv",
            "protocol_id": "depression-iv-induction",
            "phase": "discharged",
            "discharged_at": "2026-03-02T16:10:00Z",
        }
    ]


def test_a_dose_order_is_the_prescribers_and_names_its_fields(chair: Chair) -> None:
    cast = chair.cast
    before = state()
    bad = call(
        cast.prescriber,
        "POST",
        base(chair) + "/decisions",
        {"kind": "dose_order", "reason": "More", "dose_mg": 900},
    )
    assert bad.status_code == 422
    assert reasons(bad) == {"dose_mg": "must be above 0 and at most 600"}
    empty = call(
        cast.prescriber,
        "POST",
        base(chair) + "/decisions",
        {"kind": "dose_order", "reason": "More"},
    )
    assert reasons(empty) == {"dose_mg": "name the dose ordered: dose_mg, rate_mg_per_h, or both"}
    assert state() == before
    made = call(
        cast.prescriber,
        "POST",
        base(chair) + "/decisions",
        {"kind": "dose_order", "reason": "Partial response at 0.5 mg/kg", "dose_mg": 49.5},
    )
    assert made.status_code == 201
    assert {k: v for k, v in made.json()["decision"].items() if k != "id"} == {
        "kind": "dose_order",
        "subject": "",
        "detail": {"dose_mg": 49.5},
        "reason": "Partial response at 0.5 mg/kg",
        "decided_by": "Dr Bob Prescriber <bob@example.com> (prescriber)",
        "decided_at": "2026-03-02T13:55:00Z",
    }


def test_the_read_is_audited(chair: Chair) -> None:
    from ketacare.audit.models import AuditEvent

    response = call(chair.cast.nurse, "GET", base(chair))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="session.read").latest("pk")
    assert (event.patient_id, event.target_id) == (chair.cast.dan.pk, str(chair.session.pk))
    assert re.match(r"^\d+$", str(response.json()["id"]))
    assert z(chair.session.started_at) == response.json()["started_at"]


def test_a_session_read_a_week_later_is_judged_as_it_stood_a_day_after_its_first_dose(
    chair: Chair,
) -> None:
    """The core judges up to 1440 min after the first dose; last week's session still reads."""
    dose = dosed(chair)
    chair.at(40)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    chair.at(7 * 24 * 60)
    for path in ("", "/safety", "/curve"):
        response = call(chair.cast.nurse, "GET", base(chair) + path)
        assert response.status_code == 200, (path, response.content[:300])
    safety = call(chair.cast.nurse, "GET", base(chair) + "/safety").json()
    assert safety["now_t_min"] == 1440.0
    curve = call(chair.cast.nurse, "GET", base(chair) + "/curve").json()
    assert (curve["now_t_min"], curve["t_min"][-1]) == (1440.0, 1440.0)
