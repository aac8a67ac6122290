"""Every operation of the chair's API: how to bring Dan's session to where it applies (through
the real services), the request then, its success, and who may make it. Shared by the API's
tests and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ketacare.sessions.models import Dose

from .api_world import DISCHARGE, VITALS, base, checked, discharged, dosed, observed
from .world import GOOD_PREDOSE, Chair


@dataclass(frozen=True)
class Op:
    """An operation: how to bring the session to where it applies, and the request then."""

    method: str
    route: str
    prepare: Callable[[Chair], Any]
    request: Callable[[Chair, Any], tuple[str, Any]]
    ok: int
    #: read (the care team), summary (Dan's list), chart (nurse), prescribe (prescriber)
    kind: str
    action: str


def _nothing(chair: Chair) -> None:
    return None


def _at_alert(chair: Chair) -> None:
    dosed(chair)
    chair.vitals(10, heart_rate_bpm=125)


def _at(minutes: float) -> Callable[[Chair], Dose]:
    def prepare(chair: Chair) -> Dose:
        dose = dosed(chair)
        chair.at(minutes)
        return dose

    return prepare


def infusion_body(chair: Chair) -> dict[str, Any]:
    return {
        "kind": "infusion",
        "lot_id": chair.stock.ketamine.pk,
        "dose_mg": float(chair.plan.dose_mg),
        "rate_mg_per_h": float(chair.plan.dose["rate_mg_per_h"]),
    }


OPS: dict[str, Op] = {
    "start": Op(
        "POST",
        "appointments/{appointment_id}/session",
        _nothing,
        lambda c, _: (f"/api/v1/appointments/{c.appointment.pk}/session", {}),
        201,
        "chart",
        "session.start",
    ),
    "read": Op(
        "GET", "sessions/{session_id}", _nothing, lambda c, _: (base(c), None), 200, "read", ""
    ),
    "safety": Op(
        "GET",
        "sessions/{session_id}/safety",
        _nothing,
        lambda c, _: (base(c) + "/safety", None),
        200,
        "read",
        "",
    ),
    "curve": Op(
        "GET",
        "sessions/{session_id}/curve",
        _nothing,
        lambda c, _: (base(c) + "/curve", None),
        200,
        "read",
        "",
    ),
    "predose": Op(
        "POST",
        "sessions/{session_id}/predose",
        lambda c: c.vitals(-3),
        lambda c, _: (base(c) + "/predose", GOOD_PREDOSE),
        201,
        "chart",
        "session.predose",
    ),
    "decision": Op(
        "POST",
        "sessions/{session_id}/decisions",
        _nothing,
        lambda c, _: (
            base(c) + "/decisions",
            {"kind": "dose_order", "reason": "Partial response at 0.5 mg/kg", "dose_mg": 49.5},
        ),
        201,
        "prescribe",
        "session.decision",
    ),
    "dose": Op(
        "POST",
        "sessions/{session_id}/doses",
        lambda c: (checked(c), c.at(0)),
        lambda c, _: (base(c) + "/doses", infusion_body(c)),
        201,
        "chart",
        "session.dose",
    ),
    "dose-end": Op(
        "POST",
        "sessions/{session_id}/doses/{dose_id}/end",
        _at(40),
        lambda c, dose: (f"{base(c)}/doses/{dose.pk}/end", {}),
        200,
        "chart",
        "session.dose_end",
    ),
    "rate-change": Op(
        "POST",
        "sessions/{session_id}/doses/{dose_id}/rate-changes",
        _at(10),
        lambda c, dose: (
            f"{base(c)}/doses/{dose.pk}/rate-changes",
            {"rate_mg_per_h": 31, "reason": "Nausea: slowed to half"},
        ),
        201,
        "chart",
        "session.rate_change",
    ),
    "vitals": Op(
        "POST",
        "sessions/{session_id}/vitals",
        _nothing,
        lambda c, _: (base(c) + "/vitals", VITALS),
        201,
        "chart",
        "session.vitals",
    ),
    "observation": Op(
        "POST",
        "sessions/{session_id}/observations",
        _nothing,
        lambda c, _: (base(c) + "/observations", {"instrument": "moaas", "score": 5}),
        201,
        "chart",
        "session.observation",
    ),
    "event": Op(
        "POST",
        "sessions/{session_id}/events",
        _nothing,
        lambda c, _: (
            base(c) + "/events",
            {"kind": "side_effect", "code": "nausea", "severity": "mild", "outcome": "ongoing"},
        ),
        201,
        "chart",
        "session.event",
    ),
    "acknowledgement": Op(
        "POST",
        "sessions/{session_id}/acknowledgements",
        _at_alert,
        lambda c, _: (
            base(c) + "/acknowledgements",
            {"code": "heart_rate_high", "t_min": 10, "note": "Anxious; reassured"},
        ),
        201,
        "chart",
        "session.acknowledge",
    ),
    "discharge": Op(
        "POST",
        "sessions/{session_id}/discharge",
        observed,
        lambda c, _: (base(c) + "/discharge", DISCHARGE),
        201,
        "chart",
        "session.discharge",
    ),
    "note-save": Op(
        "PUT",
        "sessions/{session_id}/note",
        discharged,
        lambda c, note: (
            base(c) + "/note",
            {"body": note.body + "\nTolerated well.", "version": note.version},
        ),
        200,
        "chart",
        "session.note_save",
    ),
    "note-sign": Op(
        "POST",
        "sessions/{session_id}/note/sign",
        discharged,
        lambda c, note: (base(c) + "/note/sign", {"version": note.version}),
        200,
        "chart",
        "session.note_sign",
    ),
    "addendum": Op(
        "POST",
        "sessions/{session_id}/note/addenda",
        discharged,
        lambda c, _: (base(c) + "/note/addenda", {"body": "Called the next day: slept well."}),
        201,
        "chart",
        "session.addendum",
    ),
    "patient-sessions": Op(
        "GET",
        "patients/{patient_id}/sessions",
        _nothing,
        lambda c, _: (f"/api/v1/patients/{c.cast.dan.pk}/sessions", None),
        200,
        "summary",
        "",
    ),
}
