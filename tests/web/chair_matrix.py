"""The permission matrix's part for the chair's pages (the chair page, its forms, the board,
starting a session); the sessions API has its own part.

The world is the scheduling part's day (``scheduling_matrix.add_rows``, 10:00 on Monday 2 March
2026, the clock stopped) with the ledger stocked, Dan booked for his signed IV plan at 10:00
in Chair 1 and checked in, his session opened by the nurse, the checklist charted at 09:40,
baseline vitals at 09:40 and a blood pressure of 182/96 at 09:50 (an open alert), and the
infusion started at 09:45 and running; Zoë booked for her signed plan at 13:00 in Chair 2 and
checked in, with no session yet (the start route opens hers).

Columns: anonymous, patient (Dan, who reads his own session's summary, not the chair page),
outsider (another clinic's prescriber: not found), front desk (no session permission),
nurse, prescriber, owner (reads sessions, does not chart). A refused write leaves every
session row and every lot as it was.

Some permitted writes are refused by the chart's state, which the matrix shows with the status
of that refusal (the services' rules are tested in tests/sessions/): the checklist once dosing
has started (409), another dose beyond the plan (400), a discharge while the infusion runs
(409), and the note before discharge (404: no note yet).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from ketacare.accounts.actor import actor_for
from ketacare.controlled import services as ledger
from ketacare.controlled.models import LedgerEntry, Lot
from ketacare.scheduling import booking
from ketacare.sessions import charting, dosing, services
from ketacare.sessions.models import (
    Acknowledgement,
    Decision,
    Discharge,
    Dose,
    Event,
    Observation,
    PredoseCheck,
    RateChange,
    SessionNote,
    TreatmentSession,
    VitalSign,
)
from ketacare.sessions.view import view_of
from tests.scheduling.conftest import MONDAY, ny
from tests.web import scheduling_matrix

S = "sessions/<int:pk>/"

# Clinic columns: anonymous, patient, outsider, front desk, nurse, prescriber, owner.
_READ = (302, 403, 404, 403, 200, 200, 200)
_BOARD = (302, 403, 200, 403, 200, 200, 200)
_CHART = (302, 403, 404, 403, 302, 302, 403)
_PRESCRIBE = (302, 403, 404, 403, 403, 302, 403)


def _refused_by_the_chart(status: int) -> tuple[int, ...]:
    return (302, 403, 404, 403, status, status, 403)


ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "sessions/board/", "chair_board", _BOARD),
    ("GET", "sessions/board/grid/", "chair_board_grid", _BOARD),
    ("POST", "sessions/start/<int:appointment_id>/", "chair_start", _CHART),
    ("GET", S, "chair_page", _READ),
    ("GET", f"{S}live/", "chair_live", _READ),
    ("POST", f"{S}predose/", "chair_predose", _refused_by_the_chart(409)),
    ("POST", f"{S}decision/", "chair_decision", _PRESCRIBE),
    ("POST", f"{S}dose/", "chair_dose", _refused_by_the_chart(400)),
    ("POST", f"{S}doses/<int:dose_id>/rate/", "chair_rate", _CHART),
    ("POST", f"{S}doses/<int:dose_id>/end/", "chair_end", _CHART),
    ("POST", f"{S}vitals/", "chair_vitals", _CHART),
    ("POST", f"{S}moaas/", "chair_moaas", _CHART),
    ("POST", f"{S}cadss/", "chair_cadss", _CHART),
    ("POST", f"{S}event/", "chair_event", _CHART),
    ("POST", f"{S}acknowledge/", "chair_ack", _CHART),
    ("POST", f"{S}discharge/", "chair_discharge", _refused_by_the_chart(409)),
    ("POST", f"{S}note/", "chair_note", _refused_by_the_chart(404)),
    ("POST", f"{S}note/sign/", "chair_note_sign", _refused_by_the_chart(404)),
    ("POST", f"{S}note/addenda/", "chair_addendum", _refused_by_the_chart(404)),
]
KINDS = {kind for _, _, kind, _ in ENTRIES}
ROW_ROUTES = {route for _, route, _, _ in ENTRIES if "<" in route}

WRITE_ACTIONS = (
    "session.start",
    "session.predose",
    "session.decision",
    "session.dose",
    "session.dose_end",
    "session.rate_change",
    "session.vitals",
    "session.observation",
    "session.event",
    "session.acknowledge",
    "session.discharge",
    "session.note_save",
    "session.note_sign",
    "session.addendum",
)
READ_ACTIONS = ("session.read", "session.board")

#: What each permitted write adds, and the audited write it makes.
_ADDS = {
    "chair_start": (TreatmentSession, "session.start"),
    "chair_decision": (Decision, "session.decision"),
    "chair_rate": (RateChange, "session.rate_change"),
    "chair_vitals": (VitalSign, "session.vitals"),
    "chair_moaas": (Observation, "session.observation"),
    "chair_cadss": (Observation, "session.observation"),
    "chair_event": (Event, "session.event"),
    "chair_ack": (Acknowledgement, "session.acknowledge"),
}


def state() -> dict[str, list[Any]]:
    """Every session row and every lot and ledger entry a refused write must leave alone."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            TreatmentSession,
            PredoseCheck,
            Dose,
            RateChange,
            VitalSign,
            Observation,
            Event,
            Decision,
            Acknowledgement,
            Discharge,
            SessionNote,
            Lot,
            LedgerEntry,
        )
    }


