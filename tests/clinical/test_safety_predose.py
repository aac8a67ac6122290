"""Pre-dose hold rules at each boundary."""

from __future__ import annotations

import pytest

from ketacare.clinical.settings import ClinicSettings
from tests.clinical.sessions import BASELINE, codes, racemic, reading, spravato


@pytest.mark.parametrize(
    ("bp", "decision", "code"),
    [
        ((140, 90), "proceed", None),
        ((141, 90), "prescriber_review", "predose_bp_review"),
        ((140, 91), "prescriber_review", "predose_bp_review"),
        ((179, 109), "prescriber_review", "predose_bp_review"),
        ((180, 100), "hold", "predose_bp_hold"),
        ((150, 110), "hold", "predose_bp_hold"),
    ],
)
def test_predose_blood_pressure(bp: tuple[int, int], decision: str, code: str | None) -> None:
    result = racemic([reading(-5, bp, heart_rate_bpm=70, spo2_percent=98)])
    assert result.predose == decision
    assert [f.code for f in result.predose_findings] == ([code] if code else [])


def test_the_last_reading_before_the_dose_counts() -> None:
    result = racemic([reading(-15, (185, 100)), reading(-5, (130, 80))])
    assert result.predose == "proceed"


def test_missing_blood_pressure_holds_the_dose() -> None:
    result = racemic([reading(-5, heart_rate_bpm=70)])
    assert (result.predose, result.predose_findings[0].code) == ("hold", "predose_bp_missing")


@pytest.mark.parametrize(("rate", "decision"), [(110, "proceed"), (111, "hold")])
def test_predose_heart_rate(rate: int, decision: str) -> None:
    assert racemic([reading(-5, (120, 80), heart_rate_bpm=rate)]).predose == decision


@pytest.mark.parametrize(("spo2", "decision"), [(92, "proceed"), (91, "hold")])
def test_predose_spo2(spo2: int, decision: str) -> None:
    assert racemic([reading(-5, (120, 80), spo2_percent=spo2)]).predose == decision


def test_missing_spo2_holds_spravato_but_not_racemic() -> None:
    assert racemic([reading(-5, (120, 80))]).predose == "proceed"
    result = spravato([reading(-5, (120, 80))])
    assert (result.predose, result.predose_findings[0].code) == ("hold", "predose_spo2_missing")


def test_predose_thresholds_are_settings() -> None:
    settings = ClinicSettings.from_overrides(
        {"predose_review_systolic_mmhg": 150, "predose_hold_heart_rate_bpm": 100}
    )
    assert racemic([reading(-5, (150, 80))], settings).predose == "proceed"
    assert racemic([reading(-5, (120, 80), heart_rate_bpm=101)], settings).predose == "hold"


def test_baseline_alone_proceeds() -> None:
    result = racemic([BASELINE])
    assert (result.predose, codes(result), result.stop_dosing) == ("proceed", [], False)
