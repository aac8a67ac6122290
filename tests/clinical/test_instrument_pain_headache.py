"""PEG and HIT-6: exact totals, the PEG mean, HIT-6 bands at every boundary, missing items."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import get_instrument, score


def test_peg_score_is_the_mean_of_the_three_items() -> None:
    """PEG = mean of pain, enjoyment and general-activity items, each 0-10 (krebs-2009)."""
    result = score("peg", [7, 5, 6])
    assert (result.total, result.max_total, result.mean) == (18, 30, 6.0)
    assert score("peg", [7, 5, 5]).mean == 5.67
    assert score("peg", [10, 10, 10]).to_json()["mean"] == 10.0


def test_mean_is_reported_only_for_mean_scored_instruments() -> None:
    """Only the PEG's definition asks for a mean (krebs-2009); others keep their JSON shape."""
    assert "mean" not in score("pain_nrs", [4]).to_json()
    assert score("pain_nrs", [4]).mean is None


def test_peg_missing_item_is_refused() -> None:
    """A mean of fewer than three items is not the PEG (written policy, krebs-2009)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("peg", {"1": 6, "2": 4})
    policy = get_instrument("peg").missing.policy
    assert caught.value.message == f"PEG item 3 unanswered; {policy}"


def test_peg_eleven_is_refused_naming_the_range() -> None:
    """Each PEG item is 0-10 (krebs-2009)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("peg", [11, 0, 0])
    assert caught.value.field == "answers.1"
    assert caught.value.message == (
        "11 is not an allowed answer for PEG item 1 (Average pain); allowed: 0-10"
    )


def test_hit6_item_values_are_6_8_10_11_13() -> None:
    """HIT-6 answers score 6, 8, 10, 11, 13 (kosinski-2003); 7 is not an answer."""
    assert score("hit6", [6] * 6).total == 36
    assert score("hit6", [13] * 6).total == 78
    with pytest.raises(ClinicalInputError) as caught:
        score("hit6", [7, 6, 6, 6, 6, 6])
    assert caught.value.message == (
        "7 is not an allowed answer for HIT-6 item 1 (Severe pain); allowed: 6, 8, 10, 11, 13"
    )


@pytest.mark.parametrize(
    ("answers", "total", "severity"),
    [
        ([8, 8, 8, 8, 8, 8], 48, "little_or_no_impact"),
        ([8, 8, 8, 8, 8, 10], 50, "some_impact"),
        ([13, 8, 8, 8, 6, 6], 49, "little_or_no_impact"),
        ([11, 11, 11, 8, 8, 6], 55, "some_impact"),
        ([11, 11, 10, 8, 8, 8], 56, "substantial_impact"),
        ([13, 11, 11, 8, 8, 8], 59, "substantial_impact"),
        ([10, 10, 10, 10, 10, 10], 60, "severe_impact"),
    ],
)
def test_hit6_bands_at_each_boundary(answers: list[int], total: int, severity: str) -> None:
    """<= 49 little or no impact, 50-55 some, 56-59 substantial, >= 60 severe (kosinski-2003)."""
    result = score("hit6", answers)
    assert (result.total, result.severity) == (total, severity)


def test_hit6_stores_no_item_text_and_refuses_a_missing_item() -> None:
    """QualityMetric licence: no item wording (kosinski-2003); all six items required."""
    definition = get_instrument("hit6")
    assert definition.text_included is False
    assert all(item.text is None for item in definition.items)
    with pytest.raises(ClinicalInputError) as caught:
        score("hit6", [6, 6, 6, None, 6, 6])
    assert caught.value.message == f"HIT-6 item 4 unanswered; {definition.missing.policy}"
