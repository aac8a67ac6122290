"""The engine agrees with scipy's solve_ivp (DOP853, rtol 1e-12) on every model and route.

Tolerance: |engine - reference| <= 1e-6 x |reference| + 1e-9 x the curve's maximum (the small
absolute floor only matters at values near zero, e.g. the first grid point after a dose).
Regimens mix boluses, infusions that start between grid points, rate changes and repeat doses.
"""

from __future__ import annotations

import numpy as np
import pytest

from ketacare.pk import Dose, Patient, Regimen, simulate, uniform_grid
from tests.pk import reference as ref

RTOL = 1e-6
FLOOR = 1e-9


def assert_agrees(engine: np.ndarray, expected: np.ndarray) -> None:
    tolerance = RTOL * np.abs(expected) + FLOOR * np.abs(expected).max()
    worst = np.max(np.abs(engine - expected) - tolerance)
    assert worst <= 0.0, f"worst excess over tolerance {worst:g} ng/mL"


def engine_outputs(result: object) -> np.ndarray:
    conc = result.conc_ng_per_ml  # type: ignore[attr-defined]
    met = result.metabolite_conc_ng_per_ml  # type: ignore[attr-defined]
    return np.vstack([conc] if met is None else [conc, met])


IV_REGIMEN = Regimen(
    (
        Dose(0.0, "iv", 10.0),
        Dose(30.5, "iv", 20.0, over_min=40.0),
        Dose(70.5, "iv", 5.0, over_min=60.0),
    )
)


def iv_inputs(central: int) -> ref.RefInputs:
    return ref.RefInputs(
        boluses=[(0.0, central, 10.0)],
        infusions=[(30.5, 70.5, central, 20.0 / 40.0), (70.5, 130.5, central, 5.0 / 60.0)],
    )


@pytest.mark.parametrize(
    ("model_id", "builder"),
    [
        ("kamp2020", ref.kamp2020),
        ("domino", ref.domino),
        ("clements250", ref.clements250),
        ("hijazi2003", ref.hijazi2003),
        ("herd2007", ref.herd2007),
        ("otto2021", ref.otto2021),
        ("simons2022", ref.simons2022),
    ],
)
def test_iv_models_with_rate_changes(model_id: str, builder: object) -> None:
    grid = uniform_grid(360.0, 1.5)
    patient = Patient(weight_kg=83.0)
    model = builder(83.0)  # type: ignore[operator]
    expected = ref.solve_reference(model, iv_inputs(model.index["central"]), grid)
    result = simulate(model_id, IV_REGIMEN, patient, grid)
    assert_agrees(engine_outputs(result), expected)


@pytest.mark.parametrize("route", ["im", "intranasal", "sublingual", "oral"])
def test_racemic_non_iv_routes(route: str) -> None:
    grid = uniform_grid(480.0, 2.0)
    regimen = Regimen((Dose(0.0, route, 50.0), Dose(180.3, route, 25.0)))
    model = ref.kamp2020(64.0)
    depot, f = model.index[route], ref.KAMP_F[route]
    inputs = ref.RefInputs(boluses=[(0.0, depot, 50.0 * f), (180.3, depot, 25.0 * f)])
    expected = ref.solve_reference(model, inputs, grid)
    result = simulate("kamp2020", regimen, Patient(weight_kg=64.0), grid)
    assert_agrees(engine_outputs(result), expected)


@pytest.mark.parametrize(("age", "race"), [(40.0, "non_asian"), (72.0, "japanese")])
def test_esketamine_nasal_devices_and_sessions(age: float, race: str) -> None:
    """3 devices 5 min apart (declining nasal fraction), then a new session at 200 min."""
    grid = uniform_grid(1440.0, 5.0)
    regimen = Regimen.spravato(3) + Regimen.single("intranasal", 28.0, t_min=200.0)
    model = ref.perez_ruixo2021(age, race)
    frn = ref.perez_frn(race)
    inputs = ref.RefInputs()
    for t, position in [(0.0, 0), (5.0, 1), (10.0, 2), (200.0, 0)]:
        nasal = frn * (0.62 if position else 1.0)
        inputs.boluses.append((t, model.index["nasal"], 28.0 * nasal))
        swallowed = 28.0 * (1.0 - nasal) * 0.64
        inputs.infusions.append((t, t + 0.53 * 60.0, model.index["swallowed"], swallowed / 31.8))
    expected = ref.solve_reference(model, inputs, grid)
    result = simulate(
        "perez_ruixo2021", regimen, Patient(weight_kg=70.0, age_years=age, race=race), grid
    )  # type: ignore[arg-type]
    assert_agrees(engine_outputs(result), expected)


