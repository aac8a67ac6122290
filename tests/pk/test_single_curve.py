"""The single-curve path of ``simulate`` against the batch path and against solve_ivp.

``simulate`` solves one typical patient with ``engine.run_one``: parameters in plain floats, only
the states the doses reach, and the modal sum of exponentials of ``modal`` (one eigendecomposition
per call), or the batch exact-discretisation solver when A has no well-conditioned eigenbasis
(Simons 2022's equal transit rates, an absorption rate crossing a disposition rate). ``run_batch``
with one patient is the general path it must reproduce.

Tolerance: |fast - reference| <= 1e-9 x |reference| + a floor of 1e-12 of the peak concentration
(1e-11 against solve_ivp, about the reference's own error). Rounding scales with the amounts in
play, not with the values on the grid, so against the batch path the peak is that of the whole
course (a 1-minute grid from the first dose to a day after the last); against solve_ivp, whose
grids cover the course, the curve's own maximum. The floor only matters below about 1e-3 of the
peak, e.g. the first minutes after an oral dose, where exponentials cancel. AUC within 1e-10
relative, with the same floor on the course's AUC.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.pk import Dose, Patient, Regimen, modal, simulate, uniform_grid
from ketacare.pk.catalog import get_model, models
from ketacare.pk.dosing import dose_parts, one_patient_inputs, regimen_inputs
from ketacare.pk.engine import BatchOutput, reachable_states, run_batch, run_one
from ketacare.pk.individual import Covariates, parameter_values, typical_values
from ketacare.pk.spec import ModelSpec, spec_from_mapping
from ketacare.pk.system import build_system, layout, one_patient_matrices
from tests.pk import reference as ref
from tests.pk.test_vs_solve_ivp import IV_REGIMEN, engine_outputs, iv_inputs

RTOL = 1e-9
FLOOR_VS_BATCH = 1e-12
# solve_ivp at rtol 3e-14 accumulates about 1e-11 of the peak over a 360-minute curve, and how
# much depends on the CPU's floating-point paths (1.4e-11 on an AMD EPYC for Domino): the floor
# leaves room for the reference's own error, still a millionth of a clinically visible ng/mL.
FLOOR_VS_SOLVE_IVP = 3e-11

MODEL_ROUTE_SITES = sorted(
    (spec.id, route, site)
    for spec in models().values()
    for route in spec.routes
    for site in (
        ("default", "venous")
        if spec.sampling == "arterial" and spec.venous_rate_param
        else ("default",)
    )
)
PATIENTS = (
    Patient(weight_kg=30.0, age_years=40.0),
    Patient(weight_kg=83.0, age_years=72.0, race="japanese"),
    Patient(weight_kg=150.0, age_years=25.0, race="asian"),
)
GRIDS = {
    "1-min": uniform_grid(720.0, 1.0),
    "1-s": uniform_grid(240.0, 1.0 / 60.0),
    "uneven": np.unique(
        np.concatenate([[0.0, 0.25, 30.5, 31.0, 70.5], np.geomspace(0.01, 700.0, 120)])
    ),
    "after the first doses": uniform_grid(400.0, 0.5, start_min=45.0),
    "one point": np.array([100.0]),
}


def regimen_for(model_id: str, route: str) -> Regimen:
    """Rate changes, a repeat dose, devices and sessions: every kind of input change."""
    if route == "iv":
        return Regimen(
            (
                Dose(0.0, "iv", 10.0),
                Dose(30.5, "iv", 20.0, over_min=40.0),
                Dose(70.5, "iv", 5.0, over_min=60.0),
                Dose(300.0, "iv", 8.0),
            )
        )
    if model_id == "perez_ruixo2021" and route == "intranasal":
        return Regimen.spravato(3) + Regimen.single("intranasal", 28.0, t_min=200.0)
    return Regimen((Dose(0.0, route, 40.0), Dose(180.3, route, 20.0)))


def sampling_of(site: str) -> str | None:
    return None if site == "default" else site


def curves(out: BatchOutput) -> list[np.ndarray]:
    met = out.metabolite_conc_ng_per_ml
    return [out.conc_ng_per_ml[0]] + ([] if met is None else [met[0]])


def areas(out: BatchOutput) -> list[float]:
    met = out.metabolite_auc_ng_h_per_ml
    return [float(out.auc_ng_h_per_ml[0])] + ([] if met is None else [float(met[0])])


def assert_agrees(
    fast: np.ndarray, expected: np.ndarray, floor: float, peak: float | None = None
) -> None:
    scale = float(np.abs(expected).max()) if peak is None else peak
    tolerance = RTOL * np.abs(expected) + floor * scale
    worst = np.max(np.abs(fast - expected) - tolerance)
    assert worst <= 0.0, f"worst excess over tolerance {worst:g} ng/mL"


def assert_same_as_batch(
    spec: ModelSpec,
    regimen: Regimen,
    patient: Patient,
    grid: np.ndarray,
    sampling: str | None = None,
) -> None:
    cohort = Covariates.of([patient])
    fast = run_one(spec, regimen, patient, grid, sampling=sampling)
    slow = run_batch(spec, regimen, cohort, grid, sampling=sampling)
    last_dose = max(d.t_min + d.over_min for d in regimen.doses)
    course_grid = uniform_grid(max(float(grid[-1]), last_dose) + 1440.0, 1.0)
    course = run_batch(spec, regimen, cohort, course_grid, sampling=sampling)
    assert fast.sampling == slow.sampling
    for fast_curve, slow_curve, whole in zip(
        curves(fast), curves(slow), curves(course), strict=True
    ):
        assert_agrees(fast_curve, slow_curve, FLOOR_VS_BATCH, float(whole.max()))
    for fast_auc, slow_auc, whole_auc in zip(areas(fast), areas(slow), areas(course), strict=True):
        assert math.isclose(fast_auc, slow_auc, rel_tol=1e-10, abs_tol=FLOOR_VS_BATCH * whole_auc)


def one_patient_system(
    spec: ModelSpec, regimen: Regimen, patient: Patient, sampling: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A and C of the states the regimen reaches, as ``run_one`` builds them."""
    values = typical_values(spec, patient)
    boluses, infusions = one_patient_inputs(dose_parts(spec, regimen), values)
    dosed = {b.state for b in boluses} | {i.state for i in infusions}
    return one_patient_matrices(layout(spec, sampling, dosed), values)


