"""C-SSRS screener triage at every rule, the skip logic and the recency follow-up."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import score
from ketacare.clinical.settings import ClinicSettings


@pytest.mark.parametrize(
    ("answers", "risk", "flags"),
    [
        ([0, 0, 0, 0, 0, 0], "none", ()),
        ([0, 0, None, None, None, 0], "none", ()),
        ([1, 0, None, None, None, 0], "low", ("suicidal_ideation",)),
        ([0, 1, 0, 0, 0, 0], "low", ("suicidal_ideation",)),
        ([1, 1, 1, 0, 0, 0], "moderate", ("suicidal_ideation",)),
        ([1, 1, 0, 1, 0, 0], "high", ("suicidal_ideation",)),
        ([1, 1, 0, 0, 1, 0], "high", ("suicidal_ideation",)),
        ([0, 0, 0, 0, 0, 1, 1], "high", ("suicidal_behaviour",)),
        ([0, 0, 0, 0, 0, 1, 0], "moderate", ("suicidal_behaviour",)),
        ([1, 0, 0, 0, 0, 1, 0], "moderate", ("suicidal_ideation", "suicidal_behaviour")),
    ],
)
def test_triage(answers: list[int | None], risk: str, flags: tuple[str, ...]) -> None:
    result = score("cssrs_screener", answers)
    assert (result.risk, result.severity, result.flags) == (risk, risk, flags)


def test_total_counts_yes_answers_to_questions_1_to_6() -> None:
    result = score("cssrs_screener", [1, 1, 1, 0, 0, 1, 1])
    assert (result.total, result.max_total) == (4, 6)


def test_unanswered_recency_of_behaviour_counts_as_recent() -> None:
    result = score("cssrs_screener", [0, 0, 0, 0, 0, 1])
    assert result.risk == "high"
    assert result.flags == ("suicidal_behaviour", "behaviour_recency_unknown")


def test_questions_3_to_5_are_required_when_question_2_is_yes() -> None:
    with pytest.raises(ClinicalInputError, match="items 3, 4, 5 unanswered"):
        score("cssrs_screener", [1, 1, None, None, None, 0])


def test_question_6_is_always_required() -> None:
    with pytest.raises(ClinicalInputError, match="item 6 unanswered"):
        score("cssrs_screener", [0, 0, 0, 0, 0])


def test_yes_to_intent_after_no_to_thoughts_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        score("cssrs_screener", [0, 0, 0, 1, 0, 0])
    assert caught.value.field == "answers.4"


def test_recent_behaviour_without_behaviour_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        score("cssrs_screener", [0, 0, 0, 0, 0, 0, 1])
    assert caught.value.field == "answers.6b"


def test_answers_are_yes_or_no_only() -> None:
    with pytest.raises(ClinicalInputError, match="allowed: 0-1"):
        score("cssrs_screener", [2, 0, 0, 0, 0, 0])


def test_true_and_false_are_accepted_as_yes_and_no() -> None:
    assert score("cssrs_screener", [True, False, False, False, False, False]).risk == "low"


def test_triage_levels_follow_clinic_settings() -> None:
    settings = ClinicSettings.from_overrides(
        {"cssrs_risk_q1_q2": "moderate", "cssrs_risk_behaviour_lifetime": "high"}
    )
    assert score("cssrs_screener", [1, 0, None, None, None, 0], settings).risk == "moderate"
    assert score("cssrs_screener", [0, 0, 0, 0, 0, 1, 0], settings).risk == "high"


def test_json_carries_risk_and_item_loincs() -> None:
    data = score("cssrs_screener", [1, 1, 1, 0, 0, 0]).to_json()
    assert data["risk"] == "moderate"
    assert [item["loinc"] for item in data["items"]] == [
        "93246-7",
        "93247-5",
        "93248-3",
        "93249-1",
        "93250-9",
        "93267-3",
        "93269-9",
    ]
    assert "provisional_ptsd" not in data
