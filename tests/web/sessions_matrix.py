"""The permission matrix's part for the chair's API: opening an appointment's session, reading
a session (its safety picture and curve), every chart-side write, the prescriber's decisions,
discharge and the note, and a patient's list of sessions.

The care team reads a session (the owner too); nurses and prescribers chart; only a
prescriber decides. A patient reads the list of their own sessions, not the chart; another
clinic's prescriber finds none of Harbor's. Each entry's world is Dan's session brought to
where the operation applies, through the real services (``tests.sessions.operations``), on
Monday 2 March 2026 with the clock stopped. A refused write leaves every row of the chart and
the ledger as it was.
"""

from __future__ import annotations

import re
from datetime import UTC
from types import SimpleNamespace
from typing import Any

from django.http import HttpResponse

from ketacare.audit.models import AuditEvent
from ketacare.controlled.models import LedgerEntry, Lot
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
from tests.scheduling.conftest import MONDAY, build_day, ny
from tests.sessions.api_world import checked_in
from tests.sessions.operations import OPS
from tests.sessions.world import open_chair

SET_UP_AT = ny(MONDAY, 7).astimezone(UTC)


def _route(route: str) -> str:
    return "api/v1/" + re.sub(r"\{(\w+)\}", r"<\1>", route)


def _kind(name: str) -> str:
    return "api_session_" + name.replace("-", "_")


# Clinic columns: anonymous, patient, outsider, front desk, nurse, prescriber, owner.
def _statuses(kind: str, ok: int) -> tuple[int, ...]:
    if kind == "read":
        return (401, 403, 404, 403, ok, ok, ok)
    if kind == "chart":
        return (401, 403, 404, 403, ok, ok, 403)
    if kind == "prescribe":
        return (401, 403, 404, 403, 403, ok, 403)
    # A patient's list: anonymous, patient (own, other), outsider, front desk, nurse,
    # prescriber, owner.
    return (401, ok, 404, 404, 403, ok, ok, ok)


ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    (op.method, _route(op.route), _kind(name), _statuses(op.kind, op.ok))
    for name, op in OPS.items()
]
KINDS = {kind for _, _, kind, _ in ENTRIES}
_NAMES = {_kind(name): name for name in OPS}
#: Routes naming a session, a dose or an appointment to open: the world needs a session.
ROW_ROUTES = {
    route
    for _, route, _, _ in ENTRIES
    if any(key in route for key in ("<session_id>", "<dose_id>", "<appointment_id>"))
}

WRITE_ACTIONS = tuple(sorted({op.action for op in OPS.values() if op.action}))
READ_ACTIONS = ("session.read",)
PERM_NAMED = {
    _kind(name): {
        "read": "session.read",
        "chart": "session.chart",
        "prescribe": "session.prescribe",
        "summary": "session.summary",
    }[op.kind]
    for name, op in OPS.items()
}
#: The row each write adds.
ADDS = {
    "start": TreatmentSession,
    "predose": PredoseCheck,
    "decision": Decision,
    "dose": Dose,
    "rate-change": RateChange,
    "vitals": VitalSign,
    "observation": Observation,
    "event": Event,
    "acknowledgement": Acknowledgement,
    "discharge": Discharge,
    "addendum": Addendum,
}
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
    Lot,
)


def state() -> dict[str, list[Any]]:
    """Every row of the chair's chart and of the ledger a refused write must leave as it was."""
    return {
        f"sessions.{model.__name__}": list(model.objects.order_by("pk").values())
        for model in MODELS
    }


def add_rows(world: Any, kind: str | None = None) -> None:
    """Dan's session (or, to open one, his checked-in appointment) where ``kind`` applies; a
    probe gets a running infusion (every id of every route)."""
    if world.sessions:
        return
    name = _NAMES.get(kind or "", "dose-end")
    op = OPS[name]
    world.clock.move_to(SET_UP_AT, tick=False)
    day = build_day(world.cast)
    if name == "start":
        appointment = checked_in(day, world.clock)
        target: Any = SimpleNamespace(appointment=appointment, cast=world.cast)
        made = None
        ids = {"<appointment_id>": appointment.pk}
    else:
        target = open_chair(day, world.clock)
        made = op.prepare(target)
        dose = Dose.objects.filter(session=target.session).order_by("pk").first()
        ids = {
            "<session_id>": target.session.pk,
            "<appointment_id>": target.appointment.pk,
            "<dose_id>": dose.pk if dose else 0,
        }
    path, body = op.request(target, made)
    world.sessions.update({"name": name, "path": path, "body": body, "ids": ids})


def url(world: Any, kind: str, route: str, route_url: str) -> str:
    """The prepared request's path for its own entry; for a probe, the route with the
    session's ids."""
    if route not in ROW_ROUTES:
        return route_url
    add_rows(world, kind if kind in KINDS else None)
    if kind in KINDS:
        return str(world.sessions["path"])
    for key, value in world.sessions["ids"].items():
        route_url = route_url.replace(key, str(value))
    return route_url


def body(world: Any, kind: str) -> dict[str, Any]:
    return dict(world.sessions.get("body") or {})


def not_found_named(route: str) -> str | None:
    return "No such session" if "<session_id>" in route else None


def check_allowed(
    world: Any,
    kind: str,
    column: str,
    response: HttpResponse,
    before: dict[str, list[Any]],
    writes: list[str],
    last_id: int,
) -> None:
    """A permitted user gets Dan's session (or his list), and a write adds its one row and
    its one audited event."""
    name = _NAMES[kind]
    op = OPS[name]
    dan = str(world.cast.dan.pk)
    reads = list(
        AuditEvent.objects.filter(id__gt=last_id, action="session.read", outcome="success")
        .order_by("id")
        .values_list("patient_id", flat=True)
    )
    answer = response.json()
    if op.method == "GET":
        assert writes == []
        assert [str(p) for p in reads] == [dan]
        if name == "read":
            assert (answer["id"], answer["patient_id"]) == (
                world.sessions["ids"]["<session_id>"],
                dan,
            )
        elif name == "safety":
            assert answer["predose"] == "hold"
        elif name == "curve":
            assert answer["t_min"][:2] == [0.0, 1.0]
        else:
            session = TreatmentSession.objects.get()
            assert [s["id"] for s in answer] == [session.pk]
        return
    # A dose is drawn from its lot in the ledger in the same transaction (its own event).
    drawn = ["controlled.administer"] if name == "dose" else []
    assert writes == [*drawn, op.action]
    assert reads == []
    after = state()
    counts = {k: len(after[k]) - len(before[k]) for k in after}
    added = ADDS.get(name)
    grown = {k: v for k, v in counts.items() if v}
    if name == "start":
        assert grown == {"sessions.TreatmentSession": 1}
        assert answer["appointment"] == world.sessions["ids"]["<appointment_id>"]
    elif name == "dose":
        assert grown == {"sessions.Dose": 1, "sessions.LedgerEntry": 1}
    elif name == "discharge":
        assert grown == {"sessions.Discharge": 1, "sessions.SessionNote": 1}
    elif added is not None:
        assert grown == {f"sessions.{added.__name__}": 1}
    else:
        assert grown == {}
        if name == "dose-end":
            assert Dose.objects.get().ended_at is not None
        elif name == "note-save":
            assert SessionNote.objects.get().version == answer["version"] == 2
        elif name == "note-sign":
            assert SessionNote.objects.get().signed_at is not None