@pytest.mark.parametrize("grid_name", sorted(GRIDS))
@pytest.mark.parametrize(("model_id", "route", "site"), MODEL_ROUTE_SITES)
def test_single_curve_matches_the_batch_path(
    model_id: str, route: str, site: str, grid_name: str
) -> None:
    spec = get_model(model_id)
    for patient in PATIENTS:
        assert_same_as_batch(
            spec, regimen_for(model_id, route), patient, GRIDS[grid_name], sampling_of(site)
        )


@pytest.mark.parametrize(
    ("model_id", "route", "site"), [c for c in MODEL_ROUTE_SITES if c[0] != "simons2022"]
)
def test_models_without_equal_rates_take_the_modal_path(
    model_id: str, route: str, site: str
) -> None:
    """The speed comes from the eigenbasis; only defective or nearly defective A fall back."""
    spec = get_model(model_id)
    a, c = one_patient_system(spec, regimen_for(model_id, route), Patient(70.0), sampling_of(site))
    assert modal.eigenmodes(a, c) is not None


@pytest.mark.parametrize("route", ["iv", "sublingual"])
def test_simons_transit_chain_falls_back_to_the_exact_discretisation(route: str) -> None:
    """Two S-norketamine transit compartments share one rate: A is defective."""
    spec = get_model("simons2022")
    a, c = one_patient_system(spec, regimen_for("simons2022", route), Patient(70.0))
    assert modal.eigenmodes(a, c) is None
    assert_same_as_batch(spec, regimen_for("simons2022", route), Patient(70.0), GRIDS["1-min"])


def test_an_absorption_rate_crossing_a_disposition_rate_falls_back() -> None:
    """Kamp's nasal ka equals its second disposition rate near 34 kg; with venous output the
    eigenvectors are then too close to parallel, and the exact discretisation takes over."""
    spec = get_model("kamp2020")
    regimen = regimen_for("kamp2020", "intranasal")
    patient = Patient(weight_kg=34.2)
    assert modal.eigenmodes(*one_patient_system(spec, regimen, patient, "venous")) is None
    assert_same_as_batch(spec, regimen, patient, GRIDS["uneven"], "venous")


