"""Dose calculation: exact examples, every protocol inside its own range, refusals."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.dose_caps import session_cap
from ketacare.clinical.dosing import (
    adjusted_body_weight_kg,
    calculate_dose,
    ideal_body_weight_kg,
    round_dose_mg,
)
from ketacare.clinical.errors import ClinicalDataError, ClinicalInputError
from ketacare.clinical.protocols import Protocol, load_protocol_file, load_protocols
from ketacare.clinical.protocols.loader import PROTOCOLS_DIR
from ketacare.clinical.protocols.model import DeviceDose, FixedDose, MgPerKgDose, MgPerKgPerHourDose
from ketacare.clinical.settings import ClinicSettings
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
    cap = session_cap(protocol)
    ceiling = cap.mg if cap is not None else Decimal("Infinity")
    if isinstance(rule, MgPerKgDose):
        low, high = exact(rule.min_mg_per_kg, weight_kg), exact(rule.max_mg_per_kg, weight_kg)
        assert min(low, ceiling) <= dose <= min(high, ceiling)
    elif isinstance(rule, MgPerKgPerHourDose):
        assert protocol.infusion is not None
        hours = protocol.infusion.duration_min / 60
        low = exact(rule.min_mg_per_kg_per_h, weight_kg, hours)
        high = exact(rule.max_mg_per_kg_per_h, weight_kg, hours)
        assert min(low, ceiling) <= dose <= min(high, ceiling)
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
        "bmi_kg_per_m2": None,
        "weight_basis_note": "actual body weight 70 kg (the protocol's basis)",
        "cap_note": None,
    }


def test_iv_depression_83_kg_rounds_to_a_tenth_of_a_mg() -> None:
    result = calculate_dose("depression-iv-induction", weight_kg=83.3)
    assert (result.dose_mg, result.rate_mg_per_h) == (41.7, 62.6)  # 41.65 mg over 40 min


def test_crps_80_kg_is_capped_at_25_mg_per_h_so_100_mg() -> None:
    """0.35 mg/kg/h for 4 h, not to exceed 25 mg/h (Schwartzman et al., Pain 2009;147:107-115;
    clinical.md §8.2): 80 kg would be 112 mg at 28 mg/h; the cap gives 100 mg at 25 mg/h."""
    result = calculate_dose("crps-iv-10-day", weight_kg=80)
    assert (result.dose_mg, result.rate_mg_per_h, result.duration_min) == (100.0, 25.0, 240)
    note = f"rate capped at 25 mg/h ({cite('schwartzman-2009')}): 100 mg over 240 min"
    assert (result.cap_note, result.warnings) == (note, (note,))
    assert result.sources[-1] == cite("schwartzman-2009")


@pytest.mark.parametrize(
    ("weight", "dose", "capped"),
    [(71.4, 99.96, False), (71.5, 100.0, True), (120, 100.0, True), (60, 84.0, False)],
)
def test_crps_cap_binds_from_714_kg(weight: float, dose: float, capped: bool) -> None:
    """25 mg/h / 0.35 mg/kg/h = 71.43 kg (Schwartzman 2009): below it the regimen, above the cap."""
    result = calculate_dose("crps-iv-10-day", weight_kg=weight)
    assert result.dose_mg == dose
    assert bool(result.warnings) is capped
    assert result.cap_note is not None and result.cap_note.startswith(
        "rate capped" if capped else "within the rate cap of 25 mg/h"
    )


def test_crps_chosen_rate_above_the_cap_is_refused_naming_it() -> None:
    """A prescriber's 0.35 mg/kg/h at 80 kg is 28 mg/h: refused, naming the 25 mg/h cap and
    its source (Schwartzman 2009)."""
    error = refused("crps-iv-10-day", weight_kg=80, dose_mg_per_kg_per_h=0.35)
    assert (error.field, error.message) == (
        "dose_mg_per_kg_per_h",
        "0.35 mg/kg/h at 80 kg gives 112 mg over 240 min, 28 mg/h: above the rate cap of "
        f"25 mg/h of protocol crps-iv-10-day ({cite('schwartzman-2009')})",
    )


def test_crps_chosen_rate_at_the_cap_is_given() -> None:
    """Exactly 25 mg/h (0.35 mg/kg/h x 71.4 kg is 24.99 mg/h) passes (Schwartzman 2009)."""
    result = calculate_dose("crps-iv-10-day", weight_kg=71.4, dose_mg_per_kg_per_h=0.35)
    assert (result.dose_mg, result.warnings) == (99.96, ())


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
    assert plain.sources == (
        cite("sanacora-2017"),
        cite("andrade-2017"),
        cite("elektd-2023"),
        cite("freeman-2020-bmi"),
    )
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


def _with_dose_lines(tmp_path: Path, protocol_id: str, after: str, lines: str) -> Protocol:
    """A copy of a library protocol with extra lines in its [dose] block, loaded."""
    path = tmp_path / f"{protocol_id}.toml"
    shutil.copy(PROTOCOLS_DIR / f"{protocol_id}.toml", path)
    text = path.read_text()
    assert after in text
    path.write_text(text.replace(after, f"{after}\n{lines}", 1))
    return load_protocol_file(path)


def test_session_cap_limits_a_weight_based_dose(tmp_path: Path) -> None:
    """One cap mechanism (``max_session_mg``, each cap with its own source) replaces cap_mg."""
    protocol = _with_dose_lines(
        tmp_path, "depression-iv-induction", 'weight_basis = "actual"',
        'max_session_mg = { value = 60, sources = ["ketacare-placeholder"] }',
    )  # fmt: skip
    assert calculate_dose(protocol, weight_kg=120).dose_mg == 60.0
    assert calculate_dose(protocol, weight_kg=120).warnings == ()
    capped = calculate_dose(protocol, weight_kg=150)
    assert capped.dose_mg == 60.0
    note = f"dose capped at 60 mg a session ({cite('ketacare-placeholder')})"
    assert (capped.warnings, capped.cap_note) == ((note,), note)
    error = refused(protocol, weight_kg=150, dose_mg_per_kg=0.5)
    assert (error.field, error.message) == (
        "dose_mg_per_kg",
        "0.5 mg/kg at 150 kg gives 75 mg: above the session cap of 60 mg of protocol "
        f"depression-iv-induction ({cite('ketacare-placeholder')})",
    )


def test_the_lower_of_two_caps_binds(tmp_path: Path) -> None:
    """A rate cap over 40 min (90 mg/h -> 60 mg) below a session cap of 80 mg binds."""
    protocol = _with_dose_lines(
        tmp_path, "depression-iv-induction", 'weight_basis = "actual"',
        'max_session_mg = { value = 80, sources = ["ketacare-placeholder"] }\n'
        'max_rate_mg_per_h = { value = 90, sources = ["ketacare-placeholder"] }',
    )  # fmt: skip
    result = calculate_dose(protocol, weight_kg=150)
    assert (result.dose_mg, result.rate_mg_per_h) == (60.0, 90.0)


def test_fixed_dose_above_its_cap_is_refused_naming_the_cap(tmp_path: Path) -> None:
    """A chosen fixed dose above the cap is refused before the range (the cap is the reason)."""
    protocol = _with_dose_lines(
        tmp_path, "pain-iv-outpatient-4h", "max_mg = 200",
        'max_rate_mg_per_h = { value = 37.5, sources = ["ketacare-placeholder"] }',
    )  # fmt: skip
    assert calculate_dose(protocol, weight_kg=80, dose_mg=150).dose_mg == 150
    error = refused(protocol, weight_kg=80, dose_mg=150.1)
    assert (error.field, error.message) == (
        "dose_mg",
        "150.1 mg over 240 min, 37.53 mg/h: above the rate cap of 37.5 mg/h of protocol "
        f"pain-iv-outpatient-4h ({cite('ketacare-placeholder')})",
    )


@pytest.mark.parametrize(
    ("lines", "key"),
    [
        ('max_rate_mg_per_h = { value = 20, sources = ["ketacare-placeholder"] }',
         "dose.max_session_mg"),
        ('max_session_mg = { value = 99, sources = ["ketacare-placeholder"] }',
         "dose.max_session_mg"),
        ('max_session_mg = { value = 150, sources = ["nobody-2099"] }', "dose.max_session_mg"),
    ],
)  # fmt: skip
def test_a_cap_below_the_whole_range_or_uncited_is_a_data_error(
    tmp_path: Path, lines: str, key: str
) -> None:
    """A cap is a cited fact; one that refuses every dose of the range is a broken file."""
    with pytest.raises(ClinicalDataError) as caught:
        _with_dose_lines(tmp_path, "pain-iv-outpatient-4h", "max_mg = 200", lines)
    assert caught.value.key.startswith(key)


def test_a_rate_cap_needs_an_infusion(tmp_path: Path) -> None:
    """A rate cap (Schwartzman 2009's kind) only means something over an infusion's hours."""
    with pytest.raises(ClinicalDataError) as caught:
        _with_dose_lines(
            tmp_path, "depression-im", 'weight_basis = "actual"',
            'max_rate_mg_per_h = { value = 30, sources = ["ketacare-placeholder"] }',
        )  # fmt: skip
    assert (caught.value.key, caught.value.message) == (
        "dose.max_rate_mg_per_h",
        "only an infusion has a rate cap",
    )


# --- Weight basis for obesity -----------------------------------------------------------


def test_adjusted_body_weight_formula() -> None:
    """IBW + 0.4 x (actual - IBW) (Bauer 1983; Traynor 1995): 170 cm man, Devine IBW
    65.94 kg, actual 120 kg -> 87.56 kg."""
    ideal = 50 + 2.3 * (170 / 2.54 - 60)
    assert adjusted_body_weight_kg(120, 170, "male") == pytest.approx(ideal + 0.4 * (120 - ideal))
    assert adjusted_body_weight_kg(120, 170, "male") == pytest.approx(87.5622, abs=1e-4)


def _obesity_rule(tmp_path: Path) -> Protocol:
    return _with_dose_lines(
        tmp_path, "depression-iv-induction", 'weight_basis = "actual"',
        'obesity = { weight_basis = "adjusted", sources = ["adjusted-body-weight"] }',
    )  # fmt: skip


@pytest.mark.parametrize(
    ("weight", "basis", "dose_weight"),
    [(86.5, "actual", 86.5), (86.6, "adjusted", 74.2), (120, "adjusted", 87.6)],
)
def test_the_protocols_obesity_basis_applies_from_bmi_30(
    tmp_path: Path, weight: float, basis: str, dose_weight: float
) -> None:
    """BMI >= 30 kg/m2 is WHO obesity class I (WHO TRS 894, 2000). The BMI is compared as shown,
    to one decimal: at 170 cm, 86.6 kg is BMI 30.0 (adjusted weight 74.2 kg), 86.5 kg is 29.9."""
    result = calculate_dose(_obesity_rule(tmp_path), weight_kg=weight, height_cm=170, sex="male")
    assert (result.weight_basis, result.dose_weight_kg) == (basis, dose_weight)


def test_the_obesity_basis_is_shown_with_the_bmi_and_its_source(tmp_path: Path) -> None:
    """The user sees which basis and why (adjusted body weight, Bauer 1983/Traynor 1995)."""
    result = calculate_dose(_obesity_rule(tmp_path), weight_kg=120, height_cm=170, sex="male")
    assert result.bmi_kg_per_m2 == 41.5
    assert result.weight_basis_note == (
        "adjusted body weight 87.6 kg (BMI 41.5 >= 30: the protocol's basis for obesity, "
        f"{cite('adjusted-body-weight')})"
    )
    assert result.dose_mg == 43.8
    assert cite("who-obesity-2000") in result.sources
    assert cite("adjusted-body-weight") in result.sources


def test_the_clinic_sets_the_obesity_bmi(tmp_path: Path) -> None:
    """``obesity_bmi_kg_per_m2`` (default 30, WHO class I) is a clinic setting."""
    settings = ClinicSettings(obesity_bmi_kg_per_m2=35.0)
    protocol = _obesity_rule(tmp_path)
    at_33 = calculate_dose(protocol, weight_kg=95.4, height_cm=170, sex="male", settings=settings)
    assert (at_33.bmi_kg_per_m2, at_33.weight_basis) == (33.0, "actual")


def test_without_a_height_the_obesity_rule_is_flagged(tmp_path: Path) -> None:
    """BMI needs a height (WHO TRS 894): the obesity basis is not silently skipped."""
    result = calculate_dose(_obesity_rule(tmp_path), weight_kg=120)
    assert result.weight_basis == "actual"
    assert result.warnings == (
        "no height on record, so the BMI is unknown and the protocol's basis for obesity "
        "(adjusted body weight at BMI >= 30) was not checked",
    )


def test_library_protocols_keep_actual_weight_for_obesity_and_say_so() -> None:
    """No ketamine source found doses on ideal or adjusted weight; the trials used actual weight
    and obese patients responded at least as well (Freeman 2020)."""
    result = calculate_dose("depression-iv-induction", weight_kg=120, height_cm=170)
    assert (result.weight_basis, result.dose_weight_kg, result.dose_mg) == ("actual", 120.0, 60.0)
    assert result.weight_basis_note == (
        "actual body weight 120 kg (the protocol's basis; BMI 41.5 >= 30, and its sources give "
        "no other basis for obesity)"
    )
    for protocol in load_protocols().values():
        if isinstance(protocol.dose, MgPerKgDose | MgPerKgPerHourDose):
            assert protocol.dose.obesity is None, protocol.id


def test_a_chosen_basis_wins_over_the_obesity_rule(tmp_path: Path) -> None:
    """The prescriber's basis (Devine 1974 IBW here) overrides the protocol's obesity rule."""
    result = calculate_dose(
        _obesity_rule(tmp_path), weight_kg=120, height_cm=170, sex="male", weight_basis="ideal"
    )
    assert result.weight_basis_note == "ideal body weight 65.9 kg (chosen by the prescriber)"


def test_adjusted_weight_above_actual_uses_actual() -> None:
    """IBW + 0.4 x (actual - IBW) exceeds actual weight when actual is below IBW (Bauer 1983)."""
    result = calculate_dose(
        "depression-iv-induction", weight_kg=50, height_cm=180, sex="female",
        weight_basis="adjusted",
    )  # fmt: skip
    assert (result.dose_weight_kg, result.warnings) == (
        50.0,
        ("adjusted body weight is not below actual weight; actual weight used",),
    )


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
        "bmi_kg_per_m2": None,
        "weight_basis_note": None,
        "cap_note": None,
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
