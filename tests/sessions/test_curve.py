"""Predicted and given on one grid: the given curve is the PK engine's own for the doses
charted (the same numbers as calling it directly), rate changes change it, and a running
infusion is continued as a projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ketacare.patients.rules import years_between
from ketacare.pk import Patient, Regimen, resolve_model, simulate, uniform_grid
from ketacare.pk.regimen import Dose as PkDose
from ketacare.sessions import dosing
from ketacare.sessions.chart import load_chart
from ketacare.sessions.curve import session_curves

from .world import Chair, infusion, open_chair


def _engine(chair: Chair, segments: list[tuple[float, float, float]], until: float) -> list[float]:
    """The PK engine called directly: (start min, mg, over min) segments for Dan."""
    dan = chair.cast.dan
    model = resolve_model("ketamine", "iv")
    result = simulate(
        model.id,
        Regimen(
            tuple(
                PkDose(t_min=t, route="iv", dose_mg=mg, over_min=over) for t, mg, over in segments
            )
        ),
        Patient(
            weight_kg=82.5,
            age_years=float(years_between(dan.date_of_birth, date(2026, 3, 2))),
            sex="female" if dan.sex_at_birth == "female" else "male",
        ),
        uniform_grid(until_min=until, step_min=1.0),
    )
    return [round(float(c), 2) for c in result.conc_ng_per_ml]


def _dosed(chair: Chair):
    chair.vitals(-3)
    chair.at(-1)
    chair.predose()
    dose, _ = infusion(chair, 0)
    return dose


@pytest.mark.django_db
def test_one_constant_infusion_is_the_engines_own_curve_beside_the_plans(day, clock) -> None:
    chair = open_chair(day, clock)
    dose = _dosed(chair)
    chair.at(40)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    now = chair.at(45)
    curves = session_curves(load_chart(chair.refresh()), now)
    plan = chair.plan.curve
    until = max(float(plan["t_min"][-1]), 40 + 180)
    assert curves.t_min == [float(t) for t in range(int(until) + 1)]
    # What the pump delivered: 62 mg/h for the 40 minutes charted.
    assert curves.given_conc_ng_per_ml == _engine(chair, [(0.0, 62 * 40 / 60, 40.0)], until)
    planned = dict(zip([float(t) for t in plan["t_min"]], plan["conc_ng_per_ml"], strict=True))
    assert curves.predicted_conc_ng_per_ml == [planned.get(t) for t in curves.t_min]
    assert sum(c is not None for c in curves.predicted_conc_ng_per_ml) == len(planned)
    assert (curves.model, curves.dose_end_t_min, curves.projected_from_t_min, curves.now_t_min) == (
        resolve_model("ketamine", "iv").id,
        40.0,
        None,
        45.0,
    )


@pytest.mark.django_db
def test_a_rate_change_changes_the_given_curve(day, clock) -> None:
    chair = open_chair(day, clock)
    dose = _dosed(chair)
    chair.at(20)
    dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("31"), reason="nausea"
    )
    chair.at(60)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    now = chair.at(61)
    curves = session_curves(load_chart(chair.refresh()), now)
    until = float(len(curves.t_min) - 1)
    assert until == max(float(chair.plan.curve["t_min"][-1]), 60 + 180)
    halves = [(0.0, 62 * 20 / 60, 20.0), (20.0, 31 * 40 / 60, 40.0)]
    assert curves.given_conc_ng_per_ml == _engine(chair, halves, until)
    constant = _engine(chair, [(0.0, 62 * 40 / 60, 40.0)], until)
    assert curves.given_conc_ng_per_ml[20] == constant[20]
    assert curves.given_conc_ng_per_ml[40] < constant[40]
    assert curves.dose_end_t_min == 60.0


@pytest.mark.django_db
def test_a_paused_infusion_delivers_nothing_while_paused(day, clock) -> None:
    chair = open_chair(day, clock)
    dose = _dosed(chair)
    chair.at(10)
    dosing.rate_change(chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=0, reason="BP 170/100")
    chair.at(20)
    dosing.rate_change(chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=62, reason="resumed")
    chair.at(50)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    now = chair.at(50)
    curves = session_curves(load_chart(chair.refresh()), now)
    until = float(len(curves.t_min) - 1)
    segments = [(0.0, 62 * 10 / 60, 10.0), (20.0, 62 * 30 / 60, 30.0)]
    assert curves.given_conc_ng_per_ml == _engine(chair, segments, until)


@pytest.mark.django_db
def test_a_running_infusion_is_projected_to_its_charted_dose(day, clock) -> None:
    chair = open_chair(day, clock)
    _dosed(chair)
    now = chair.at(20)
    curves = session_curves(load_chart(chair.refresh()), now)
    given_mg = 62 * 20 / 60
    left_mg = 41.3 - given_mg
    segments = [(0.0, given_mg, 20.0), (20.0, left_mg, left_mg / 62 * 60)]
    until = float(len(curves.t_min) - 1)
    assert until == max(float(chair.plan.curve["t_min"][-1]), 20 + left_mg / 62 * 60 + 180)
    assert curves.given_conc_ng_per_ml == _engine(chair, segments, until)
    assert (curves.projected_from_t_min, curves.dose_end_t_min) == (20.0, None)


@pytest.mark.django_db
def test_before_any_dose_the_given_curve_is_zero(day, clock) -> None:
    chair = open_chair(day, clock)
    curves = session_curves(load_chart(chair.refresh()), chair.at(0))
    assert set(curves.given_conc_ng_per_ml) == {0.0}
    assert len(curves.t_min) == int(chair.plan.curve["t_min"][-1]) + 1