def one_compartment_with_depot(ka_per_min: float) -> ModelSpec:
    """V 20 L, CL 0.5 L/min (k = 0.025 /min) and an oral depot absorbed at ``ka_per_min``."""
    return spec_from_mapping(
        {
            "id": "one_cmt_depot",
            "drug": "ketamine",
            "name": "test one-compartment with absorption",
            "citation": "closed form",
            "evidence": "test",
            "sampling": "unspecified",
            "sampling_source": "test",
            "population": "test",
            "weight_range_kg": [25, 350],
            "age_range_years": [1, 120],
            "central": "central",
            "compartments": [{"name": "depot"}, {"name": "central", "volume": "V"}],
            "transfers": [
                {"kind": "rate", "from": "depot", "to": "central", "param": "ka"},
                {"kind": "clearance", "from": "central", "param": "CL"},
            ],
            "parameters": {
                "V": {"value": 20.0, "unit": "L", "source": "test"},
                "CL": {"value": 0.5, "unit": "L/min", "source": "test"},
                "ka": {"value": ka_per_min, "unit": "1/min", "source": "test"},
            },
            "routes": {"oral": {"source": "test", "inputs": [{"compartment": "depot"}]}},
        }
    )


def test_equal_absorption_and_elimination_rates_give_the_exact_defective_solution() -> None:
    """ka = k: C(t) = D/V k t e^{-kt}, which no eigenbasis can express; AUC = D/CL."""
    k, dose_mg = 0.025, 100.0
    spec = one_compartment_with_depot(k)
    a, c = one_patient_system(spec, Regimen.single("oral", dose_mg), Patient(70.0))
    assert modal.eigenmodes(a, c) is None
    grid = uniform_grid(600.0, 0.5)
    result = run_one(spec, Regimen.single("oral", dose_mg), Patient(70.0), grid)
    expected = dose_mg / 20.0 * 1000.0 * k * grid * np.exp(-k * grid)
    assert_agrees(result.conc_ng_per_ml[0], expected, FLOOR_VS_BATCH)
    exact_auc = dose_mg / 0.5 * 1000.0 / 60.0 * (1.0 - (1.0 + 600.0 * k) * math.exp(-600.0 * k))
    assert math.isclose(float(result.auc_ng_h_per_ml[0]), exact_auc, rel_tol=1e-12)


@pytest.mark.parametrize("relative_gap", [1e-1, 1e-3, 1e-5, 1e-8])
def test_nearly_equal_rates_stay_exact_on_either_path(relative_gap: float) -> None:
    spec = one_compartment_with_depot(0.025 * (1.0 + relative_gap))
    regimen = Regimen((Dose(0.0, "oral", 100.0), Dose(200.0, "oral", 50.0)))
    for grid in (GRIDS["1-min"], GRIDS["1-s"], GRIDS["uneven"]):
        assert_same_as_batch(spec, regimen, Patient(70.0), grid)


def test_eigenmodes_refuses_complex_and_non_decaying_modes() -> None:
    rotation = np.array([[-0.1, 1.0], [-1.0, -0.1]])
    growth = np.array([[0.1, 0.0], [0.0, -0.1]])
    output = np.array([[1.0, 0.0]])
    assert modal.eigenmodes(rotation, output) is None
    assert modal.eigenmodes(growth, output) is None


# --- the same against solve_ivp, with a reference integrated close to double precision ---

TIGHT = {"rtol": 3e-14, "atol": 1e-18}


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
def test_single_curve_matches_solve_ivp_for_iv_models(model_id: str, builder: object) -> None:
    grid = uniform_grid(360.0, 1.5)
    model = builder(83.0)  # type: ignore[operator]
    expected = ref.solve_reference(model, iv_inputs(model.index["central"]), grid, **TIGHT)
    result = simulate(model_id, IV_REGIMEN, Patient(83.0), grid)
    assert_agrees(engine_outputs(result), expected, FLOOR_VS_SOLVE_IVP)


