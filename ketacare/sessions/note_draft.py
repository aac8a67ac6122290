"""The session note as first drafted from the chart: what was given, the vitals, the
ratings, the events and the discharge, in plain sentences the clinician then edits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .chart import Chart
from .models import Dose, Observation
from .vital_text import vital_parts


def _time(chart: Chart, at: datetime) -> str:
    return f"{at.astimezone(chart.session.site.tz):%H:%M}"


def _num(value: Decimal) -> str:
    """A charted figure as a person writes it: 41.30 as 41.3, 62.00 as 62 (``:g`` on a
    Decimal keeps its trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _doses(chart: Chart) -> list[str]:
    lines = []
    for dose in chart.doses:
        what = (
            f"{dose.get_kind_display()} {_num(dose.dose_mg)} mg {dose.product} "
            f"(lot {dose.lot_number})"
        )
        when = _time(chart, dose.measured_at)
        if dose.kind == Dose.Kind.INFUSION:
            end = _time(chart, dose.ended_at) if dose.ended_at else "still running"
            rate = f" at {_num(dose.rate_mg_per_h)} mg/h" if dose.rate_mg_per_h else ""
            changes = chart.rate_changes.get(dose.pk, [])
            moved = "".join(
                f"; {_time(chart, c.measured_at)} rate {_num(c.rate_mg_per_h)} mg/h ({c.reason})"
                for c in changes
            )
            lines.append(f"- {what}{rate}, {when}-{end}{moved}.")
        else:
            device = f" device {dose.device_number}" if dose.device_number else ""
            lines.append(f"- {what}{device} at {when}, given by {dose.given_by_label}.")
    return lines or ["- No dose was given."]


def _vitals(chart: Chart) -> list[str]:
    lines = [
        f"- {_time(chart, v.measured_at)}: " + ", ".join(vital_parts(v, spo2="SpO2"))
        for v in chart.vitals
    ]
    return lines or ["- No vital signs charted."]


def _ratings(chart: Chart) -> list[str]:
    lines = []
    for o in chart.observations:
        name = "MOAA/S" if o.instrument == Observation.Instrument.MOAAS else "CADSS"
        lines.append(f"- {_time(chart, o.measured_at)}: {name} {o.score}")
    return lines or ["- None charted."]


def _events(chart: Chart) -> list[str]:
    lines = []
    for e in chart.events:
        serious = " (serious)" if e.serious else ""
        detail = f": {e.description}" if e.description else ""
        lines.append(
            f"- {_time(chart, e.measured_at)}: {e.get_kind_display()} {e.code.replace('_', ' ')}"
            f", {e.get_severity_display().lower()}{serious}, {e.get_outcome_display().lower()}"
            f"{detail}"
        )
    return lines or ["- None."]


def draft_note(chart: Chart) -> str:
    session = chart.session
    started = session.started_at.astimezone(session.site.tz)
    lines = [
        f"Treatment session {started:%Y-%m-%d} at {session.site.name}: {session.plan.protocol_id} "
        f"(plan v{session.plan_version}, protocol v{session.protocol_version}).",
        f"Weight today {session.weight_kg} kg.",
    ]
    check = chart.latest_predose
    if check is not None:
        lines.append(f"Pre-dose decision: {check.decision.replace('_', ' ')}.")
        for decision in chart.decisions:
            lines.append(
                f"Prescriber: {decision.get_kind_display()} {decision.subject} "
                f"({decision.decided_by_label}): {decision.reason}".replace("  ", " ")
            )
    lines += ["", "Doses:", *_doses(chart), "", "Vital signs:", *_vitals(chart)]
    lines += ["", "Sedation and dissociation:", *_ratings(chart), "", "Events:", *_events(chart)]
    if chart.discharge is not None:
        d = chart.discharge
        relation = f" ({d.left_with_relation})" if d.left_with_relation else ""
        overridden = [c["code"] for c in d.checks if c.get("overridden")]
        lines += [
            "",
            f"Discharged {_time(chart, d.discharged_at)} by {d.discharged_by_label}, with "
            f"{d.left_with_name}{relation}.",
        ]
        if overridden:
            lines.append("Criteria overridden by the prescriber: " + ", ".join(overridden) + ".")
    return "\n".join(lines) + "\n"
