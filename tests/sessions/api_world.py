"""The chair's API as a tablet calls it: a fresh logged-in client per call (the clock jumps
by more than the idle logoff between readings), the session brought to the state an
endpoint needs through the real services, and the state a refused call must leave alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.http import HttpResponse
from django.test import Client

from ketacare.accounts.models import Membership, User
from ketacare.audit.models import AuditEvent
from ketacare.controlled.models import LedgerEntry, Lot
from ketacare.scheduling import booking
from ketacare.scheduling.models import Appointment
from ketacare.sessions import charting, discharge, dosing
from ketacare.sessions.models import (
    Acknowledgement,
    Addendum,
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
from tests.conftest import logged_in
from tests.scheduling.conftest import Day, add_escort, signed_plan

from .world import START, Chair, infusion, stock

REFUSALS = ("write.refused", "read.refused")
MODELS = (
    TreatmentSession,
    PredoseCheck,
    Decision,
    Dose,
    RateChange,
    VitalSign,
    Observation,
    Event,
    Acknowledgement,
    Discharge,
    SessionNote,
    Addendum,
    LedgerEntry,
)


def z(moment: datetime) -> str:
    """An instant as the API writes it: UTC with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def client_of(who: Membership | User | None) -> Client:
    if who is None:
        return Client()
    return logged_in(who.user if isinstance(who, Membership) else who)


def call(
    who: Membership | User | None, method: str, path: str, body: Any = None, **headers: Any
) -> HttpResponse:
    client = client_of(who)
    if method == "GET":
        return client.get(path, **headers)
    send = {"POST": client.post, "PUT": client.put, "PATCH": client.patch}[method]
    return send(path, json.dumps(body or {}), content_type="application/json", **headers)


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:400]
    return json.loads(response.content)  # type: ignore[no-any-return]


def reasons(response: HttpResponse) -> dict[str, str]:
    return {p["name"]: p["reason"] for p in problem(response)["invalid_params"]}


def state() -> dict[str, Any]:
    """Every row a chair-side write could add or change, and the audit trail's writes."""
    return {
        **{model.__name__: model.objects.count() for model in MODELS},
        "sessions": list(
            TreatmentSession.objects.order_by("pk").values_list(
                "pk", "phase", "version", "weight_kg", "first_dose_at", "discharged_at"
            )
        ),
        "notes": list(SessionNote.objects.values_list("pk", "version", "body", "signed_at")),
        "lots": list(Lot.objects.order_by("pk").values_list("pk", "balance")),
        "appointments": list(Appointment.objects.order_by("pk").values_list("pk", "status")),
        "doses": list(Dose.objects.order_by("pk").values_list("pk", "ended_at")),
        "audit": AuditEvent.objects.exclude(action__in=REFUSALS).count(),
    }


def refused_events() -> list[tuple[str, str]]:
    return [
        (e.action, (e.data or {}).get("attempted", ""))
        for e in AuditEvent.objects.filter(action__in=REFUSALS).order_by("pk")
    ]


def base(chair: Chair) -> str:
    return f"/api/v1/sessions/{chair.session.pk}"


# --- states -----------------------------------------------------------------------------------


def checked(chair: Chair) -> None:
    """A baseline reading at -3 min and a pre-dose checklist that says go."""
    chair.vitals(-3)
    chair.predose()


def dosed(chair: Chair) -> Dose:
    """Checked, and the plan's infusion started at minute 0 (the clock left at 0)."""
    checked(chair)
    dose, _ = infusion(chair, 0)
    return dose


def observed(chair: Chair) -> Dose:
    """The infusion given from 0 to 40 min and the patient watched to minute 100: every
    criterion but the three confirmed at discharge is met (the clock at 100)."""
    dose = dosed(chair)
    for minute in (10, 20, 30):
        chair.vitals(minute)
    chair.at(35)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    chair.vitals(40)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    for minute in (50, 65, 80, 95, 100):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="cadss", score_value=0)
    return dose


#: ``CALM`` as the API takes it: the chair's short names (``sessions.api.VitalsIn``).
VITALS = {"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98, "resp_rate": 14}

DISCHARGE = {
    "left_with_name": "Dana Dawson",
    "left_with_relation": "sister",
    "dissociation_resolved": True,
    "ambulating": True,
    "clinician_assessed_ready": True,
}


def discharged(chair: Chair) -> SessionNote:
    """Observed and discharged at minute 100: the note is drafted, unsigned."""
    observed(chair)
    discharge.discharge_record(chair.nurse, chair.session.pk, **DISCHARGE)
    return SessionNote.objects.get(session=chair.session)


def checked_in(day: Day, clock: time_machine.Coordinates) -> Appointment:
    """``open_chair`` up to the check-in: Dan's 09:00 infusion under his signed plan, the
    ledger stocked, checked in at 08:50 (the clock left at 08:55), no session yet."""
    cast = day.cast
    plan = signed_plan(cast)
    add_escort(cast)
    desk = cast.actor(cast.front_desk)
    appointment = booking.appointment_book(
        desk,
        cast.dan.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=START,
        plan_id=plan.pk,
    )
    stock(cast, day)
    clock.move_to((START - timedelta(minutes=10)).astimezone(UTC))
    booking.appointment_check_in(desk, appointment.pk)
    clock.move_to((START - timedelta(minutes=5)).astimezone(UTC))
    return appointment
