"""A dose stated in mg, for every kind of dose rule, refused in mg outside the range."""

from __future__ import annotations

import pytest

from ketacare.clinical.dose_mg import calculate_dose_mg
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.sources import cite


def test_none_gives_the_protocols_standard_dose() -> None:
    dose = calculate_dose_mg("depression-iv-induction", dose_mg=None, weight_kg=80)
    assert dose.dose_mg == 40.0  # 0.5 mg/kg x 80 kg


@pytest.mark.parametrize(("dose_mg", "given"), [(8.0, 8.0), (60.0, 60.0), (55.5, 55.5)])
def test_mg_within_an_mg_per_kg_range_is_given_as_asked(dose_mg: float, given: float) -> None:
    # depression-iv-induction allows 0.1-0.75 mg/kg: 8-60 mg at 80 kg.
    assert (
        calculate_dose_mg("depression-iv-induction", dose_mg=dose_mg, weight_kg=80).dose_mg == given
    )


@pytest.mark.parametrize("dose_mg", [7.9, 60.1])
def test_mg_outside_an_mg_per_kg_range_is_refused_in_mg(dose_mg: float) -> None:
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose_mg("depression-iv-induction", dose_mg=dose_mg, weight_kg=80)
    assert caught.value.field == "dose_mg"
    assert caught.value.message == (
        f"{dose_mg:g} mg is outside this protocol's range 8.0-60.0 mg (0.1-0.75 mg/kg at 80.0 kg)"
    )


def test_an_mg_per_kg_per_h_protocol_takes_mg_over_its_hours() -> None:
    """0.35 mg/kg/h x 70 kg x 4 h = 98 mg (Cohen 2018); 99 mg is outside that one-rate range
    (the 25 mg/h cap, Schwartzman 2009, does not bind below 71.4 kg)."""
    standard = calculate_dose_mg("crps-iv-10-day", dose_mg=None, weight_kg=70)
    assert standard.dose_mg == 98.0
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose_mg("crps-iv-10-day", dose_mg=99, weight_kg=70)
    assert caught.value.message == (
        "99 mg is outside this protocol's range 98.0-98.0 mg (0.35-0.35 mg/kg/h for 4 h at 70.0 kg)"
    )


@pytest.mark.parametrize(("dose_mg", "ok"), [(100, True), (100.1, False)])
def test_mg_above_the_crps_rate_cap_is_refused_naming_it(dose_mg: float, ok: bool) -> None:
    """At 80 kg the regimen is 112 mg but the rate is capped at 25 mg/h over 4 h (Schwartzman et
    al., Pain 2009;147:107-115): 100 mg is given, 100.1 mg refused with the cap and its source."""
    if ok:
        result = calculate_dose_mg("crps-iv-10-day", dose_mg=dose_mg, weight_kg=80)
        assert (result.dose_mg, result.rate_mg_per_h, result.warnings) == (100.0, 25.0, ())
        assert result.cap_note == f"within the rate cap of 25 mg/h ({cite('schwartzman-2009')})"
        return
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose_mg("crps-iv-10-day", dose_mg=dose_mg, weight_kg=80)
    assert (caught.value.field, caught.value.message) == (
        "dose_mg",
        "100.1 mg over 240 min, 25.03 mg/h: above the rate cap of 25 mg/h of protocol "
        f"crps-iv-10-day ({cite('schwartzman-2009')})",
    )


def test_the_standard_crps_dose_in_mg_is_the_capped_one() -> None:
    """The plan's standard dose at 80 kg is 100 mg with the cap's warning (Schwartzman 2009)."""
    result = calculate_dose_mg("crps-iv-10-day", dose_mg=None, weight_kg=80)
    note = f"rate capped at 25 mg/h ({cite('schwartzman-2009')}): 100 mg over 240 min"
    assert (result.dose_mg, result.warnings, result.cap_note) == (100.0, (note,), note)


def test_a_chosen_mg_below_the_cap_keeps_the_weight_basis_and_rates() -> None:
    """50 mg over 40 min is 75 mg/h; 10 mg/mL gives 5 mL at 7.5 mL/h (Ketalar PI dilutions)."""
    result = calculate_dose_mg(
        "depression-iv-induction", dose_mg=50, weight_kg=80, concentration_mg_per_ml=10
    )
    assert (result.dose_mg, result.rate_mg_per_h, result.volume_ml, result.rate_ml_per_h) == (
        50.0, 75.0, 5.0, 7.5,
    )  # fmt: skip
    assert result.weight_basis_note == "actual body weight 80 kg (the protocol's basis)"


def test_spravato_takes_whole_devices() -> None:
    assert (
        calculate_dose_mg(
            "esketamine-trd-induction", dose_mg=None, weight_kg=70, age_years=40
        ).devices
        == 2
    )
    with pytest.raises(ClinicalInputError) as caught:
        calculate_dose_mg("esketamine-trd-induction", dose_mg=70, weight_kg=70, age_years=40)
    assert caught.value.field == "dose_mg"


def test_zero_mg_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="0 mg must be above 0"):
        calculate_dose_mg("depression-iv-induction", dose_mg=0, weight_kg=80)
