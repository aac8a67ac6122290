"""Clinic settings: defaults, units, ranges, sources, and readable refusals."""

from __future__ import annotations

import pytest

from ketacare.clinical.settings import (
    ClinicSettings,
    SettingsError,
    allowed_text,
    describe_settings,
)
from ketacare.clinical.sources import all_sources

# Defaults the documentation promises (docs/clinical.md, "Clinic settings").
DEFAULTS = {
    "trd_min_adequate_trials": 2,
    "trd_min_trial_weeks": 6.0,
    "trd_max_improvement_percent": 25.0,
    "trd_require_distinct_classes": False,
    "benzodiazepine_blunting_diazepam_mg_per_day": 8.0,
    "ymrs_review_above": 5,
    "ymrs_mania_min": 12,
    "racemic_min_age_years": 18,
    "recent_attempt_window_days": 90,
    "obesity_bmi_kg_per_m2": 30.0,
    "predose_review_systolic_mmhg": 140,
    "predose_review_diastolic_mmhg": 90,
    "predose_hold_systolic_mmhg": 180,
    "predose_hold_diastolic_mmhg": 110,
    "predose_hold_heart_rate_bpm": 110,
    "predose_hold_spo2_percent": 92,
    "predose_fasting_solids_hours": 6.0,
    "predose_fasting_clear_fluids_hours": 2.0,
    "predose_screen_max_age_hours": 12.0,
    "alert_systolic_rise_mmhg": 40,
    "alert_diastolic_rise_mmhg": 25,
    "stop_repeat_systolic_mmhg": 180,
    "stop_repeat_diastolic_mmhg": 110,
    "stop_repeat_interval_min": 5.0,
    "stop_single_systolic_mmhg": 200,
    "stop_single_diastolic_mmhg": 120,
    "alert_heart_rate_bpm": 110,
    "stop_heart_rate_bpm": 120,
    "stop_heart_rate_sustained_min": 5.0,
    "alert_spo2_percent": 92,
    "stop_spo2_percent": 88,
    "moaas_notable_sedation_max": 3,
    "stop_moaas_max": 2,
    "alert_systolic_low_mmhg": 100,
    "stop_systolic_low_mmhg": 90,
    "alert_heart_rate_low_bpm": 50,
    "stop_heart_rate_low_bpm": 40,
    "alert_respiratory_rate_low_per_min": 11,
    "stop_respiratory_rate_low_per_min": 8,
    "alert_respiratory_rate_high_per_min": 21,
    "stop_respiratory_rate_high_per_min": 25,
    "vitals_overdue_tolerance_min": 5.0,
    "racemic_min_observation_min": 60,
    "discharge_min_moaas": 5,
    "discharge_bp_margin_systolic_mmhg": 20,
    "discharge_bp_margin_diastolic_mmhg": 10,
    "discharge_vitals_max_age_min": 30,
    "discharge_requires_escort": True,
    "discharge_max_systolic_mmhg": 180,
    "discharge_max_diastolic_mmhg": 110,
    "phq2_positive_min": 3,
    "pcl5_provisional_cutoff": 33,
    "madrs_remission_max": 10,
    "ybocs_response_percent": 35,
    "ybocs_remission_max": 12,
    "pain_nrs_response_percent": 30,
    "pain_nrs_meaningful_change_points": 2,
    "cssrs_risk_q1_q2": "low",
    "cssrs_risk_q3": "moderate",
    "cssrs_risk_q4_q5": "high",
    "cssrs_risk_behaviour_past_3_months": "high",
    "cssrs_risk_behaviour_lifetime": "moderate",
    "audit_c_positive_min_men": 4,
    "audit_c_positive_min_women": 3,
    "dast10_review_min": 3,
    "course_nonresponse_sessions_iv": 3,
    "course_nonresponse_improvement_percent": 20.0,
    "course_mania_ymrs_min": 16,
    "course_mania_ymrs_rise_points": 6,
}


def test_defaults() -> None:
    assert ClinicSettings().model_dump() == DEFAULTS


def test_every_setting_has_a_unit_a_range_or_choices_and_registered_sources() -> None:
    sources = all_sources()
    for info in describe_settings():
        assert info.unit, info.name
        assert info.description, info.name
        assert info.source_keys and all(key in sources for key in info.source_keys), info.name
        has_range = info.minimum is not None and info.maximum is not None
        assert has_range or info.choices or isinstance(info.default, bool), info.name
        if has_range:
            assert info.minimum is not None and info.maximum is not None
            assert info.minimum <= float(info.default) <= info.maximum, info.name  # type: ignore[arg-type]


def test_unconfirmed_defaults_are_marked() -> None:
    unconfirmed = {info.name for info in describe_settings() if not info.confirmed}
    assert {
        "stop_spo2_percent",
        "stop_heart_rate_bpm",
        "stop_single_systolic_mmhg",
        "stop_repeat_systolic_mmhg",
        "racemic_min_observation_min",
        "moaas_notable_sedation_max",
        "ybocs_remission_max",
        "pain_nrs_response_percent",
        "cssrs_risk_q3",
    } <= unconfirmed
    assert "predose_review_systolic_mmhg" not in unconfirmed  # the Spravato label's 140/90


