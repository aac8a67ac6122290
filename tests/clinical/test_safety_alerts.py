"""Intra-session alert and stop rules at each boundary."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.settings import ClinicSettings, SettingsError
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


# --- Low-side vitals and breathing (NEWS2, Royal College of Physicians 2017) -------------


@pytest.mark.parametrize(
    ("systolic", "expected"),
    [(101, []), (100, [("hypotension", 10)]), (91, [("hypotension", 10)]),
     (90, [("hypotension_stop", 10)]), (78, [("hypotension_stop", 10)])],
)  # fmt: skip
def test_low_systolic_alerts_then_stops(systolic: int, expected: list[tuple[str, float]]) -> None:
    """NEWS2 (RCP 2017): systolic 91-100 scores 2 (alert at <= 100), <= 90 scores 3 (urgent
    review: stop at <= 90). 78/40 used to raise nothing at all."""
    result = racemic([BASELINE, reading(10, (systolic, 40))])
    assert codes(result) == expected
    assert result.stop_dosing is (systolic <= 90)


def test_hypotension_messages() -> None:
    """NEWS2 (RCP 2017) bands; the message names the value and the threshold."""
    result = racemic([BASELINE, reading(10, (95, 60)), reading(20, (78, 40))])
    assert [(a.code, a.level, a.message) for a in result.alerts if a.code != "vitals_overdue"] == [
        ("hypotension", "alert", "Systolic BP 95 mmHg is at or below 100: recheck and assess."),
        (
            "hypotension_stop",
            "stop",
            "Systolic BP 78 mmHg is at or below 90: stop dosing, lay the patient flat, call "
            "the prescriber.",
        ),
    ]


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(51, []), (50, [("bradycardia", 10)]), (41, [("bradycardia", 10)]),
     (40, [("bradycardia_stop", 10)]), (38, [("bradycardia_stop", 10)])],
)  # fmt: skip
def test_low_heart_rate_alerts_then_stops(rate: int, expected: list[tuple[str, float]]) -> None:
    """NEWS2 (RCP 2017): heart rate 41-50 scores 1 (alert at <= 50), <= 40 scores 3 (stop)."""
    result = racemic([BASELINE, reading(10, heart_rate_bpm=rate)])
    assert codes(result) == expected
    assert result.stop_dosing is (rate <= 40)


def test_low_side_thresholds_are_settings() -> None:
    """The NEWS2 defaults are clinic settings (reference §2.5: per-clinic configurable)."""
    settings = ClinicSettings.from_overrides(
        {"stop_systolic_low_mmhg": 80, "stop_heart_rate_low_bpm": 35}
    )
    result = racemic([BASELINE, reading(10, (85, 50), heart_rate_bpm=38)], settings)
    assert codes(result) == [("hypotension", 10), ("bradycardia", 10)]


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(12, []), (11, [("respiratory_rate_low", 10)]), (9, [("respiratory_rate_low", 10)]),
     (8, [("respiratory_rate_low_stop", 10)]), (0, [("respiratory_rate_low_stop", 10)]),
     (20, []), (21, [("respiratory_rate_high", 10)]), (24, [("respiratory_rate_high", 10)]),
     (25, [("respiratory_rate_high_stop", 10)])],
)  # fmt: skip
def test_respiratory_rate(rate: int, expected: list[tuple[str, float]]) -> None:
    """NEWS2 (RCP 2017): respiratory rate <= 8 scores 3, 9-11 scores 1, 21-24 scores 2, >= 25
    scores 3; respiratory depression is a boxed warning (Spravato label)."""
    result = racemic([BASELINE, reading(10, respiratory_rate_per_min=rate)])
    assert codes(result) == expected
    assert result.stop_dosing is (rate <= 8 or rate >= 25)


def test_respiratory_rate_message() -> None:
    """NEWS2 (RCP 2017): <= 8/min scores 3."""
    result = racemic([BASELINE, reading(10, respiratory_rate_per_min=7)])
    assert result.alerts[0].message == (
        "Respiratory rate 7/min is at or below 8/min: stop dosing, support the airway, call "
        "the prescriber."
    )
    assert result.warnings == (
        "reading at 10 min: respiratory_rate_per_min 7 is unusual (typical 8-30 breaths/min); "
        "confirm it",
    )


@pytest.mark.parametrize(
    ("rate", "message"),
    [(-1, "-1 is outside the allowed range 0-80 breaths/min"),
     (81, "81 is outside the allowed range 0-80 breaths/min")],
)  # fmt: skip
def test_impossible_respiratory_rate_is_refused(rate: int, message: str) -> None:
    """ketacare-input-bounds: outside 0-80 breaths/min is not a breathing rate."""
    with pytest.raises(ClinicalInputError) as caught:
        racemic([BASELINE, reading(10, respiratory_rate_per_min=rate)])
    assert (caught.value.field, caught.value.message) == (
        "vitals_timeline[1].respiratory_rate_per_min",
        message,
    )


# --- Deep sedation (ASA continuum of depth of sedation) ----------------------------------


def test_moaas_stop_is_a_setting() -> None:
    """ASA continuum: MOAA/S 2 is deep sedation; a clinic may stop only at 1 (stop_moaas_max)."""
    settings = ClinicSettings.from_overrides({"stop_moaas_max": 1})
    assert codes(racemic([BASELINE, reading(30, moaas=2)], settings)) == [("notable_sedation", 30)]
    assert codes(racemic([BASELINE, reading(30, moaas=1)], settings)) == [("deep_sedation", 30)]


def test_moaas_stop_must_be_below_the_alert() -> None:
    """A stop at or above the alert threshold would hide the alert (settings order check)."""
    with pytest.raises(SettingsError) as caught:
        ClinicSettings.from_overrides({"stop_moaas_max": 3})
    assert (caught.value.field, caught.value.message) == (
        "stop_moaas_max",
        "stop_moaas_max (3) must be below moaas_notable_sedation_max (3)",
    )


def test_deep_sedation_message() -> None:
    """ASA continuum: response only after repeated or painful stimulation is deep sedation."""
    result = racemic([BASELINE, reading(30, moaas=2)])
    alert = next(a for a in result.alerts if a.code == "deep_sedation")
    assert (alert.level, alert.message) == (
        "stop",
        "MOAA/S 2 (at or below 2): deep sedation, stop dosing, support the airway, call the "
        "prescriber.",
    )


# --- Events: vomiting and hypertensive symptoms ------------------------------------------


def test_emesis_is_an_alert_and_listed() -> None:
    """Vomiting during a session is an aspiration risk (Spravato label: nausea and vomiting;
    ASA fasting guidelines 2017: pulmonary aspiration)."""
    result = racemic([BASELINE], events=[{"code": "emesis", "t_min": 25}])
    assert codes(result) == [("emesis", 25)]
    alert = next(a for a in result.alerts if a.code == "emesis")
    assert (alert.level, result.stop_dosing) == ("alert", False)
    assert alert.message == (
        "Vomiting: aspiration risk; keep the airway clear (sit up or recovery position) and "
        "assess sedation."
    )


def test_hypertensive_symptoms_event_stops_at_its_time() -> None:
    """Spravato label; Yip 2022: target-organ symptoms are an emergency."""
    result = racemic([BASELINE], events=[{"code": "hypertensive_symptoms", "t_min": 30}])
    assert (codes(result), result.stop_dosing) == ([("hypertensive_symptoms", 30)], True)


# --- Overdue vitals (protocol intervals; Dunlop/Emory every 10 min during, 15 after) -----


def _every(times: list[float]) -> list[dict[str, object]]:
    return [BASELINE, *(reading(t, (124, 80), heart_rate_bpm=72) for t in times)]


@pytest.mark.parametrize(("gap_end", "overdue"), [(35, False), (35.1, True)])
def test_vitals_overdue_during_the_infusion(gap_end: float, overdue: bool) -> None:
    """depression-iv-induction: vitals every 10 min during the infusion (dunlop-emory); overdue
    after the interval plus vitals_overdue_tolerance_min (5)."""
    result = racemic(_every([10, 20, gap_end]), now=gap_end)
    assert codes(result, overdue=True) == ([("vitals_overdue", 35)] if overdue else [])


@pytest.mark.parametrize(("now", "overdue"), [(75, False), (75.1, True)])
def test_vitals_overdue_after_the_infusion(now: float, overdue: bool) -> None:
    """depression-iv-induction: every 15 min after the infusion ends (minute 40)."""
    result = racemic(_every([10, 20, 30, 40, 55]), now=now)
    found = [a for a in result.alerts if a.code == "vitals_overdue"]
    assert [(a.t_min, a.message) for a in found] == (
        [(75, "Vitals overdue: none since minute 55, due at minute 70 (every 15 min).")]
        if overdue
        else []
    )


def test_vitals_overdue_tolerance_is_a_setting() -> None:
    """vitals_overdue_tolerance_min (ketacare-placeholder) may be 0: overdue at the interval."""
    settings = ClinicSettings.from_overrides({"vitals_overdue_tolerance_min": 0})
    result = racemic(_every([10]), settings, now=20.5)
    assert codes(result, overdue=True) == [("vitals_overdue", 20)]


def test_no_overdue_vitals_for_spravato() -> None:
    """The Spravato protocols set BP checks (0, ~40 min), not a vitals interval (label)."""
    result = spravato([BASELINE, reading(40, (124, 80))], now=100)
    assert [c for c in codes(result, overdue=True) if c[0] == "vitals_overdue"] == []


def test_spravato_next_checks_are_the_40_minute_bp_and_the_end_of_observation() -> None:
    """Spravato label and REMS: BP at about 40 min after dosing; monitoring for at least 2 h
    from the first device."""
    before = spravato([BASELINE, reading(10, (130, 82))], now=30)
    assert [(c.code, c.due_t_min) for c in before.next_checks] == [
        ("bp_check", 40),
        ("observation_end", 120),
    ]
    after = spravato([BASELINE, reading(41, (130, 82))], now=45)
    assert [(c.code, c.due_t_min) for c in after.next_checks] == [("observation_end", 120)]
