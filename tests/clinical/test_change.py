"""Change from baseline: response, remission and meaningful change at their boundaries."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import compare
from ketacare.clinical.settings import ClinicSettings


@pytest.mark.parametrize(
    ("baseline", "current", "response"),
    [
        (20, 10, True),
        (20, 11, False),
        (21, 11, False),
        (21, 10, True),
        (15, 7, True),
        (15, 8, False),
    ],
)
def test_phq9_response_is_a_fall_of_at_least_half(
    baseline: int, current: int, response: bool
) -> None:
    assert compare("phq9", baseline, current).response is response


@pytest.mark.parametrize(("current", "remission"), [(4, True), (5, False)])
def test_phq9_remission_is_below_five(current: int, remission: bool) -> None:
    assert compare("phq9", 20, current).remission is remission


def test_change_and_percent_are_current_minus_baseline() -> None:
    change = compare("phq9", 18, 7)
    assert (change.change, change.percent_change) == (-11, -61.1)
    worse = compare("phq9", 8, 12)
    assert (worse.change, worse.percent_change, worse.response) == (4, 50.0, False)


def test_zero_baseline_has_no_percent_and_no_response() -> None:
    change = compare("phq9", 0, 0)
    assert (change.percent_change, change.response, change.remission) == (None, None, True)


@pytest.mark.parametrize(("current", "remission"), [(4, True), (5, False)])
def test_gad7_remission_is_below_five(current: int, remission: bool) -> None:
    assert compare("gad7", 15, current).remission is remission


@pytest.mark.parametrize(("current", "remission"), [(5, True), (6, False)])
def test_qids_remission_is_five_or_less(current: int, remission: bool) -> None:
    assert compare("qids_sr16", 20, current).remission is remission


@pytest.mark.parametrize(("current", "remission"), [(10, True), (11, False)])
def test_madrs_remission_default_ten_or_less(current: int, remission: bool) -> None:
    assert compare("madrs", 30, current).remission is remission


def test_madrs_remission_twelve_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"madrs_remission_max": 12})
    assert compare("madrs", 30, 12, settings).remission is True
    assert compare("madrs", 30, 13, settings).remission is False


@pytest.mark.parametrize(("current", "response"), [(7, True), (8, False)])
def test_pain_nrs_response_is_a_thirty_percent_fall(current: int, response: bool) -> None:
    change = compare("pain_nrs", 10, current)
    assert (change.response, change.remission) == (response, None)


@pytest.mark.parametrize(("current", "meaningful"), [(3, True), (4, False), (7, True)])
def test_pain_nrs_two_points_is_meaningful(current: int, meaningful: bool) -> None:
    assert compare("pain_nrs", 5, current).clinically_meaningful_change is meaningful


@pytest.mark.parametrize(("current", "meaningful"), [(30, True), (31, False)])
def test_pcl5_ten_points_is_meaningful(current: int, meaningful: bool) -> None:
    change = compare("pcl5", 40, current)
    assert (change.clinically_meaningful_change, change.remission) == (meaningful, None)


@pytest.mark.parametrize(("current", "response"), [(13, True), (14, False)])
def test_ybocs_response_default_35_percent(current: int, response: bool) -> None:
    assert compare("ybocs", 20, current).response is response


@pytest.mark.parametrize(("current", "remission"), [(12, True), (13, False)])
def test_ybocs_remission_default_twelve(current: int, remission: bool) -> None:
    assert compare("ybocs", 30, current).remission is remission


@pytest.mark.parametrize("instrument", ["phq2", "cadss", "moaas", "cssrs_screener"])
def test_instruments_without_change_rules_give_none(instrument: str) -> None:
    change = compare(instrument, 4, 1)
    assert (change.response, change.remission, change.clinically_meaningful_change) == (
        None,
        None,
        None,
    )


def test_total_outside_the_range_names_the_field() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        compare("phq9", 28, 3)
    assert caught.value.field == "baseline_total"
    assert caught.value.message == "28 is outside the PHQ-9 range 0-27"


def test_change_json_shape() -> None:
    assert compare("phq9", 20, 4).to_json() == {
        "instrument": "phq9",
        "baseline_total": 20,
        "current_total": 4,
        "change": -16,
        "percent_change": -80.0,
        "response": True,
        "remission": True,
        "clinically_meaningful_change": None,
    }
