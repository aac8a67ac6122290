"""Intra-session alert and stop rules at each boundary."""

from __future__ import annotations

import pytest

from ketacare.clinical.settings import ClinicSettings
from tests.clinical.sessions import BASELINE, codes, racemic, reading, spravato


@pytest.mark.parametrize(
    ("bp", "expected"),
    [
        ((180, 110), []),
        ((181, 100), [("bp_elevated_recheck", 10)]),
        ((150, 111), [("bp_elevated_recheck", 10)]),
        ((200, 100), [("bp_elevated_recheck", 10)]),
        ((201, 100), [("bp_stop_single", 10)]),
        ((150, 121), [("bp_stop_single", 10)]),
    ],
)
def test_single_blood_pressure_reading(
    bp: tuple[int, int], expected: list[tuple[str, float]]
) -> None:
    result = racemic([BASELINE, reading(10, bp)])
    found = [c for c in codes(result) if c[0] != "bp_rise_from_baseline"]
    assert found == expected
    assert result.stop_dosing is (expected[:1] == [("bp_stop_single", 10)])


@pytest.mark.parametrize(("second_t", "stop"), [(14.9, False), (15, True), (20, True)])
def test_two_elevated_readings_five_minutes_apart_stop(second_t: float, stop: bool) -> None:
    result = racemic([BASELINE, reading(10, (185, 100)), reading(second_t, (190, 105))])
    expected_second = "bp_stop_sustained" if stop else "bp_elevated_recheck"
    assert codes(result) == [("bp_elevated_recheck", 10), (expected_second, second_t)]
    assert result.stop_dosing is stop


def test_a_normal_reading_between_resets_the_pair() -> None:
    result = racemic(
        [BASELINE, reading(10, (185, 100)), reading(12, (170, 100)), reading(15, (185, 100))]
    )
    assert [c for c in codes(result) if c[0].startswith("bp_stop")] == []


def test_sustained_interval_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"stop_repeat_interval_min": 10})
    timeline = [BASELINE, reading(10, (185, 100)), reading(15, (185, 100))]
    assert racemic(timeline, settings).stop_dosing is False
    assert racemic([*timeline, reading(20, (185, 100))], settings).stop_dosing is True


@pytest.mark.parametrize(
    ("bp", "alert"), [((159, 104), False), ((160, 80), True), ((120, 105), True)]
)
def test_rise_from_baseline(bp: tuple[int, int], alert: bool) -> None:
    result = racemic([BASELINE, reading(40, bp)])
    assert codes(result) == ([("bp_rise_from_baseline", 40)] if alert else [])


@pytest.mark.parametrize(("rate", "expected"), [(110, []), (111, [("heart_rate_high", 10)])])
def test_heart_rate_alert(rate: int, expected: list[tuple[str, float]]) -> None:
    assert codes(racemic([BASELINE, reading(10, heart_rate_bpm=rate)])) == expected


@pytest.mark.parametrize(("second_t", "stop"), [(14.9, False), (15, True)])
def test_tachycardia_sustained_five_minutes_stops(second_t: float, stop: bool) -> None:
    result = racemic(
        [BASELINE, reading(10, heart_rate_bpm=121), reading(second_t, heart_rate_bpm=125)]
    )
    second = ("tachycardia_sustained" if stop else "heart_rate_high", second_t)
    assert codes(result) == [("heart_rate_high", 10), second]
    assert result.stop_dosing is stop


def test_tachycardia_interrupted_does_not_stop() -> None:
    result = racemic(
        [
            BASELINE,
            reading(10, heart_rate_bpm=121),
            reading(12, heart_rate_bpm=118),
            reading(15, heart_rate_bpm=121),
        ]
    )
    assert result.stop_dosing is False


@pytest.mark.parametrize(
    ("spo2", "expected", "stop"),
    [(92, [], False), (91, [("spo2_low", 10)], False), (88, [("spo2_low", 10)], False),
     (87, [("spo2_stop", 10)], True)],
)  # fmt: skip
def test_spo2(spo2: int, expected: list[tuple[str, float]], stop: bool) -> None:
    result = racemic([BASELINE, reading(10, spo2_percent=spo2)])
    assert (codes(result), result.stop_dosing) == (expected, stop)


@pytest.mark.parametrize(
    ("moaas", "expected", "stop"),
    [(5, [], False), (4, [], False), (3, [("notable_sedation", 30)], False),
     (2, [("deep_sedation", 30)], True), (1, [("deep_sedation", 30)], True),
     (0, [("loss_of_consciousness", 30)], True)],
)  # fmt: skip
def test_sedation(moaas: int, expected: list[tuple[str, float]], stop: bool) -> None:
    """MOAA/S <= 3 alerts (moaas-sedation-threshold); <= 2 is deep sedation and stops (ASA
    continuum of depth of sedation: purposeful response only after repeated or painful
    stimulation); 0 is loss of consciousness (Spravato label, Chernik 1990). MOAA/S 1 only
    alerted before: it now stops."""
    result = racemic([BASELINE, reading(30, moaas=moaas)])
    assert (codes(result), result.stop_dosing) == (expected, stop)


def test_hypertensive_symptoms_stop_dosing() -> None:
    result = racemic([BASELINE], now=20, hypertensive_symptoms=True)
    assert codes(result) == [("hypertensive_symptoms", 20)]
    assert result.stop_dosing is True


@pytest.mark.parametrize(
    ("timeline_extra", "now", "missed"),
    [([], 50, False), ([], 50.5, True), ([reading(30, (130, 85))], 60, False),
     ([reading(51, (130, 85))], 60, True)],
)  # fmt: skip
def test_spravato_bp_at_40_minutes(
    timeline_extra: list[dict[str, object]], now: float, missed: bool
) -> None:
    result = spravato([BASELINE, *timeline_extra], now=now)
    assert (("bp_check_missed", 50) in codes(result)) is missed


def test_alerts_are_in_time_order() -> None:
    result = racemic(
        [
            BASELINE,
            reading(30, moaas=3),
            reading(10, heart_rate_bpm=111),
            reading(20, spo2_percent=90),
        ]
    )
    assert codes(result) == [("heart_rate_high", 10), ("spo2_low", 20), ("notable_sedation", 30)]