@pytest.mark.parametrize("route", ["im", "intranasal", "sublingual", "oral"])
@pytest.mark.parametrize("site", ["arterial", "venous"])
def test_single_curve_matches_solve_ivp_for_racemic_routes(route: str, site: str) -> None:
    grid = uniform_grid(480.0, 2.0)
    regimen = Regimen((Dose(0.0, route, 50.0), Dose(180.3, route, 25.0)))
    model = ref.kamp2020(64.0)
    depot, f = model.index[route], ref.KAMP_F[route]
    if site == "venous":
        model = ref.with_venous(model, 0.0522)
    inputs = ref.RefInputs(boluses=[(0.0, depot, 50.0 * f), (180.3, depot, 25.0 * f)])
    expected = ref.solve_reference(model, inputs, grid, **TIGHT)
    result = simulate("kamp2020", regimen, Patient(weight_kg=64.0), grid, sampling=site)
    assert_agrees(engine_outputs(result), expected, FLOOR_VS_SOLVE_IVP)


def test_single_curve_matches_solve_ivp_for_esketamine_devices_oral_and_iv() -> None:
    grid = uniform_grid(720.0, 3.0)
    regimen = (
        Regimen.spravato(3)
        + Regimen.single("oral", 84.0, t_min=240.0)
        + Regimen.single("iv", 28.0, over_min=40.0, t_min=480.0)
    )
    model = ref.perez_ruixo2021(72.0, "japanese")
    frn = ref.perez_frn("japanese")
    inputs = ref.RefInputs()
    for t, position in [(0.0, 0), (5.0, 1), (10.0, 2)]:
        nasal = frn * (0.62 if position else 1.0)
        inputs.boluses.append((t, model.index["nasal"], 28.0 * nasal))
        swallowed = 28.0 * (1.0 - nasal) * 0.64
        inputs.infusions.append((t, t + 0.53 * 60.0, model.index["swallowed"], swallowed / 31.8))
    inputs.infusions.append((240.0, 240.0 + 0.32 * 60.0, model.index["oral"], 84.0 * 0.64 / 19.2))
    inputs.infusions.append((480.0, 520.0, model.index["central"], 28.0 / 40.0))
    expected = ref.solve_reference(model, inputs, grid, **TIGHT)
    patient = Patient(weight_kg=70.0, age_years=72.0, race="japanese")
    result = simulate("perez_ruixo2021", regimen, patient, grid)
    assert_agrees(engine_outputs(result), expected, FLOOR_VS_SOLVE_IVP)


def test_single_curve_matches_solve_ivp_on_a_one_second_grid() -> None:
    grid = uniform_grid(240.0, 1.0 / 60.0)
    model = ref.kamp2020(70.0)
    inputs = ref.RefInputs(infusions=[(0.0, 40.0, 0, 35.0 / 40.0)])
    expected = ref.solve_reference(model, inputs, grid, **TIGHT)
    result = simulate("kamp2020", Regimen.single("iv", 35.0, over_min=40.0), Patient(70.0), grid)
    assert_agrees(engine_outputs(result), expected, FLOOR_VS_SOLVE_IVP)


# --- random regimens, patients and grids ---


@st.composite
def random_case(draw: st.DrawFn) -> tuple[str, str, str, Regimen, Patient, np.ndarray]:
    model_id, route, site = draw(st.sampled_from(MODEL_ROUTE_SITES))
    if model_id == "perez_ruixo2021" and route == "intranasal":
        starts = draw(st.lists(st.sampled_from([0.0, 90.0, 300.0]), min_size=1, unique=True))
        devices = draw(st.integers(min_value=1, max_value=3))
        regimen = Regimen(tuple(d for s in starts for d in Regimen.spravato(devices, s).doses))
    else:
        doses = []
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            over = draw(st.sampled_from([0.0, 0.5, 7.3, 40.0, 600.0])) if route == "iv" else 0.0
            t = draw(st.floats(min_value=0.0, max_value=500.0))
            doses.append(Dose(t, route, draw(st.floats(min_value=0.5, max_value=200.0)), over))
        regimen = Regimen(tuple(doses))
    patient = Patient(
        weight_kg=draw(st.floats(min_value=25.0, max_value=350.0)),
        age_years=draw(st.floats(min_value=1.0, max_value=120.0)),
        race=draw(st.sampled_from(["non_asian", "asian", "japanese"])),
    )
    start = draw(st.sampled_from([0.0, 0.0, 13.7, 250.0]))
    if draw(st.booleans()):
        step = draw(st.sampled_from([1.0 / 60.0, 0.37, 1.0, 5.0]))
        grid = uniform_grid(start + draw(st.floats(min_value=1.0, max_value=900.0)), step, start)
    else:
        times = draw(st.lists(st.floats(min_value=start, max_value=start + 900.0), min_size=1))
        grid = np.unique(np.array(times))
    return model_id, route, site, regimen, patient, grid


