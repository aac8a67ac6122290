"""Plasma TCI (Jacobs) holds the target; the manual scheme hits it at the end of each step."""

from __future__ import annotations

import numpy as np
import pytest

from ketacare.pk import Patient, PkInputError, simulate, step_down_scheme, tci_plasma
from ketacare.pk.grid import uniform_grid
from ketacare.pk.regimen import Dose, Regimen


@pytest.mark.parametrize(
    ("model_id", "target"),
    [
        ("kamp2020", 200.0),
        ("kamp2020", 1500.0),
        ("domino", 1000.0),
        ("hijazi2003", 150.0),
        ("herd2007", 400.0),
    ],
)
def test_tci_holds_target_within_1_percent_after_the_first_minute(
    model_id: str, target: float
) -> None:
    """Checked on a 1-s grid by simulating the returned schedule independently."""
    patient = Patient(weight_kg=70.0)
    result = tci_plasma(target, 240.0, patient, model_id=model_id)
    grid = uniform_grid(240.0, 1.0 / 60.0)
    curve = simulate(model_id, result.regimen, patient, grid).conc_ng_per_ml
    after = grid >= 1.0
    assert np.max(np.abs(curve[after] - target)) <= 0.01 * target
    assert result.max_deviation_percent(1.0) <= 1.0


def test_rates_respect_the_maximum_and_never_go_negative() -> None:
    result = tci_plasma(800.0, 60.0, Patient(70.0), max_rate_mg_per_h=600.0)
    assert result.rate_mg_per_h.max() == pytest.approx(600.0)
    assert result.rate_mg_per_h.min() >= 0.0
    # rate-limited: the target is reached later than the first minute
    assert result.conc_ng_per_ml[result.t_min <= 1.0].max() < 0.99 * 800.0
    assert result.total_dose_mg == pytest.approx(
        float(np.sum(result.rate_mg_per_h) * (10.0 / 60.0) / 60.0), rel=1e-12
    )


def test_default_maximum_rate_is_stanpump_0_75_mg_per_kg_per_min() -> None:
    result = tci_plasma(200.0, 10.0, Patient(80.0))
    assert result.max_rate_mg_per_h == pytest.approx(0.75 * 80.0 * 60.0)


def test_step_down_scheme_hits_target_at_each_step_end() -> None:
    patient = Patient(70.0)
    scheme = step_down_scheme(250.0, 120.0, patient, steps=3)
    ends = [*scheme.start_min[1:], scheme.end_min]
    assert list(scheme.rate_mg_per_h) == sorted(scheme.rate_mg_per_h, reverse=True)
    regimen = Regimen(
        tuple(
            Dose(start, "iv", rate / 60.0 * (end - start), end - start)
            for start, end, rate in zip(scheme.start_min, ends, scheme.rate_mg_per_h, strict=True)
        )
    )
    curve = simulate("kamp2020", regimen, patient, np.array([0.0, *ends]))
    np.testing.assert_allclose(curve.conc_ng_per_ml[1:], 250.0, rtol=1e-9)
    assert 0.0 < scheme.max_deviation_percent < 40.0


def test_more_manual_steps_track_the_target_more_closely() -> None:
    patient = Patient(70.0)
    errors = [
        step_down_scheme(200.0, 240.0, patient, steps=k).max_deviation_percent for k in (2, 4, 6)
    ]
    assert errors[0] > errors[1] > errors[2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target_ng_per_ml": 0.0}, "target_ng_per_ml"),
        ({"target_ng_per_ml": 9000.0}, "target_ng_per_ml"),
        ({"duration_min": 0.5}, "duration_min"),
        ({"max_rate_mg_per_h": -1.0}, "max_rate_mg_per_h"),
        ({"max_rate_mg_per_h": 1e6}, "max_rate_mg_per_h"),
        ({"model_id": "perez_ruixo2021"}, "model"),
        ({"update_s": 0.1}, "update_s"),
    ],
)
def test_tci_refusals(kwargs: dict[str, float | str], field: str) -> None:
    args: dict[str, object] = {"target_ng_per_ml": 200.0, "duration_min": 60.0}
    args.update(kwargs)
    target = args.pop("target_ng_per_ml")
    duration = args.pop("duration_min")
    with pytest.raises(PkInputError) as info:
        tci_plasma(target, duration, Patient(70.0), **args)  # type: ignore[arg-type]
    assert info.value.field == field
