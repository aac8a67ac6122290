"""Every refusal: unknown model or route, bad doses, weights, grids, sampling sites."""

from __future__ import annotations

import pytest

from ketacare.pk import Dose, Patient, PkInputError, Regimen, resolve_model, simulate
from ketacare.pk.grid import check_grid, uniform_grid

GRID = uniform_grid(60.0, 1.0)


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(PkInputError, match="unknown model 'nope'.*kamp2020") as info:
        simulate("nope", Regimen.single("iv", 10.0), Patient(70.0), GRID)
    assert info.value.field == "model"


def test_route_the_model_does_not_have() -> None:
    with pytest.raises(PkInputError, match="model 'domino' has no route 'im'") as info:
        simulate("domino", Regimen.single("im", 10.0), Patient(70.0), GRID)
    assert info.value.field == "route"


@pytest.mark.parametrize(
    ("drug", "route", "model", "text"),
    [
        ("s-ketamine", "oral", None, "no published s-ketamine model for route 'oral'"),
        ("esketamine", "im", None, "no published esketamine model for route 'im'"),
        ("ketamine", "iv", "perez_ruixo2021", "is a esketamine model, not ketamine"),
        ("ketamine", "rectal", None, "unknown route 'rectal'"),
        ("heroin", "iv", None, "unknown drug 'heroin'"),
    ],
)
def test_unknown_drug_route_model_combinations(
    drug: str, route: str, model: str | None, text: str
) -> None:
    with pytest.raises(PkInputError, match=text):
        resolve_model(drug, route, model)


@pytest.mark.parametrize(
    ("dose_mg", "over_min", "text"),
    [
        (-5.0, 0.0, "dose_mg must be above 0"),
        (0.0, 0.0, "dose_mg must be above 0"),
        (float("nan"), 0.0, "dose_mg must be above 0"),
        (5000.0, 0.0, "at most 2000 mg"),
        (10.0, -1.0, "over_min must be between 0"),
        (10.0, 30000.0, "over_min must be between 0"),
    ],
)
def test_bad_doses(dose_mg: float, over_min: float, text: str) -> None:
    with pytest.raises(PkInputError, match=text):
        Dose(0.0, "iv", dose_mg, over_min)


def test_dose_above_15_mg_per_kg_is_refused() -> None:
    with pytest.raises(PkInputError, match=r"20\.0 mg/kg at 50 kg; at most 15 mg/kg") as info:
        simulate("kamp2020", Regimen.single("iv", 1000.0), Patient(50.0), GRID)
    assert info.value.field == "dose_mg"


def test_infusion_length_only_for_iv() -> None:
    with pytest.raises(PkInputError, match="over_min applies to IV infusions only"):
        Dose(0.0, "oral", 10.0, 30.0)


@pytest.mark.parametrize("weight", [24.9, 351.0, 0.0, -70.0, float("inf")])
def test_weight_outside_25_to_350_kg(weight: float) -> None:
    with pytest.raises(PkInputError, match="weight_kg must be between 25 and 350 kg") as info:
        Patient(weight_kg=weight)
    assert info.value.field == "weight_kg"


def test_weight_limits_themselves_are_accepted_and_flagged() -> None:
    heavy = simulate("kamp2020", Regimen.single("iv", 50.0), Patient(350.0), GRID)
    assert any("outside the 40-120 kg" in w for w in heavy.warnings)
    light = simulate("kamp2020", Regimen.single("iv", 5.0), Patient(25.0), GRID)
    assert light.cmax_ng_per_ml > heavy.cmax_ng_per_ml / 10


def test_grid_of_more_than_ten_million_points() -> None:
    with pytest.raises(PkInputError, match="10,000,001 points; at most 10,000,000") as info:
        uniform_grid(10_000_000.0, 1.0)
    assert info.value.field == "step_min"
    uniform_grid(9_999_999.0, 1.0)  # exactly 10,000,000 points is allowed


@pytest.mark.parametrize(
    ("grid", "text"),
    [
        ([], "non-empty"),
        ([0.0, 2.0, 1.0], "strictly increasing"),
        ([-1.0, 0.0], ">= 0"),
        ([0.0, float("nan")], "finite"),
    ],
)
def test_bad_explicit_grids(grid: list[float], text: str) -> None:
    with pytest.raises(PkInputError, match=text):
        check_grid(grid)


def test_esketamine_nasal_doses_must_be_whole_devices() -> None:
    with pytest.raises(PkInputError, match="whole 28-mg devices"):
        simulate("perez_ruixo2021", Regimen.single("intranasal", 30.0), Patient(70.0), GRID)


def test_more_than_three_devices_in_one_session() -> None:
    regimen = Regimen.spravato(3) + Regimen.single("intranasal", 28.0, t_min=15.0)
    with pytest.raises(PkInputError, match="a session is at most 3 devices"):
        simulate("perez_ruixo2021", regimen, Patient(70.0), GRID)
    with pytest.raises(PkInputError, match="devices must be 1 to 3"):
        Regimen.spravato(4)


@pytest.mark.parametrize(
    ("model", "sampling", "text"),
    [
        ("otto2021", "arterial", "fitted to venous samples; arterial output is not available"),
        ("domino", "venous", "does not state where its samples were drawn"),
        ("kamp2020", "capillary", "sampling must be 'arterial' or 'venous'"),
    ],
)
def test_sampling_sites_a_model_cannot_give(model: str, sampling: str, text: str) -> None:
    with pytest.raises(PkInputError, match=text):
        simulate(model, Regimen.single("iv", 10.0), Patient(70.0), GRID, sampling=sampling)


def test_bioavailability_override_range_and_route() -> None:
    with pytest.raises(PkInputError, match=r"bioavailability must be in \(0, 1\]"):
        simulate(
            "kamp2020", Regimen.single("intranasal", 50.0), Patient(70.0), GRID, bioavailability=1.5
        )
    with pytest.raises(PkInputError, match="route 'iv' has no bioavailability"):
        simulate("kamp2020", Regimen.single("iv", 50.0), Patient(70.0), GRID, bioavailability=0.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{}", "must be a list"),
        ('[{"t_min": 0, "route": "iv"}]', "lacks 'dose_mg'"),
        ('[{"t_min": 0, "route": "iv", "dose_mg": "ten"}]', "must be a number"),
        ('[{"t_min": 0, "route": "iv", "dose_mg": 5, "rate": 1}]', "unknown keys: rate"),
        ("[", "not valid JSON"),
        ("[]", "at least one dose"),
    ],
)
def test_bad_regimen_documents(text: str, message: str) -> None:
    with pytest.raises(PkInputError, match=message):
        Regimen.from_json(text)
