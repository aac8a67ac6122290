"""Closed-form one-compartment solutions, through the whole engine (a model given as data).

C(t) = D/V e^{-kt} for a bolus; R/(kV) (1 - e^{-kt}) during an infusion and its decay after.
Tolerance 1e-12 relative: the engine is exact up to floating point.
"""

from __future__ import annotations

import math

import numpy as np

from ketacare.pk.curve import Result
from ketacare.pk.engine import run_batch
from ketacare.pk.grid import uniform_grid
from ketacare.pk.individual import Covariates
from ketacare.pk.patient import Patient
from ketacare.pk.regimen import Dose, Regimen
from ketacare.pk.spec import spec_from_mapping

V_L, CL_L_PER_H = 20.0, 30.0
K_PER_MIN = CL_L_PER_H / 60.0 / V_L

ONE_CMT = spec_from_mapping(
    {
        "id": "one_cmt",
        "drug": "ketamine",
        "name": "test one-compartment",
        "citation": "closed form",
        "evidence": "test",
        "sampling": "unspecified",
        "sampling_source": "test",
        "population": "test",
        "weight_range_kg": [25, 350],
        "age_range_years": [1, 120],
        "central": "central",
        "compartments": [{"name": "central", "volume": "V"}],
        "transfers": [{"kind": "clearance", "from": "central", "param": "CL"}],
        "parameters": {
            "V": {"value": V_L, "unit": "L", "source": "test"},
            "CL": {"value": CL_L_PER_H, "unit": "L/h", "source": "test"},
        },
        "routes": {"iv": {"source": "test", "inputs": [{"compartment": "central"}]}},
    }
)


def run(regimen: Regimen, grid: np.ndarray) -> tuple[np.ndarray, float]:
    out = run_batch(ONE_CMT, regimen, Covariates.of([Patient(70.0)]), grid)
    return out.conc_ng_per_ml[0], float(out.auc_ng_h_per_ml[0])


def test_bolus_matches_exponential_decay_and_auc() -> None:
    grid = uniform_grid(600.0, 0.5)
    conc, auc = run(Regimen.single("iv", 100.0), grid)
    expected = 100.0 / V_L * 1000.0 * np.exp(-K_PER_MIN * grid)
    np.testing.assert_allclose(conc, expected, rtol=1e-12)
    expected_auc = 100.0 / (CL_L_PER_H) * 1000.0 * (1.0 - math.exp(-K_PER_MIN * 600.0))
    assert math.isclose(auc, expected_auc, rel_tol=1e-12)


def test_infusion_rises_then_decays() -> None:
    grid = uniform_grid(300.0, 1.0)
    rate_mg_per_min, duration = 2.0, 45.0
    conc, _ = run(Regimen.single("iv", rate_mg_per_min * duration, over_min=duration), grid)
    plateau = rate_mg_per_min / (K_PER_MIN * V_L) * 1000.0
    at_end = plateau * (1.0 - math.exp(-K_PER_MIN * duration))
    expected = np.where(
        grid <= duration,
        plateau * (1.0 - np.exp(-K_PER_MIN * grid)),
        at_end * np.exp(-K_PER_MIN * (grid - duration)),
    )
    np.testing.assert_allclose(conc, expected, rtol=1e-12, atol=1e-12)


def test_dose_between_grid_points_and_before_the_grid() -> None:
    """A bolus at 3.7 min on a 1-min grid starting at 2 min, plus one before the grid starts."""
    grid = uniform_grid(60.0, 1.0, start_min=2.0)
    regimen = Regimen((Dose(0.0, "iv", 40.0), Dose(3.7, "iv", 10.0)))
    conc, _ = run(regimen, grid)
    expected = 40.0 / V_L * 1000.0 * np.exp(-K_PER_MIN * grid) + np.where(
        grid >= 3.7, 10.0 / V_L * 1000.0 * np.exp(-K_PER_MIN * (grid - 3.7)), 0.0
    )
    np.testing.assert_allclose(conc, expected, rtol=1e-12)


def test_time_above_threshold_of_a_bolus() -> None:
    """C falls below C0/2 after ln 2 / k minutes; linear interpolation on a fine grid."""
    grid = uniform_grid(200.0, 0.01)
    conc, auc = run(Regimen.single("iv", 100.0), grid)
    result = Result("one_cmt", "closed form", "unspecified", grid, conc, auc)
    c0 = 100.0 / V_L * 1000.0
    assert math.isclose(result.time_above_min(c0 / 2.0), math.log(2.0) / K_PER_MIN, rel_tol=1e-6)
    assert result.cmax_ng_per_ml == c0
    assert result.tmax_min == 0.0
