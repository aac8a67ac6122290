"""Builders for session timelines and facts."""

from __future__ import annotations

from typing import Any

from ketacare.clinical.safety import SafetyAssessment, evaluate_session
from ketacare.clinical.settings import ClinicSettings

BASELINE: dict[str, Any] = {
    "t_min": -5,
    "systolic_mmhg": 120,
    "diastolic_mmhg": 80,
    "heart_rate_bpm": 70,
    "spo2_percent": 98,
}
READY: dict[str, Any] = {
    "escort_present": True,
    "dissociation_resolved": True,
    "ambulating": True,
    "clinician_assessed_ready": True,
    "hours_since_solids": 8.0,
    "hours_since_clear_fluids": 3.0,
}


def reading(t: float, bp: tuple[int, int] | None = None, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"t_min": t, **values}
    if bp is not None:
        data["systolic_mmhg"], data["diastolic_mmhg"] = bp
    return data


def recovered(t: float) -> dict[str, Any]:
    """A normal full set of post-dose observations at ``t``."""
    return reading(t, (124, 80), heart_rate_bpm=72, spo2_percent=98, moaas=5)


def _evaluate(
    timeline: list[dict[str, Any]], facts: dict[str, Any], settings: ClinicSettings | None
) -> SafetyAssessment:
    """Evaluate with every alert acknowledged by staff unless the test gives its own list.

    Rules other than ``alerts_acknowledged`` are tested on sparse timelines whose overdue-vitals
    alerts would otherwise block discharge in every test.
    """
    if "acknowledged_alerts" in facts:
        return evaluate_session(timeline, facts, settings)
    first = evaluate_session(timeline, facts, settings)
    seen = [{"code": alert.code, "t_min": alert.t_min} for alert in first.alerts]
    return evaluate_session(timeline, {**facts, "acknowledged_alerts": seen}, settings)


def racemic(
    timeline: list[dict[str, Any]],
    settings: ClinicSettings | None = None,
    now: float = 110,
    **facts: Any,
) -> SafetyAssessment:
    """An IV depression infusion (40 min) evaluated at ``now``, all confirmations given."""
    merged = {
        "drug": "ketamine",
        "protocol_id": "depression-iv-induction",
        "now_t_min": now,
        "dose_end_t_min": 40,
        **READY,
        **facts,
    }
    return _evaluate(timeline, merged, settings)


def spravato(
    timeline: list[dict[str, Any]],
    settings: ClinicSettings | None = None,
    now: float = 125,
    **facts: Any,
) -> SafetyAssessment:
    merged = {
        "drug": "esketamine",
        "protocol_id": "esketamine-trd-induction",
        "now_t_min": now,
        "dose_end_t_min": 10,
        **READY,
        **facts,
    }
    return _evaluate(timeline, merged, settings)


def codes(result: SafetyAssessment, overdue: bool = False) -> list[tuple[str, float]]:
    """Alert codes and times; overdue-vitals alerts only when asked (sparse test timelines)."""
    return [
        (alert.code, alert.t_min)
        for alert in result.alerts
        if overdue or alert.code != "vitals_overdue"
    ]


def check(result: SafetyAssessment, code: str) -> bool:
    return next(c.met for c in result.discharge_checks if c.code == code)