@settings(max_examples=150, deadline=None)
@given(random_case())
def test_random_single_curves_match_the_batch_path(
    case: tuple[str, str, str, Regimen, Patient, np.ndarray],
) -> None:
    model_id, _, site, regimen, patient, grid = case
    assert_same_as_batch(get_model(model_id), regimen, patient, grid, sampling_of(site))


# --- the parts of the single-patient path, each against its batch counterpart ---


@pytest.mark.parametrize("model_id", sorted(models()))
def test_typical_values_equal_the_batch_parameter_values(model_id: str) -> None:
    spec = get_model(model_id)
    for patient in PATIENTS + (Patient(weight_kg=350.0, age_years=1.0, sex="female"),):
        batch = parameter_values(spec, Covariates.of([patient]))
        single = typical_values(spec, patient)
        assert single.keys() == batch.keys()
        for name, value in batch.items():
            assert math.isclose(single[name], float(value[0]), rel_tol=1e-15), name


@pytest.mark.parametrize(("model_id", "route", "site"), MODEL_ROUTE_SITES)
def test_one_patient_system_is_the_reachable_part_of_the_batch_system(
    model_id: str, route: str, site: str
) -> None:
    spec, regimen, patient = get_model(model_id), regimen_for(model_id, route), Patient(83.0)
    params = parameter_values(spec, Covariates.of([patient]))
    system = build_system(spec, params, sampling_of(site))
    n_states = system.a_per_min.shape[-1]
    keep = reachable_states(system.a_per_min, regimen_inputs(spec, params, regimen, n_states))
    a, c = one_patient_system(spec, regimen, patient, sampling_of(site))
    np.testing.assert_allclose(a, system.a_per_min[0][np.ix_(keep, keep)], rtol=1e-15)
    np.testing.assert_allclose(c, system.c[0][:, keep], rtol=1e-15)


@pytest.mark.parametrize("size", [257, 258, 1000, 12_001, 99_991])
def test_uniform_grids_equal_one_exponential_per_point(size: int) -> None:
    """The factorised table on a long uniform grid, runs cut anywhere, against np.exp."""
    rng = np.random.default_rng(size)
    rates = -rng.uniform(1e-4, 2.0, size=4)
    mode_steady = rng.normal(size=(3, 4))
    departures = rng.normal(size=(3, 4))
    modes = modal.Modes(rates=rates, to_modes=np.eye(4), outputs=rng.normal(size=(2, 4)))
    grid = np.linspace(0.0, 3.0, size)
    breaks = [0.0, float(grid[size // 3]) - 1e-3, float(grid[-1])]
    values = modal._on_uniform_grid(modes, breaks, mode_steady, departures, grid)
    segment = np.searchsorted(breaks, grid, side="right") - 1
    offsets = grid - np.array(breaks)[segment]
    states = mode_steady[segment].T + departures[segment].T * np.exp(
        np.multiply.outer(rates, offsets)
    )
    expected = modes.outputs @ states
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-13 * np.abs(expected).max())


def test_uneven_grids_evaluated_in_blocks_give_the_same_curve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, regimen, patient = get_model("otto2021"), regimen_for("otto2021", "iv"), Patient(70.0)
    whole = run_one(spec, regimen, patient, GRIDS["uneven"])
    monkeypatch.setattr(modal, "_CHUNK_VALUES", 40)
    blocks = run_one(spec, regimen, patient, GRIDS["uneven"])
    for one, other in zip(curves(whole), curves(blocks), strict=True):
        np.testing.assert_array_equal(one, other)