def test_esketamine_oral_and_iv() -> None:
    grid = uniform_grid(720.0, 3.0)
    regimen = Regimen((Dose(0.0, "oral", 84.0), Dose(240.0, "iv", 28.0, over_min=40.0)))
    model = ref.perez_ruixo2021(40.0, "non_asian")
    inputs = ref.RefInputs(
        infusions=[
            (0.0, 0.32 * 60.0, model.index["oral"], 84.0 * 0.64 / (0.32 * 60.0)),
            (240.0, 280.0, model.index["central"], 28.0 / 40.0),
        ]
    )
    expected = ref.solve_reference(model, inputs, grid)
    result = simulate("perez_ruixo2021", regimen, Patient(weight_kg=70.0), grid)
    assert_agrees(engine_outputs(result), expected)


def test_s_ketamine_sublingual_film_then_iv() -> None:
    """Simons 2022: film 50 mg (mucosal and swallowed routes), then 20 mg IV over 20 min."""
    grid = uniform_grid(480.0, 2.0)
    regimen = Regimen((Dose(0.0, "sublingual", 50.0), Dose(360.0, "iv", 20.0, over_min=20.0)))
    model = ref.simons2022(77.0)
    inputs = ref.RefInputs(
        infusions=[
            (0.0, 13.1, model.index["mucosal"], 50.0 * 0.263 / 13.1),
            (0.0, 29.9, model.index["gut"], 50.0 * 1.16 / 29.9),
            (360.0, 380.0, model.index["central"], 1.0),
        ]
    )
    expected = ref.solve_reference(model, inputs, grid)
    result = simulate("simons2022", regimen, Patient(weight_kg=77.0), grid)
    assert_agrees(engine_outputs(result), expected)


@pytest.mark.parametrize(
    ("model_id", "builder"), [("kamp2020", ref.kamp2020), ("simons2022", ref.simons2022)]
)
def test_venous_output(model_id: str, builder: object) -> None:
    grid = uniform_grid(360.0, 1.5)
    model = ref.with_venous(builder(70.0), 0.0522)  # type: ignore[operator]
    expected = ref.solve_reference(model, iv_inputs(model.index["central"]), grid)
    result = simulate(model_id, IV_REGIMEN, Patient(weight_kg=70.0), grid, sampling="venous")
    assert result.sampling == "venous"
    assert_agrees(engine_outputs(result), expected)


def test_non_uniform_grid_matches_reference() -> None:
    """A grid with uneven steps takes the per-point exponential path; it must agree too."""
    grid = np.unique(np.concatenate([[0.0, 0.25, 3.3, 29.9, 30.5, 31.0], np.geomspace(1, 600, 57)]))
    model = ref.kamp2020(70.0)
    expected = ref.solve_reference(model, iv_inputs(0), grid)
    result = simulate("kamp2020", IV_REGIMEN, Patient(weight_kg=70.0), grid)
    assert_agrees(engine_outputs(result), expected)


def test_one_second_grid_matches_reference() -> None:
    """14 401 points built by repeated doubling of exp(A h) stay exact over 4 hours."""
    grid = uniform_grid(240.0, 1.0 / 60.0)
    model = ref.kamp2020(70.0)
    inputs = ref.RefInputs(infusions=[(0.0, 40.0, 0, 35.0 / 40.0)])
    expected = ref.solve_reference(model, inputs, grid)
    result = simulate("kamp2020", Regimen.single("iv", 35.0, over_min=40.0), Patient(70.0), grid)
    assert_agrees(engine_outputs(result), expected)
