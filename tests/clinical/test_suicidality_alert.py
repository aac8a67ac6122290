"""Which scored questionnaires are a suicidality alert, and how urgent."""

from __future__ import annotations

import pytest

from ketacare.clinical import score
from ketacare.clinical.safety.suicidality import suicidality_alert


def _alert(instrument_id: str, answers: list[int | None]):  # type: ignore[no-untyped-def]
    return suicidality_alert(instrument_id, score(instrument_id, answers).to_json())


def test_no_suicidality_answer_is_no_alert() -> None:
    assert _alert("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0, 1]) is None
    assert _alert("cssrs_screener", [0, 0, None, None, None, 0, None]) is None


def test_madrs_item_10_is_a_high_alert() -> None:
    alert = _alert("madrs", [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    assert alert is not None
    assert alert.severity == "high"
    assert alert.message.startswith("MADRS positive for suicidality: item 10 (")


@pytest.mark.parametrize(
    ("answers", "severity"),
    [
        ([1, 0, None, None, None, 0, None], "high"),  # wish to be dead: low risk
        ([1, 1, 1, 0, 0, 0, None], "urgent"),  # thoughts with method: moderate risk
        ([0, 0, None, None, None, 1, 0], "urgent"),  # suicidal behaviour, lifetime
    ],
)
def test_cssrs_urgency_follows_risk_and_behaviour(answers: list[int | None], severity: str) -> None:
    alert = _alert("cssrs_screener", answers)
    assert alert is not None
    assert alert.severity == severity
