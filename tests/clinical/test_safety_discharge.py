"""Discharge checklist: every criterion blocks discharge until met."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.safety import evaluate_session
from ketacare.clinical.settings import ClinicSettings
from tests.clinical.sessions import BASELINE, check, racemic, reading, recovered, spravato


def test_a_recovered_racemic_session_may_be_discharged() -> None:
    result = racemic([BASELINE, recovered(100)], now=100)
    assert [c.code for c in result.discharge_checks] == [
        "observation_time",
        "sedation_resolved",
        "bp_near_baseline",
        "heart_rate_acceptable",
        "spo2_acceptable",
        "dissociation_resolved",
        "ambulating",
        "escort_present",
        "clinician_assessed_ready",
        "no_unresolved_stop",
        "alerts_acknowledged",
    ]
    assert all(c.met for c in result.discharge_checks)
    assert result.discharge_allowed is True


@pytest.mark.parametrize(("now", "met"), [(99.9, False), (100, True)])
def test_racemic_observation_is_60_minutes_after_dosing_ends(now: float, met: bool) -> None:
    result = racemic([BASELINE, recovered(95)], now=now)
    assert check(result, "observation_time") is met
    assert result.discharge_allowed is met


def test_racemic_observation_time_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"racemic_min_observation_min": 30})
    assert racemic([BASELINE, recovered(70)], settings, now=70).discharge_allowed is True


@pytest.mark.parametrize(("now", "met"), [(119.9, False), (120, True)])
def test_spravato_needs_120_minutes_from_the_first_device(now: float, met: bool) -> None:
    timeline = [BASELINE, reading(40, (130, 85)), recovered(110)]
    result = spravato(timeline, now=now)
    assert check(result, "observation_time") is met
    assert result.discharge_allowed is met


@pytest.mark.parametrize(("moaas", "met"), [(4, False), (5, True)])
def test_sedation_must_have_resolved_to_moaas_5(moaas: int, met: bool) -> None:
    timeline = [BASELINE, reading(100, (124, 80), heart_rate_bpm=72, spo2_percent=98, moaas=moaas)]
    assert check(racemic(timeline), "sedation_resolved") is met


def test_moaas_4_suffices_when_the_clinic_sets_it() -> None:
    settings = ClinicSettings.from_overrides({"discharge_min_moaas": 4})
    timeline = [BASELINE, reading(100, (124, 80), heart_rate_bpm=72, spo2_percent=98, moaas=4)]
    assert racemic(timeline, settings).discharge_allowed is True


def test_no_moaas_after_dosing_blocks_discharge() -> None:
    timeline = [BASELINE, reading(100, (124, 80), heart_rate_bpm=72, spo2_percent=98)]
    assert check(racemic(timeline), "sedation_resolved") is False


@pytest.mark.parametrize(
    ("baseline", "latest", "met"),
    [
        ((120, 80), (140, 90), True),
        ((120, 80), (141, 90), False),
        ((120, 80), (140, 91), False),
        ((150, 95), (170, 105), True),
        ((150, 95), (171, 105), False),
        ((150, 95), (170, 106), False),
    ],
)
def test_blood_pressure_back_near_baseline(
    baseline: tuple[int, int], latest: tuple[int, int], met: bool
) -> None:
    timeline = [
        reading(-5, baseline, heart_rate_bpm=70, spo2_percent=98),
        reading(100, latest, heart_rate_bpm=72, spo2_percent=98, moaas=5),
    ]
    assert check(racemic(timeline), "bp_near_baseline") is met


@pytest.mark.parametrize(("age", "met"), [(30, True), (31, False)])
def test_discharge_vitals_must_be_recent(age: float, met: bool) -> None:
    result = racemic([BASELINE, recovered(110 - age)], now=110)
    assert check(result, "bp_near_baseline") is met
    assert check(result, "heart_rate_acceptable") is met
    assert check(result, "spo2_acceptable") is met


@pytest.mark.parametrize(("rate", "met"), [(110, True), (111, False)])
def test_heart_rate_at_discharge(rate: int, met: bool) -> None:
    timeline = [BASELINE, reading(100, (124, 80), heart_rate_bpm=rate, spo2_percent=98, moaas=5)]
    assert check(racemic(timeline), "heart_rate_acceptable") is met


@pytest.mark.parametrize(("spo2", "met"), [(92, True), (91, False)])
def test_spo2_at_discharge(spo2: int, met: bool) -> None:
    timeline = [BASELINE, reading(100, (124, 80), heart_rate_bpm=72, spo2_percent=spo2, moaas=5)]
    assert check(racemic(timeline), "spo2_acceptable") is met


@pytest.mark.parametrize(
    ("fact", "code"),
    [
        ("escort_present", "escort_present"),
        ("dissociation_resolved", "dissociation_resolved"),
        ("ambulating", "ambulating"),
        ("clinician_assessed_ready", "clinician_assessed_ready"),
    ],
)
def test_each_confirmation_blocks_discharge_until_given(fact: str, code: str) -> None:
    result = racemic([BASELINE, recovered(100)], **{fact: False})
    assert check(result, code) is False
    assert result.discharge_allowed is False


def test_escort_can_be_waived_by_clinic_setting() -> None:
    settings = ClinicSettings.from_overrides({"discharge_requires_escort": False})
    result = racemic([BASELINE, recovered(100)], settings, escort_present=False)
    assert result.discharge_allowed is True


def test_a_stop_needs_the_prescriber_before_discharge() -> None:
    timeline = [BASELINE, reading(10, (205, 100)), recovered(100)]
    blocked = racemic(timeline)
    cleared = racemic(timeline, prescriber_cleared_after_stop=True)
    assert (blocked.stop_dosing, check(blocked, "no_unresolved_stop")) == (True, False)
    assert blocked.discharge_allowed is False
    assert cleared.discharge_allowed is True


def test_spravato_needs_the_40_minute_bp_and_pulse_oximetry() -> None:
    full = spravato([BASELINE, reading(40, (130, 85)), recovered(110)])
    assert full.discharge_allowed is True
    no_40 = spravato([BASELINE, recovered(110)])
    assert check(no_40, "bp_at_40_min") is False
    no_oximetry = spravato(
        [BASELINE, reading(40, (130, 85)), reading(110, (124, 80), heart_rate_bpm=72, moaas=5)]
    )
    assert check(no_oximetry, "pulse_oximetry_recorded") is False
    assert no_oximetry.discharge_allowed is False


def test_no_discharge_before_dosing() -> None:
    result = racemic([BASELINE], now=-1)
    assert result.discharge_allowed is False


def test_session_without_protocol_uses_the_drug_default() -> None:
    timeline = [BASELINE, reading(40, (130, 85)), recovered(110)]
    facts = {"drug": "esketamine", "now_t_min": 119, "dose_end_t_min": 10}
    result = evaluate_session(timeline, facts)
    assert check(result, "observation_time") is False
    assert [c.code for c in result.discharge_checks][-2:] == [
        "bp_at_40_min",
        "pulse_oximetry_recorded",
    ]


# --- Bad input ----------------------------------------------------------------------------


def test_impossible_reading_names_its_index_and_field() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        racemic([BASELINE, reading(10, (310, 100))])
    assert caught.value.field == "vitals_timeline[1].systolic_mmhg"
    assert caught.value.message == "310 is outside the allowed range 40-300 mmHg"


def test_half_a_blood_pressure_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="needs both systolic_mmhg and diastolic_mmhg"):
        racemic([BASELINE, {"t_min": 10, "systolic_mmhg": 150}])


def test_diastolic_above_systolic_is_refused() -> None:
    with pytest.raises(ClinicalInputError, match="must be below systolic_mmhg"):
        racemic([BASELINE, reading(10, (80, 90))])


def test_unusual_reading_is_accepted_and_reported() -> None:
    result = racemic([BASELINE, reading(10, (240, 130))])
    assert result.warnings == (
        "reading at 10 min: systolic_mmhg 240 is unusual (typical 70-230 mmHg); confirm it",
    )


def test_protocol_for_another_drug_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        evaluate_session(
            [BASELINE],
            {"drug": "ketamine", "protocol_id": "esketamine-trd-induction", "now_t_min": 0},
        )
    assert caught.value.field == "protocol_id"


def test_bad_facts_name_the_field() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        evaluate_session([BASELINE], {"drug": "ketamine", "now_t_min": "soon"})
    assert caught.value.field == "facts.now_t_min"


# --- Absolute discharge BP limit (AAGBI/BHS 2016; ACC/AHA 2017) --------------------------


def _bp_check(baseline: tuple[int, int], latest: tuple[int, int], **overrides: int) -> object:
    settings = ClinicSettings.from_overrides(overrides) if overrides else None
    timeline = [
        {**BASELINE, "systolic_mmhg": baseline[0], "diastolic_mmhg": baseline[1]},
        {**recovered(100), "systolic_mmhg": latest[0], "diastolic_mmhg": latest[1]},
    ]
    result = racemic(timeline, settings, now=100)
    return next(c for c in result.discharge_checks if c.code == "bp_near_baseline")


def test_a_severe_bp_never_passes_whatever_the_baseline() -> None:
    """190/112 after a 175/105 baseline was within baseline + 20/10 and passed; a BP above
    180/110 never passes (AAGBI/BHS 2016, Hartle et al.: proceed below 180/110; ACC/AHA 2017:
    >180 is severe)."""
    found = _bp_check((175, 105), (190, 112))
    assert (found.met, found.message) == (  # type: ignore[attr-defined]
        False,
        "Latest BP 190/112 mmHg (limit 180/110).",
    )


@pytest.mark.parametrize(
    ("latest", "met"), [((180, 110), True), ((181, 110), False), ((180, 111), False)]
)
def test_absolute_limit_boundary(latest: tuple[int, int], met: bool) -> None:
    """discharge_max_* 180/110 (AAGBI/BHS 2016): at the limit passes, one above does not."""
    assert _bp_check((175, 105), latest).met is met  # type: ignore[attr-defined]


def test_absolute_limit_is_a_setting() -> None:
    """discharge_max_systolic_mmhg is a clinic setting (reference §2.5: configurable)."""
    found = _bp_check((160, 95), (171, 95), discharge_max_systolic_mmhg=170)
    assert (found.met, found.message) == (  # type: ignore[attr-defined]
        False,
        "Latest BP 171/95 mmHg (limit 170/105).",
    )


# --- Every alert acknowledged before discharge -------------------------------------------

FULL_RACEMIC = [
    BASELINE,
    *(reading(t, (124, 80), heart_rate_bpm=72, spo2_percent=98) for t in (10, 20, 30, 40, 55)),
    reading(60, (126, 82), heart_rate_bpm=115, spo2_percent=98),
    *(recovered(t) for t in (70, 85, 100)),
]


@pytest.mark.parametrize(
    ("acknowledged", "met", "message"),
    [([], False, "Not yet acknowledged: heart_rate_high at minute 60."),
     ([{"code": "heart_rate_high", "t_min": 55}], False,
      "Not yet acknowledged: heart_rate_high at minute 60."),
     ([{"code": "heart_rate_high", "t_min": 60}], True, "Every alert acknowledged.")],
)  # fmt: skip
def test_an_unacknowledged_alert_blocks_discharge(
    acknowledged: list[dict[str, object]], met: bool, message: str
) -> None:
    """No alert may pass discharge unseen: staff acknowledge each (code and minute) first
    (clinic-rules-design; issue item 6)."""
    result = racemic(FULL_RACEMIC, now=100, acknowledged_alerts=acknowledged)
    found = next(c for c in result.discharge_checks if c.code == "alerts_acknowledged")
    assert (found.met, found.message, result.discharge_allowed) == (met, message, met)


def test_every_in_clinic_protocol_requires_acknowledged_alerts() -> None:
    """alerts_acknowledged is a discharge criterion of every in-clinic protocol and of the
    default criteria (clinic-rules-design)."""
    from ketacare.clinical.protocols import load_protocols
    from ketacare.clinical.safety.plan import ESKETAMINE_CRITERIA, RACEMIC_CRITERIA

    clinic = [p for p in load_protocols().values() if p.setting == "clinic"]
    assert [p.id for p in clinic if "alerts_acknowledged" not in p.discharge.criteria] == []
    assert len(clinic) == 13
    assert "alerts_acknowledged" in RACEMIC_CRITERIA
    assert "alerts_acknowledged" in ESKETAMINE_CRITERIA


@given(
    baseline_systolic=st.integers(130, 200),
    baseline_diastolic=st.integers(60, 119),
    latest_systolic=st.integers(131, 240),
    latest_diastolic=st.integers(60, 130),
)
def test_no_baseline_lets_a_bp_above_the_cap_pass(
    baseline_systolic: int, baseline_diastolic: int, latest_systolic: int, latest_diastolic: int
) -> None:
    """Whatever the baseline, discharge with a BP above 180/110 never passes (AAGBI/BHS 2016;
    ACC/AHA 2017: >180 is a severe elevation)."""
    found = _bp_check((baseline_systolic, baseline_diastolic), (latest_systolic, latest_diastolic))
    if latest_systolic > 180 or latest_diastolic > 110:
        assert found.met is False  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("systolic", "met", "message"),
    [(91, True, "Latest BP 91/60 mmHg (limit 140/90)."),
     (90, False, "Latest BP 90/60 mmHg: systolic at or below 90.")],
)  # fmt: skip
def test_hypotension_does_not_pass_discharge(systolic: int, met: bool, message: str) -> None:
    """NEWS2 (RCP 2017): systolic <= 90 scores 3 (urgent review), so it never passes discharge,
    however far below the upper limit it is."""
    found = _bp_check((120, 80), (systolic, 60))
    assert (found.met, found.message) == (met, message)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("rate", "met", "message"),
    [(41, True, "Latest heart rate 41/min (limit 110/min)."),
     (40, False, "Latest heart rate 40/min is at or below 40/min.")],
)  # fmt: skip
def test_bradycardia_does_not_pass_discharge(rate: int, met: bool, message: str) -> None:
    """NEWS2 (RCP 2017): heart rate <= 40 scores 3."""
    timeline = [BASELINE, {**recovered(100), "heart_rate_bpm": rate}]
    result = racemic(timeline, now=100)
    found = next(c for c in result.discharge_checks if c.code == "heart_rate_acceptable")
    assert (found.met, found.message) == (met, message)