def test_placeholders_with_a_citable_source_are_confirmed() -> None:
    """Hold at 180/110 (AAGBI/BHS 2016, Hartle et al.); HR 110 and SpO2 92 (NEWS2 band edges,
    RCP 2017); discharge 180/110 (AAGBI/BHS, ACC/AHA 2017); low-side bands (NEWS2)."""
    confirmed = {info.name: info.confirmed for info in describe_settings()}
    names = [
        "predose_hold_systolic_mmhg",
        "predose_hold_diastolic_mmhg",
        "predose_hold_heart_rate_bpm",
        "predose_hold_spo2_percent",
        "alert_heart_rate_bpm",
        "alert_spo2_percent",
        "stop_moaas_max",
        "stop_systolic_low_mmhg",
        "stop_heart_rate_low_bpm",
        "stop_respiratory_rate_low_per_min",
        "discharge_max_systolic_mmhg",
        "predose_fasting_solids_hours",
    ]
    assert [confirmed[name] for name in names] == [True] * len(names)


def test_overrides_apply() -> None:
    settings = ClinicSettings.from_overrides({"predose_hold_systolic_mmhg": 170})
    assert settings.predose_hold_systolic_mmhg == 170
    assert settings.predose_hold_diastolic_mmhg == 110


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"predose_hold_systolic_mmhg": 221}, "predose_hold_systolic_mmhg",
         "221 is not allowed; allowed range 140-220 mmHg (a whole number)"),
        ({"predose_hold_systolic_mmhg": 139}, "predose_hold_systolic_mmhg",
         "139 is not allowed; allowed range 140-220 mmHg (a whole number)"),
        ({"trd_min_trial_weeks": 3.5}, "trd_min_trial_weeks",
         "3.5 is not allowed; allowed range 4-12 weeks (a number)"),
        ({"discharge_requires_escort": "no"}, "discharge_requires_escort",
         "'no' is not allowed; allowed values: true, false"),
        ({"cssrs_risk_q3": "severe"}, "cssrs_risk_q3",
         "'severe' is not allowed; allowed values: low, moderate, high"),
        ({"stop_bp": 180}, "stop_bp", "unknown setting; see docs/clinical.md for the list"),
        ({"predose_review_systolic_mmhg": 170, "predose_hold_systolic_mmhg": 170},
         "predose_review_systolic_mmhg",
         "predose_review_systolic_mmhg (170) must be below predose_hold_systolic_mmhg (170)"),
        ({"cssrs_risk_q1_q2": "high"}, "cssrs_risk_q1_q2",
         "cssrs_risk_q1_q2 (high) must not be a higher risk than cssrs_risk_q3 (moderate)"),
    ],
)  # fmt: skip
def test_bad_override_names_the_field_and_range(
    overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        ClinicSettings.from_overrides(overrides)
    assert (caught.value.field, caught.value.message) == (field, message)


@pytest.mark.parametrize(("value", "ok"), [(0, True), (240, True), (-1, False), (241, False)])
def test_range_is_inclusive(value: int, ok: bool) -> None:
    overrides = {"racemic_min_observation_min": value}
    if ok:
        assert ClinicSettings.from_overrides(overrides).racemic_min_observation_min == value
    else:
        with pytest.raises(SettingsError):
            ClinicSettings.from_overrides(overrides)


def test_settings_are_frozen() -> None:
    settings = ClinicSettings()
    with pytest.raises(ValueError, match="frozen"):
        settings.predose_hold_systolic_mmhg = 150  # type: ignore[misc]


def test_allowed_text_for_a_float_setting() -> None:
    assert allowed_text("stop_repeat_interval_min") == "allowed range 1-15 min (a number)"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"stop_systolic_low_mmhg": 100}, "stop_systolic_low_mmhg (100) must be below "
      "alert_systolic_low_mmhg (100)"),
     ({"stop_heart_rate_low_bpm": 50}, "stop_heart_rate_low_bpm (50) must be below "
      "alert_heart_rate_low_bpm (50)"),
     ({"stop_respiratory_rate_low_per_min": 10, "alert_respiratory_rate_low_per_min": 10},
      "stop_respiratory_rate_low_per_min (10) must be below alert_respiratory_rate_low_per_min "
      "(10)"),
     ({"alert_respiratory_rate_high_per_min": 25}, "alert_respiratory_rate_high_per_min (25) "
      "must be below stop_respiratory_rate_high_per_min (25)"),
     ({"predose_review_systolic_mmhg": 150, "discharge_max_systolic_mmhg": 150},
      "predose_review_systolic_mmhg (150) must be below discharge_max_systolic_mmhg (150)")],
)  # fmt: skip
def test_new_safety_thresholds_keep_their_order(overrides: dict[str, object], message: str) -> None:
    """Alert below stop (NEWS2 bands, RCP 2017); the discharge cap above the review threshold
    (AAGBI/BHS 2016), or a rule would never fire."""
    with pytest.raises(SettingsError) as caught:
        ClinicSettings.from_overrides(overrides)
    assert caught.value.message == message
