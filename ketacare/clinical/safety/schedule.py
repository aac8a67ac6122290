"""The monitoring schedule: overdue vitals, and the checks still due at the chair.

Racemic protocols set vitals intervals during dosing and after it (``dunlop-emory``: every
10 min during, every 15 min after); a gap longer than the interval plus the clinic's tolerance
is a ``vitals_overdue`` alert, up to now (discharge ends the schedule). The next checks due
are the next vitals, scheduled BP checks not yet taken or missed (Spravato: ~40 min) and the
end of the observation period.
"""

from __future__ import annotations

from ketacare.clinical.safety.models import Alert, NextCheck, SessionFacts
from ketacare.clinical.safety.plan import Plan
from ketacare.clinical.safety.timeline import Timeline
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite


def _interval_min(t_min: float, facts: SessionFacts, plan: Plan) -> int | None:
    """The protocol's vitals interval at ``t_min``: the 'during' one until dosing ends."""
    during, after = plan.vitals_interval_during_min, plan.vitals_interval_after_min
    if t_min < facts.dose_end_t_min:
        return during or after
    return after or during


def _vitals_times(timeline: Timeline) -> list[float]:
    return [reading.t_min for reading in timeline.after_dose if reading.has_vital_sign]


def overdue_vitals(
    timeline: Timeline, facts: SessionFacts, plan: Plan, s: ClinicSettings
) -> list[Alert]:
    """A ``vitals_overdue`` alert for each gap past the interval plus the tolerance."""
    if facts.drug != "ketamine" or facts.now_t_min <= 0:
        return []
    alerts: list[Alert] = []
    cursor = 0.0
    for end in [*_vitals_times(timeline), None]:
        interval = _interval_min(cursor, facts, plan)
        if interval is None:
            return []
        due = cursor + interval
        late_at = due + s.vitals_overdue_tolerance_min
        until = facts.now_t_min if end is None else end
        if until > late_at:
            alerts.append(
                Alert(
                    code="vitals_overdue",
                    level="alert",
                    t_min=late_at,
                    message=f"Vitals overdue: none since minute {cursor:g}, due at minute "
                    f"{due:g} (every {interval} min).",
                    source=cite("dunlop-emory", "ketacare-placeholder"),
                )
            )
        if end is None:
            break
        cursor = end
    return alerts


def _bp_taken(timeline: Timeline, check_min: int, tolerance_min: int) -> bool:
    return any(
        reading.has_bp and abs(reading.t_min - check_min) <= tolerance_min
        for reading in timeline.after_dose
    )


def next_checks(
    timeline: Timeline, facts: SessionFacts, plan: Plan, s: ClinicSettings
) -> list[NextCheck]:
    """What is due next, in time order (nothing once its moment has been recorded)."""
    checks: list[NextCheck] = []
    times = [t for t in _vitals_times(timeline) if t <= facts.now_t_min]
    cursor = max(times, default=0.0)
    interval = _interval_min(cursor, facts, plan)
    if interval is not None and facts.now_t_min >= 0:
        checks.append(
            NextCheck(
                code="vitals",
                due_t_min=cursor + interval,
                message=f"Next vitals at minute {cursor + interval:g} (every {interval} min).",
                source=cite("dunlop-emory"),
            )
        )
    for check in plan.bp_checks_min:
        if check <= 0 or _bp_taken(timeline, check, plan.bp_check_tolerance_min):
            continue
        if facts.now_t_min <= check + plan.bp_check_tolerance_min:
            checks.append(
                NextCheck(
                    code="bp_check",
                    due_t_min=float(check),
                    message=f"Blood pressure at minute {check} (within "
                    f"{plan.bp_check_tolerance_min} min).",
                    source=cite("spravato-pi", "spravato-rems"),
                )
            )
    start = 0.0 if plan.observation_from == "first_dose" else facts.dose_end_t_min
    end = start + plan.min_observation_min
    if end > facts.now_t_min:
        checks.append(
            NextCheck(
                code="observation_end",
                due_t_min=end,
                message=f"Observation period ends at minute {end:g}.",
                source=cite(plan.observation_source),
            )
        )
    return sorted(checks, key=lambda check: check.due_t_min)