def add_rows(world: Any) -> None:
    if "chair" in world.schedule:
        return
    scheduling_matrix.add_rows(world)
    cast = world.cast
    day = world.schedule["day"]
    owner, desk, nurse = (actor_for(m) for m in (cast.owner, cast.front_desk, cast.nurse))
    vial = ledger.product_create(
        owner,
        name="Ketamine HCl injection 50 mg/mL, 10 mL vial",
        drug="ketamine",
        form="injection",
        strength="50 mg/mL",
        unit="mg",
        concentration_mg_per_ml=Decimal("50"),
    )
    ledger.receipt_record(
        owner,
        product_id=vial.pk,
        site_id=day.site.pk,
        lot_number="KV-2411",
        expires_on=date(2027, 6, 30),
        quantity=Decimal("5000"),
        received_at=ny(MONDAY, 7),
        supplier="Henry Schein",
        invoice_number="INV-KV-2411",
    )
    infusion = day.service("Ketamine IV infusion").pk
    appointments = {}
    for name, hour, chair in (("dan", 10, day.chairs[0]), ("zoe", 13, day.chairs[1])):
        patient = getattr(cast, name)
        appointment = booking.appointment_book(
            desk,
            patient.pk,
            service_id=infusion,
            start_at=ny(MONDAY, hour),
            resource_id=chair.pk,
            plan_id=world.care[(name, "signed")].pk,
        )
        appointments[name] = booking.appointment_check_in(desk, appointment.pk)
    session = services.session_start(nurse, appointments["dan"].pk)
    at = ny(MONDAY, 9, 40)
    vitals = {"systolic_mmhg": 122, "diastolic_mmhg": 78, "heart_rate_bpm": 72, "spo2_percent": 98}
    charting.vitals_record(nurse, session.pk, measured_at=at, **vitals)
    services.predose_record(
        nurse,
        session.pk,
        measured_at=at,
        identity_confirmed=True,
        consent_confirmed=True,
        hours_since_solids=6.0,
        hours_since_clear_fluids=3.0,
        escort_present=True,
        escort_name="Dana Dawson",
        escort_phone="+1 617 555 0199",
        pregnancy="not_applicable",
        same_day_screen={"source": "now", "phq9_item9": 0},
    )
    plan = session.plan
    dose, _ = dosing.dose_record(
        nurse,
        session.pk,
        kind="infusion",
        lot_id=Lot.objects.get(lot_number="KV-2411").pk,
        dose_mg=Decimal(str(plan.dose_mg)),
        rate_mg_per_h=Decimal(str(plan.dose["rate_mg_per_h"])),
        measured_at=at + timedelta(minutes=5),
    )
    charting.vitals_record(
        nurse,
        session.pk,
        measured_at=at + timedelta(minutes=10),
        systolic_mmhg=182,
        diastolic_mmhg=96,
    )
    world.schedule.update({"chair": session, "dose": dose, "zoe_infusion": appointments["zoe"]})


def url(world: Any, kind: str, route: str, route_url: str) -> str:
    if kind not in KINDS and route not in ROW_ROUTES:
        return route_url
    add_rows(world)
    if kind.startswith("chair_board"):
        return route_url  # the user's first site
    for key, value in (
        ("<int:appointment_id>", world.schedule["zoe_infusion"].pk),
        ("<int:dose_id>", world.schedule["dose"].pk),
        ("<int:pk>", world.schedule["chair"].pk),
    ):
        route_url = route_url.replace(key, str(value))
    return route_url


