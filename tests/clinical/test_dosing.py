"""Dose calculation: exact examples, every protocol inside its own range, refusals."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.dosing import calculate_dose, ideal_body_weight_kg, round_dose_mg
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols import Protocol, load_protocol_file, load_protocols
from ketacare.clinical.protocols.loader import PROTOCOLS_DIR
from ketacare.clinical.protocols.model import DeviceDose, FixedDose, MgPerKgDose, MgPerKgPerHourDose
from ketacare.clinical.sources import cite


def refused(protocol: str | Protocol, **kwargs: object) -> ClinicalInputError:
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose(protocol, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- Every protocol, every weight from 40 to 200 kg -------------------------------------


def exact(*factors: float) -> Decimal:
    """The exact product of numbers as written (no binary floating-point error)."""
    result = Decimal(1)
    for factor in factors:
        result *= Decimal(repr(factor))
    return result


def assert_inside_own_range(protocol: Protocol, weight_kg: float) -> None:
    result = calculate_dose(protocol, weight_kg=weight_kg, age_years=protocol.age_min_years)
    dose = Decimal(repr(result.dose_mg))
    rule = protocol.dose
    if result.dose_weight_kg is not None:  # the dose weight is used to 0.1 kg
        tenth = Decimal(repr(weight_kg)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert result.dose_weight_kg == float(tenth)
        weight_kg = result.dose_weight_kg
    if isinstance(rule, MgPerKgDose):
        assert exact(rule.min_mg_per_kg, weight_kg) <= dose <= exact(rule.max_mg_per_kg, weight_kg)
    elif isinstance(rule, MgPerKgPerHourDose):
        assert protocol.infusion is not None
        hours = protocol.infusion.duration_min / 60
        low = exact(rule.min_mg_per_kg_per_h, weight_kg, hours)
        high = exact(rule.max_mg_per_kg_per_h, weight_kg, hours)
        assert low <= dose <= high
    elif isinstance(rule, FixedDose):
        assert rule.min_mg <= result.dose_mg <= rule.max_mg
    else:
        assert isinstance(rule, DeviceDose)
        assert result.dose_mg in rule.options_mg
        assert result.devices is not None and result.devices * rule.device_mg == result.dose_mg


@pytest.mark.parametrize("protocol_id", sorted(load_protocols()))
def test_every_dose_is_inside_its_protocol_range_for_40_to_200_kg(protocol_id: str) -> None:
    protocol = load_protocols()[protocol_id]
    for weight_kg in range(40, 201):
        assert_inside_own_range(protocol, weight_kg)


@given(
    st.sampled_from(sorted(load_protocols())),
    st.floats(min_value=40, max_value=200, allow_nan=False),
)
def test_fractional_weights_stay_inside_the_range(protocol_id: str, weight_kg: float) -> None:
    assert_inside_own_range(load_protocols()[protocol_id], weight_kg)


# --- Exact examples ---------------------------------------------------------------------


def test_iv_depression_70_kg() -> None:
    result = calculate_dose("depression-iv-induction", weight_kg=70, concentration_mg_per_ml=10)
    assert result.to_json() == {
        "protocol": "depression-iv-induction",
        "dose_mg": 35.0,
        "duration_min": 40,
        "rate_mg_per_h": 52.5,
        "volume_ml": 3.5,
        "devices": None,
        "weight_basis": "actual",
        "dose_weight_kg": 70.0,
        "rate_ml_per_h": 5.3,
        "warnings": [],
    }


def test_iv_depression_83_kg_rounds_to_a_tenth_of_a_mg() -> None:
    result = calculate_dose("depression-iv-induction", weight_kg=83.3)
    assert (result.dose_mg, result.rate_mg_per_h) == (41.7, 62.6)  # 41.65 mg over 40 min


def test_crps_80_kg_is_112_mg_at_28_mg_per_h() -> None:
    result = calculate_dose("crps-iv-10-day", weight_kg=80)
    assert (result.dose_mg, result.rate_mg_per_h, result.duration_min) == (112.0, 28.0, 240)


def test_outpatient_pain_default_is_100_mg_at_25_mg_per_h() -> None:
    result = calculate_dose("pain-iv-outpatient-4h", weight_kg=80)
    assert (result.dose_mg, result.rate_mg_per_h, result.weight_basis) == (100.0, 25.0, None)


def test_im_is_a_bolus_without_rate() -> None:
    result = calculate_dose("depression-im", weight_kg=70, concentration_mg_per_ml=50)
    assert (result.dose_mg, result.duration_min, result.rate_mg_per_h) == (35.0, None, None)
    assert (result.volume_ml, result.rate_ml_per_h) == (0.7, None)


def test_intranasal_racemic_is_50_mg() -> None:
    assert calculate_dose("depression-intranasal-racemic", weight_kg=70).dose_mg == 50.0


def test_home_troche_starts_at_10_mg() -> None:
    result = calculate_dose("depression-sublingual-troche-home", weight_kg=70)
    assert (result.dose_mg, result.volume_ml, result.devices) == (10.0, None, None)


# --- Prescriber's choice inside the range -----------------------------------------------


@pytest.mark.parametrize(("per_kg", "dose"), [(0.1, 7.0), (0.75, 52.5)])
def test_chosen_mg_per_kg_inside_the_range(per_kg: float, dose: float) -> None:
    result = calculate_dose("depression-iv-induction", weight_kg=70, dose_mg_per_kg=per_kg)
    assert result.dose_mg == dose


@pytest.mark.parametrize("per_kg", [0.09, 0.76])
def test_chosen_mg_per_kg_outside_the_range_is_refused(per_kg: float) -> None:
    error = refused("depression-iv-induction", weight_kg=70, dose_mg_per_kg=per_kg)
    assert error.field == "dose_mg_per_kg"
    assert error.message == (
        f"{per_kg} is outside the allowed range 0.1-0.75 mg/kg of protocol depression-iv-induction"
    )


@pytest.mark.parametrize(("dose", "ok"), [(99, False), (100, True), (200, True), (201, False)])
def test_outpatient_pain_dose_range(dose: float, ok: bool) -> None:
    if ok:
        assert calculate_dose("pain-iv-outpatient-4h", weight_kg=80, dose_mg=dose).dose_mg == dose
    else:
        assert refused("pain-iv-outpatient-4h", weight_kg=80, dose_mg=dose).field == "dose_mg"


def test_troche_above_120_mg_is_refused() -> None:
    assert (
        calculate_dose("depression-sublingual-troche-home", weight_kg=70, dose_mg=120).dose_mg
        == 120
    )
    assert (
        refused("depression-sublingual-troche-home", weight_kg=70, dose_mg=121).field == "dose_mg"
    )


def test_crps_rate_outside_the_regimen_is_refused() -> None:
    error = refused("crps-iv-10-day", weight_kg=80, dose_mg_per_kg_per_h=0.5)
    assert error.field == "dose_mg_per_kg_per_h"


def test_an_override_of_the_wrong_kind_is_refused() -> None:
    error = refused("depression-iv-induction", weight_kg=70, dose_mg=40)
    assert error.field == "dose_mg"
    assert "use dose_mg_per_kg" in error.message


# --- Weight -----------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [24.9, 350.1, 0, -70])
def test_weight_outside_25_to_350_kg_is_refused(weight: float) -> None:
    error = refused("depression-iv-induction", weight_kg=weight)
    assert error.field == "weight_kg"
    assert error.message == f"{weight:g} is outside the allowed range 25-350 kg"


@pytest.mark.parametrize(
    ("weight", "flagged"), [(25, True), (39.9, True), (40, False), (200, False), (200.1, True)]
)
def test_unusual_weight_is_flagged(weight: float, flagged: bool) -> None:
    warnings = calculate_dose("depression-iv-induction", weight_kg=weight).warnings
    assert bool(warnings) is flagged


def test_ideal_weight_basis_for_a_tall_heavy_man() -> None:
    result = calculate_dose(
        "depression-iv-induction", weight_kg=120, height_cm=175, sex="male", weight_basis="ideal"
    )
    assert (result.weight_basis, result.dose_weight_kg, result.dose_mg) == ("ideal", 70.5, 35.3)
    assert result.sources[-1] == cite("devine-1974")


def test_dose_cites_the_protocol_sources() -> None:
    plain = calculate_dose("depression-iv-induction", weight_kg=70)
    assert plain.sources == (cite("sanacora-2017"), cite("andrade-2017"), cite("elektd-2023"))
    with_vial = calculate_dose("depression-iv-induction", weight_kg=70, concentration_mg_per_ml=10)
    assert with_vial.sources[-1] == cite("ketalar-pi")


def test_devine_formula() -> None:
    assert ideal_body_weight_kg(152.4, "male") == pytest.approx(50.0)
    assert ideal_body_weight_kg(152.4, "female") == pytest.approx(45.5)
    assert ideal_body_weight_kg(182.88, "male") == pytest.approx(50 + 2.3 * 12)


def test_ideal_weight_above_actual_uses_actual() -> None:
    result = calculate_dose(
        "depression-iv-induction", weight_kg=50, height_cm=180, sex="female", weight_basis="ideal"
    )
    assert (result.dose_weight_kg, result.dose_mg) == (50.0, 25.0)
    assert result.warnings == ("ideal body weight is not below actual weight; actual weight used",)


@pytest.mark.parametrize(
    ("height", "sex", "field"),
    [(None, "male", "weight_basis"), (175, None, "weight_basis"), (150, "male", "height_cm"),
     (175, "unknown", "sex")],
)  # fmt: skip
def test_ideal_weight_needs_height_and_sex(
    height: float | None, sex: str | None, field: str
) -> None:
    error = refused(
        "depression-iv-induction", weight_kg=90, height_cm=height, sex=sex, weight_basis="ideal"
    )
    assert error.field == field


def test_weight_basis_does_not_apply_to_fixed_doses() -> None:
    error = refused("depression-intranasal-racemic", weight_kg=70, weight_basis="ideal")
    assert error.field == "weight_basis"


def test_cap_limits_a_weight_based_dose(tmp_path: Path) -> None:
    path = tmp_path / "depression-iv-induction.toml"
    shutil.copy(PROTOCOLS_DIR / "depression-iv-induction.toml", path)
    text = path.read_text().replace(
        'weight_basis = "actual"', 'weight_basis = "actual"\ncap_mg = 60'
    )
    path.write_text(text)
    protocol = load_protocol_file(path)
    assert calculate_dose(protocol, weight_kg=119).dose_mg == 59.5
    capped = calculate_dose(protocol, weight_kg=150)
    assert capped.dose_mg == 60.0
    assert capped.warnings == ("dose capped at 60 mg by the protocol",)


# --- Spravato ---------------------------------------------------------------------------


def test_spravato_first_induction_dose_is_56_mg_in_two_devices() -> None:
    result = calculate_dose("esketamine-trd-induction", weight_kg=70, age_years=40)
    assert result.to_json() == {
        "protocol": "esketamine-trd-induction",
        "dose_mg": 56.0,
        "duration_min": None,
        "rate_mg_per_h": None,
        "volume_ml": None,
        "devices": 2,
        "weight_basis": None,
        "dose_weight_kg": None,
        "rate_ml_per_h": None,
        "warnings": [],
    }


def test_spravato_first_dose_cannot_be_84_mg() -> None:
    error = refused("esketamine-trd-induction", weight_kg=70, age_years=40, dose_mg=84)
    assert error.field == "dose_mg"
    assert "the label starts at 56 mg" in error.message


def test_spravato_later_sessions_may_be_84_mg_in_three_devices() -> None:
    result = calculate_dose(
        "esketamine-trd-induction", weight_kg=70, age_years=40, session_number=2, dose_mg=84
    )
    assert (result.dose_mg, result.devices) == (84.0, 3)


@pytest.mark.parametrize("dose", [28, 70, 112])
def test_spravato_doses_outside_the_label_options_are_refused(dose: int) -> None:
    error = refused(
        "esketamine-trd-induction", weight_kg=70, age_years=40, session_number=3, dose_mg=dose
    )
    assert "allowed: 56, 84 mg" in error.message


@pytest.mark.parametrize(("age", "ok"), [(17, False), (18, True), (64, True), (65, False)])
def test_spravato_under_65_protocol_ages(age: int, ok: bool) -> None:
    if ok:
        assert calculate_dose("esketamine-trd-induction", weight_kg=70, age_years=age).devices == 2
    else:
        assert refused("esketamine-trd-induction", weight_kg=70, age_years=age).field == "age_years"


def test_spravato_65_plus_is_pointed_to_its_protocol() -> None:
    error = refused("esketamine-trd-induction", weight_kg=70, age_years=70)
    assert error.message == (
        "70 is outside protocol esketamine-trd-induction's ages 18-64; "
        "use esketamine-trd-induction-65-plus"
    )


def test_spravato_65_plus_starts_at_28_mg() -> None:
    result = calculate_dose("esketamine-trd-induction-65-plus", weight_kg=70, age_years=65)
    assert (result.dose_mg, result.devices) == (28.0, 1)


def test_spravato_needs_the_age() -> None:
    error = refused("esketamine-trd-induction", weight_kg=70)
    assert (error.field, error.message) == (
        "age_years",
        "required for protocol esketamine-trd-induction (its dosing depends on age)",
    )


def test_spravato_maintenance_may_continue_at_84_mg() -> None:
    result = calculate_dose("esketamine-trd-maintenance", weight_kg=70, age_years=40, dose_mg=84)
    assert result.devices == 3


def test_spravato_mdsi_is_84_mg_and_may_be_reduced_later() -> None:
    assert calculate_dose("esketamine-mdsi", weight_kg=70, age_years=30).dose_mg == 84.0
    reduced = calculate_dose(
        "esketamine-mdsi", weight_kg=70, age_years=30, session_number=2, dose_mg=56
    )
    assert reduced.devices == 2


def test_concentration_does_not_apply_to_spravato() -> None:
    error = refused(
        "esketamine-trd-induction", weight_kg=70, age_years=40, concentration_mg_per_ml=10
    )
    assert error.field == "concentration_mg_per_ml"


@pytest.mark.parametrize("concentration", [0, -1, 100.1])
def test_concentration_range(concentration: float) -> None:
    error = refused("depression-iv-induction", weight_kg=70, concentration_mg_per_ml=concentration)
    assert error.field == "concentration_mg_per_ml"


def test_racemic_protocols_are_for_adults() -> None:
    assert refused("depression-iv-induction", weight_kg=70, age_years=17).field == "age_years"


def test_session_number_starts_at_one() -> None:
    assert refused("depression-iv-induction", weight_kg=70, session_number=0).field == (
        "session_number"
    )


def test_unknown_protocol_is_refused() -> None:
    with pytest.raises(LookupError, match="unknown protocol 'ketamine'"):
        calculate_dose("ketamine", weight_kg=70)


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        (52.55, 0, 52.55, 52.5),
        (41.65, 0, 100, 41.7),
        (6.96, 6.96, 10, 7.0),
        (7.04, 7.0, 7.04, 7.0),
        (56.35, 56.35, 56.35, 56.35),
        (56.1736, 56.1736, 56.1736, 56.1736),
    ],
)
def test_rounding_never_leaves_the_range(
    value: float, low: float, high: float, expected: float
) -> None:
    assert round_dose_mg(value, low, high) == expected
