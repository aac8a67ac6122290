"""Predicted and given: the plan's curve beside the PK engine's curve of the doses charted.

Both run on one 1-minute grid from the first dose (minute 0). The given curve uses today's
weight and every rate change; an infusion still running is continued at its current rate
until its charted dose is delivered (drawn, and said to be, a projection). The plan's curve
was computed when the plan was drafted, for its own regimen (``treatment.curve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ketacare.patients.rules import years_between

from .assessment import Segment, dose_segments, minutes, zero_of
from .chart import Chart
from .models import Dose

STEP_MIN = 1.0
#: The curve runs 3 hours past the end of dosing, as the plan's does (``treatment.curve``).
AFTER_DOSE_MIN = 180.0


def _projected(chart: Chart, dose: Dose, zero: datetime, now: datetime) -> list[Segment]:
    """A running infusion continued at its current rate until its charted dose is in."""
    done = dose_segments(chart, dose, zero, now)
    if dose.kind != Dose.Kind.INFUSION or dose.ended_at is not None:
        return done
    changes = chart.rate_changes.get(dose.pk, [])
    rate = float(changes[-1].rate_mg_per_h if changes else dose.rate_mg_per_h or 0)
    left = float(dose.dose_mg) - sum(s.dose_mg for s in done)
    if rate <= 0 or left <= 0:
        return done
    start = minutes(now, zero)
    return [*done, Segment(start, left, left / rate * 60.0, dose.route)]


@dataclass(frozen=True)
class Curves:
    t_min: list[float]
    predicted_conc_ng_per_ml: list[float | None]
    given_conc_ng_per_ml: list[float]
    model: str
    model_name: str
    source: str
    projected_from_t_min: float | None
    dose_end_t_min: float | None
    now_t_min: float

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def session_curves(chart: Chart, now: datetime) -> Curves:
    from ketacare.pk import Patient, Regimen, resolve_model, simulate, uniform_grid
    from ketacare.pk.regimen import Dose as PkDose

    session = chart.session
    zero = zero_of(chart, now)
    now_t = minutes(now, zero)
    plan_curve = session.plan.curve or {}
    segments = [s for dose in chart.doses for s in _projected(chart, dose, zero, now)]
    running = any(d.kind == Dose.Kind.INFUSION and d.ended_at is None for d in chart.doses)
    dose_end = max((s.start_t_min + s.over_min for s in segments), default=None)
    planned_t = [float(t) for t in plan_curve.get("t_min", [])]
    until = max(
        planned_t[-1] if planned_t else 0.0,
        (dose_end or 0.0) + AFTER_DOSE_MIN,
        now_t,
    )
    model = resolve_model(session.drug, session.route)
    grid = uniform_grid(until_min=until, step_min=STEP_MIN)
    t_min = [round(float(t), 1) for t in grid]
    given = [0.0] * len(t_min)
    segments = [s for s in segments if s.dose_mg > 0]
    if segments:
        patient = session.patient
        sex: Literal["male", "female"] = "female" if patient.sex_at_birth == "female" else "male"
        regimen = Regimen(
            tuple(
                PkDose(t_min=s.start_t_min, route=s.route, dose_mg=s.dose_mg, over_min=s.over_min)
                for s in segments
            )
        )
        result = simulate(
            model.id,
            regimen,
            Patient(
                weight_kg=float(session.weight_kg),
                age_years=float(years_between(patient.date_of_birth, now.date())),
                sex=sex,
            ),
            grid,
        )
        given = [round(float(c), 2) for c in result.conc_ng_per_ml]
    planned = dict(zip(planned_t, plan_curve.get("conc_ng_per_ml", []), strict=False))
    return Curves(
        t_min=t_min,
        predicted_conc_ng_per_ml=[planned.get(t) for t in t_min],
        given_conc_ng_per_ml=given,
        model=model.id,
        model_name=model.name,
        source=model.citation,
        projected_from_t_min=now_t if running else None,
        dose_end_t_min=None if running else dose_end,
        now_t_min=now_t,
    )