def _open_alert(world: Any) -> Any:
    session = TreatmentSession.objects.get(pk=world.schedule["chair"].pk)
    return next(a for a in view_of(session).open_alerts if a.level == "alert")


def body(world: Any, kind: str) -> dict[str, Any]:
    """A valid form for each route (a refusal must come from the permission or the chart)."""
    dose = world.schedule["dose"].pk
    forms: dict[str, dict[str, Any]] = {
        "chair_predose": {
            "predose-identity_confirmed": "on",
            "predose-consent_confirmed": "on",
            "predose-escort_present": "on",
            "predose-escort_name": "Dana Dawson",
            "predose-escort_phone": "+1 617 555 0199",
            "predose-pregnancy": "not_applicable",
            "predose-screen_source": "now",
            "predose-phq9_item9": "0",
        },
        "chair_decision": {
            "decision-kind": "dose_order",
            "decision-dose_mg": "50",
            "decision-reason": "Weight today is higher; dose to 50 mg",
        },
        "chair_dose": {
            "dose-kind": "injection",
            "dose-lot_id": str(Lot.objects.get(lot_number="KV-2411").pk),
            "dose-dose_mg": "20",
        },
        "chair_rate": {f"rate-{dose}-rate_mg_per_h": "30", f"rate-{dose}-reason": "Nausea"},
        "chair_end": {},
        "chair_vitals": {"vitals-heart_rate_bpm": "80", "vitals-spo2_percent": "97"},
        "chair_moaas": {"moaas-score": "5"},
        "chair_cadss": {"cadss-score": "4"},
        "chair_event": {
            "event-kind": "side_effect",
            "event-code": "nausea",
            "event-severity": "mild",
            "event-outcome": "ongoing",
        },
        "chair_discharge": {"discharge-left_with_name": "Dana Dawson"},
        "chair_note": {"note-body": "Tolerated well.", "note-version": "1"},
        "chair_note_sign": {"sign-version": "1"},
        "chair_addendum": {"addendum-body": "Called the next day: well."},
    }
    if kind == "chair_ack":
        alert = _open_alert(world)
        return {"ack-code": alert.code, "ack-t_min": str(alert.t_min)}
    return forms.get(kind, {})


def check_allowed(
    world: Any,
    kind: str,
    column: str,
    response: HttpResponse,
    writes: list[str],
    before: dict[str, list[Any]],
) -> None:
    """What a permitted user gets: the page of Dan's session, the board of Harbor's chairs (or
    the outsider's own clinic's), the entry added and audited, or the chart's refusal and
    nothing written."""
    session = world.schedule["chair"]
    html = response.content.decode()
    if kind in ("chair_page", "chair_live"):
        assert response.context["session"].pk == session.pk
        assert ">Timeline</h2>" in html
        assert writes == []
    elif kind in ("chair_board", "chair_board_grid"):
        tiles = html.count('class="card chair-tile')
        assert tiles == (0 if column == "outsider" else 3)
        if column != "outsider":
            assert f'href="/sessions/{session.pk}/"' in html
        assert writes == []
    elif kind == "chair_start":
        opened = TreatmentSession.objects.get(appointment=world.schedule["zoe_infusion"])
        assert response["Location"] == f"/sessions/{opened.pk}/"
        assert writes == ["session.start"]
    elif kind in _ADDS:
        model, action = _ADDS[kind]
        old = [row["id"] for row in before[model.__name__]]
        assert model.objects.exclude(pk__in=old).count() == 1
        assert response["Location"].startswith(f"/sessions/{session.pk}/#")
        assert writes == [action]
    elif kind == "chair_end":
        assert Dose.objects.get(pk=world.schedule["dose"].pk).ended_at is not None
        assert writes == ["session.dose_end"]
    else:
        # Refused by the chart's state: shown on the page, nothing written.
        assert writes == []
        for model in (PredoseCheck, Dose, Discharge, SessionNote, LedgerEntry):
            assert list(model.objects.order_by("pk").values()) == before[model.__name__]
        if response.status_code in (400, 409):
            assert (
                "Not saved" in html
                or "things to fix" in html
                or "thing to fix" in html
                or ("Not discharged yet" in html)
            )
