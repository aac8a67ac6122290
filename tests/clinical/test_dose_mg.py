"""A dose stated in mg, for every kind of dose rule, refused in mg outside the range."""

from __future__ import annotations

import pytest

from ketacare.clinical.dose_mg import calculate_dose_mg
from ketacare.clinical.errors import ClinicalInputError


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
    standard = calculate_dose_mg("crps-iv-10-day", dose_mg=None, weight_kg=70)
    assert standard.dose_mg == 98.0  # 0.35 mg/kg/h x 70 kg x 4 h (Cohen 2018)
    with pytest.raises(ClinicalInputError, match="outside this protocol's range 98.0-98.0 mg"):
        calculate_dose_mg("crps-iv-10-day", dose_mg=120, weight_kg=70)


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
