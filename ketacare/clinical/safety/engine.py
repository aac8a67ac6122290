"""``evaluate_session``: the whole safety picture of one session at one moment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.safety.discharge import discharge_checks
from ketacare.clinical.safety.intrasession import session_alerts
from ketacare.clinical.safety.models import (
    Alert,
    SafetyAssessment,
    SessionFacts,
    VitalsReading,
)
from ketacare.clinical.safety.plan import Plan, plan_for
from ketacare.clinical.safety.predose import predose_decision, predose_findings
from ketacare.clinical.safety.schedule import next_checks, overdue_vitals
from ketacare.clinical.safety.timeline import Timeline
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings
from ketacare.clinical.sources import cite
from ketacare.clinical.validation import find_unusual, input_error


def _missed_bp_checks(timeline: Timeline, facts: SessionFacts, plan: Plan) -> list[Alert]:
    """Scheduled post-dose BP checks (Spravato ~40 min) whose window passed without one."""
    alerts: list[Alert] = []
    for check in plan.bp_checks_min:
        due_by = check + plan.bp_check_tolerance_min
        if check <= 0 or facts.now_t_min <= due_by:
            continue
        taken = any(
            r.has_bp and abs(r.t_min - check) <= plan.bp_check_tolerance_min
            for r in timeline.after_dose
        )
        if not taken:
            alerts.append(
                Alert(
                    code="bp_check_missed",
                    level="alert",
                    t_min=due_by,
                    message=f"No BP within {plan.bp_check_tolerance_min} min of minute {check} "
                    "after dosing (label: BP at about 40 minutes).",
                    source=cite("spravato-pi", "spravato-rems"),
                )
            )
    return alerts


def coerce_readings(readings: Sequence[VitalsReading | dict[str, Any]]) -> list[VitalsReading]:
    """Validate readings given as dicts (API, CLI); errors name the reading index and field."""
    result: list[VitalsReading] = []
    for index, reading in enumerate(readings):
        if isinstance(reading, VitalsReading):
            result.append(reading)
            continue
        try:
            result.append(VitalsReading.model_validate(reading))
        except ValidationError as exc:
            raise input_error(exc, f"vitals_timeline[{index}]") from exc
    return result


def evaluate_session(
    vitals_timeline: Sequence[VitalsReading | dict[str, Any]],
    facts: SessionFacts | dict[str, Any],
    settings: ClinicSettings | None = None,
) -> SafetyAssessment:
    """Pre-dose decision, alerts and stops, and the discharge checklist for one session."""
    settings = settings or DEFAULT_SETTINGS
    readings = coerce_readings(vitals_timeline)
    if not isinstance(facts, SessionFacts):
        try:
            facts = SessionFacts.model_validate(facts)
        except ValidationError as exc:
            raise input_error(exc, "facts") from exc
    try:
        plan = plan_for(facts, settings)
    except (ValueError, LookupError) as exc:
        raise ClinicalInputError("protocol_id", str(exc)) from exc
    timeline = Timeline.of(readings)
    predose = predose_findings(timeline, facts, plan, settings)
    alerts = [
        *session_alerts(timeline, facts, settings),
        *_missed_bp_checks(timeline, facts, plan),
        *overdue_vitals(timeline, facts, plan, settings),
    ]
    alerts.sort(key=lambda alert: alert.t_min)
    checks = discharge_checks(timeline, facts, settings, plan, alerts)
    warnings = [
        f"reading at {reading.t_min:g} min: {unusual.message}"
        for reading in timeline.readings
        for unusual in find_unusual(reading)
    ]
    dosing_started = facts.now_t_min > 0 or bool(timeline.after_dose)
    return SafetyAssessment(
        predose=predose_decision(predose),
        predose_findings=tuple(predose),
        alerts=tuple(alerts),
        stop_dosing=any(alert.level == "stop" for alert in alerts),
        discharge_allowed=dosing_started and all(check.met for check in checks),
        discharge_checks=tuple(checks),
        next_checks=tuple(next_checks(timeline, facts, plan, settings)),
        warnings=tuple(warnings),
    )
