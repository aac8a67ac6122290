"""Clinic-configurable thresholds, each with a default, a unit, an allowed range and a source.

The clinical reference (§0.3, §2.5) is explicit that no authoritative source gives a single BP
stop rule for ketamine, and it marks several scoring cut-offs as unconfirmed. Such values are
therefore settings a clinic may change within a safe range, never constants in the rules. A
clinic stores only its overrides; ``ClinicSettings.from_overrides`` validates them and names
the bad field with its allowed range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.sources import cite, get_source

RiskLevel = Literal["none", "low", "moderate", "high"]
RISK_ORDER: tuple[RiskLevel, ...] = ("none", "low", "moderate", "high")
TriageLevel = Literal["low", "moderate", "high"]


class SettingsError(ClinicalInputError):
    """A clinic setting override outside its allowed range or of the wrong type."""


def _setting(
    default: Any,
    *,
    unit: str,
    source: tuple[str, ...],
    description: str,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare one setting; the metadata feeds validation messages, docs and the web form."""
    return Field(
        default,
        ge=ge,
        le=le,
        description=description,
        json_schema_extra={"unit": unit, "source": list(source)},
    )


class ClinicSettings(BaseModel):
    """All clinic-configurable thresholds. Comparisons are stated in each description."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    # --- Treatment resistance (candidacy) -------------------------------------------------
    trd_min_adequate_trials: int = _setting(
        2,
        unit="trials",
        ge=1,
        le=5,
        source=("spravato-pi-indications", "bcbs-nc-spravato", "elektd-2023"),
        description="Depression is treatment-resistant when adequate trials of at least this "
        "many different antidepressants (distinct drugs) in the current episode failed.",
    )
    trd_min_trial_weeks: float = _setting(
        6.0,
        unit="weeks",
        ge=4,
        le=12,
        source=("bcbs-nc-spravato",),
        description="A trial is adequate when it lasted at least this long at adequate dose.",
    )
    trd_max_improvement_percent: float = _setting(
        25.0,
        unit="%",
        ge=0,
        le=50,
        source=("bcbs-nc-spravato",),
        description="A trial failed when improvement was at most this percentage.",
    )
    trd_require_distinct_classes: bool = _setting(
        False,
        unit="flag",
        source=("spravato-pi-indications", "bcbs-nc-spravato"),
        description="When true, the failed trials must come from at least as many distinct "
        "drug classes as trd_min_adequate_trials. Off by default: the Spravato label asks "
        "for two different antidepressants, not two classes; a payer policy (BCBS NC) "
        "requires two classes, so turn it on where the payer does.",
    )
    # --- Candidacy ---
    benzodiazepine_blunting_diazepam_mg_per_day: float = _setting(
        8.0,
        unit="mg/day diazepam equivalent",
        ge=0,
        le=40,
        source=("andrashko-2020", "feeney-2023"),
        description="A daily benzodiazepine dose above this (diazepam equivalent) may blunt "
        "ketamine's antidepressant response: the prescriber reviews the dose.",
    )
    ymrs_review_above: int = _setting(
        5,
        unit="points",
        ge=0,
        le=20,
        source=("elektd-2023",),
        description="A bipolar patient whose YMRS total is above this (ELEKT-D admitted only "
        "YMRS <= 5) needs the prescriber's review of manic symptoms.",
    )
    ymrs_mania_min: int = _setting(
        12,
        unit="points",
        ge=6,
        le=30,
        source=("ymrs-mania-cutoff",),
        description="A YMRS total at or above this signifies hypomania or mania: ketamine is "
        "not given until it settles.",
    )

    @model_validator(mode="after")
    def _check_candidacy_order(self) -> Self:
        """The YMRS review band must lie below the mania threshold, or it would never fire."""
        if self.ymrs_review_above >= self.ymrs_mania_min:
            raise PydanticCustomError(
                "setting_order",
                "{low} ({low_value}) must be below {high} ({high_value})",
                {
                    "field": "ymrs_review_above",
                    "low": "ymrs_review_above",
                    "low_value": self.ymrs_review_above,
                    "high": "ymrs_mania_min",
                    "high_value": self.ymrs_mania_min,
                },
            )
        return self

    racemic_min_age_years: int = _setting(
        18,
        unit="years",
        ge=18,
        le=30,
        source=("bcbs-nc-spravato", "canmat-2021"),
        description="Racemic ketamine options need at least this age (evidence and payer "
        "criteria are for adults).",
    )
    recent_attempt_window_days: int = _setting(
        90,
        unit="days",
        ge=30,
        le=365,
        source=("cssrs-screener", "screening-checklist"),
        description="A suicide attempt within this many days excludes the home program and "
        "needs prescriber review in clinic (C-SSRS 'past 3 months' window).",
    )

    # --- Dose and session limits ----------------------------------------------------------
    obesity_bmi_kg_per_m2: float = _setting(
        30.0,
        unit="kg/m²",
        ge=25,
        le=40,
        source=("who-obesity-2000",),
        description="A protocol's weight basis for obese patients applies when the BMI is at "
        "or above this (WHO obesity class I starts at 30).",
    )

    # --- Pre-dose checks ------------------------------------------------------------------
    predose_review_systolic_mmhg: int = _setting(
        140,
        unit="mmHg",
        ge=120,
        le=180,
        source=("spravato-pi",),
        description="Prescriber review when systolic BP is above this (label: baseline "
        ">140/90, weigh the BP rise against benefit).",
    )
    predose_review_diastolic_mmhg: int = _setting(
        90,
        unit="mmHg",
        ge=70,
        le=110,
        source=("spravato-pi",),
        description="Prescriber review when diastolic BP is above this.",
    )
    predose_hold_systolic_mmhg: int = _setting(
        180,
        unit="mmHg",
        ge=140,
        le=220,
        source=("aagbi-bhs-2016",),
        description="Hold the dose when systolic BP is at or above this (AAGBI/BHS: an "
        "elective procedure proceeds below 180/110).",
    )
    predose_hold_diastolic_mmhg: int = _setting(
        110,
        unit="mmHg",
        ge=90,
        le=130,
        source=("aagbi-bhs-2016",),
        description="Hold the dose when diastolic BP is at or above this.",
    )
    predose_hold_heart_rate_bpm: int = _setting(
        110,
        unit="beats/min",
        ge=90,
        le=150,
        source=("news2-rcp-2017",),
        description="Hold the dose when heart rate is above this (NEWS2: 111-130/min scores 2).",
    )
    predose_hold_spo2_percent: int = _setting(
        92,
        unit="%",
        ge=85,
        le=96,
        source=("news2-rcp-2017",),
        description="Hold the dose when SpO2 is below this (NEWS2: 91% or less scores 3).",
    )
    predose_fasting_solids_hours: float = _setting(
        6.0,
        unit="h",
        ge=0,
        le=8,
        source=("asa-fasting-2017",),
        description="Without a protocol fasting rule, the dose needs at least this long since "
        "solid food (ASA: a light meal 6 h before sedation).",
    )
    predose_fasting_clear_fluids_hours: float = _setting(
        2.0,
        unit="h",
        ge=0,
        le=4,
        source=("asa-fasting-2017",),
        description="Without a protocol fasting rule, the dose needs at least this long since "
        "clear fluids (ASA: clear liquids up to 2 h before).",
    )
    predose_screen_max_age_hours: float = _setting(
        12.0,
        unit="h",
        ge=1,
        le=24,
        source=("suicidality-gate-design", "ketacare-placeholder"),
        description="A suicidality screen counts as same-day when taken at most this long "
        "before the first dose.",
    )

    # --- During and after dosing ----------------------------------------------------------
    alert_systolic_rise_mmhg: int = _setting(
        40,
        unit="mmHg",
        ge=20,
        le=60,
        source=("spravato-pi",),
        description="Alert when systolic BP rises at least this much above baseline (label: "
        ">=40 mmHg systolic rise in 8-19% of patients).",
    )
    alert_diastolic_rise_mmhg: int = _setting(
        25,
        unit="mmHg",
        ge=10,
        le=40,
        source=("spravato-pi",),
        description="Alert when diastolic BP rises at least this much above baseline.",
    )
    stop_repeat_systolic_mmhg: int = _setting(
        180,
        unit="mmHg",
        ge=160,
        le=220,
        source=("academic-clinic-bp-rule",),
        description="A systolic BP above this alerts (recheck); staying above it across "
        "stop_repeat_interval_min stops dosing.",
    )
    stop_repeat_diastolic_mmhg: int = _setting(
        110,
        unit="mmHg",
        ge=90,
        le=130,
        source=("academic-clinic-bp-rule",),
        description="A diastolic BP above this alerts (recheck); staying above it across "
        "stop_repeat_interval_min stops dosing.",
    )
    stop_repeat_interval_min: float = _setting(
        5.0,
        unit="min",
        ge=1,
        le=15,
        source=("academic-clinic-bp-rule",),
        description="Minutes between the first and a later consecutive elevated BP reading "
        "that turn an alert into a stop ('two readings 5 minutes apart').",
    )
    stop_single_systolic_mmhg: int = _setting(
        200,
        unit="mmHg",
        ge=180,
        le=240,
        source=("academic-clinic-bp-rule",),
        description="Stop dosing on a single systolic BP above this.",
    )
    stop_single_diastolic_mmhg: int = _setting(
        120,
        unit="mmHg",
        ge=100,
        le=140,
        source=("academic-clinic-bp-rule",),
        description="Stop dosing on a single diastolic BP above this.",
    )
    alert_heart_rate_bpm: int = _setting(
        110,
        unit="beats/min",
        ge=90,
        le=150,
        source=("news2-rcp-2017",),
        description="Alert when heart rate is above this (NEWS2: 111-130/min scores 2).",
    )
    stop_heart_rate_bpm: int = _setting(
        120,
        unit="beats/min",
        ge=100,
        le=180,
        source=("academic-clinic-bp-rule",),
        description="Stop dosing when heart rate stays above this for "
        "stop_heart_rate_sustained_min.",
    )
    stop_heart_rate_sustained_min: float = _setting(
        5.0,
        unit="min",
        ge=1,
        le=15,
        source=("academic-clinic-bp-rule",),
        description="How long tachycardia above stop_heart_rate_bpm must last to stop dosing.",
    )
    alert_spo2_percent: int = _setting(
        92,
        unit="%",
        ge=85,
        le=96,
        source=("news2-rcp-2017",),
        description="Alert when SpO2 is below this (respiratory depression is a REMS risk; "
        "NEWS2: 91% or less scores 3).",
    )
    stop_spo2_percent: int = _setting(
        88,
        unit="%",
        ge=80,
        le=94,
        source=("ketacare-placeholder",),
        description="Stop dosing when SpO2 is below this.",
    )
    moaas_notable_sedation_max: int = _setting(
        3,
        unit="MOAA/S points",
        ge=1,
        le=4,
        source=("moaas-sedation-threshold",),
        description="Alert for notable sedation when MOAA/S is at or below this.",
    )
    stop_moaas_max: int = _setting(
        2,
        unit="MOAA/S points",
        ge=1,
        le=3,
        source=("asa-sedation-continuum", "moaas-1990"),
        description="Stop dosing when MOAA/S is at or below this: response only to prodding "
        "or shaking is deep sedation (ASA continuum), not the aim of sub-anaesthetic dosing.",
    )
    alert_systolic_low_mmhg: int = _setting(
        100,
        unit="mmHg",
        ge=80,
        le=110,
        source=("news2-rcp-2017",),
        description="Alert when systolic BP is at or below this (NEWS2: 91-100 scores 2).",
    )
    stop_systolic_low_mmhg: int = _setting(
        90,
        unit="mmHg",
        ge=70,
        le=100,
        source=("news2-rcp-2017",),
        description="Stop dosing when systolic BP is at or below this (NEWS2: 90 or less "
        "scores 3, urgent review).",
    )
    alert_heart_rate_low_bpm: int = _setting(
        50,
        unit="beats/min",
        ge=40,
        le=60,
        source=("news2-rcp-2017",),
        description="Alert when heart rate is at or below this (NEWS2: 41-50/min scores 1).",
    )
    stop_heart_rate_low_bpm: int = _setting(
        40,
        unit="beats/min",
        ge=30,
        le=50,
        source=("news2-rcp-2017",),
        description="Stop dosing when heart rate is at or below this (NEWS2: 40/min or less "
        "scores 3).",
    )
    alert_respiratory_rate_low_per_min: int = _setting(
        11,
        unit="breaths/min",
        ge=8,
        le=12,
        source=("news2-rcp-2017",),
        description="Alert when respiratory rate is at or below this (NEWS2: 9-11 scores 1).",
    )
    stop_respiratory_rate_low_per_min: int = _setting(
        8,
        unit="breaths/min",
        ge=4,
        le=10,
        source=("news2-rcp-2017",),
        description="Stop dosing when respiratory rate is at or below this (NEWS2: 8 or less "
        "scores 3).",
    )
    alert_respiratory_rate_high_per_min: int = _setting(
        21,
        unit="breaths/min",
        ge=18,
        le=30,
        source=("news2-rcp-2017",),
        description="Alert when respiratory rate is at or above this (NEWS2: 21-24 scores 2).",
    )
    stop_respiratory_rate_high_per_min: int = _setting(
        25,
        unit="breaths/min",
        ge=20,
        le=40,
        source=("news2-rcp-2017",),
        description="Stop dosing when respiratory rate is at or above this (NEWS2: 25 or more "
        "scores 3).",
    )
    vitals_overdue_tolerance_min: float = _setting(
        5.0,
        unit="min",
        ge=0,
        le=15,
        source=("ketacare-placeholder",),
        description="Vitals are overdue this long after the protocol interval "
        "(vitals_interval_during_min, vitals_interval_after_min) has passed without a reading.",
    )

    # --- Discharge ------------------------------------------------------------------------
    racemic_min_observation_min: int = _setting(
        60,
        unit="min",
        ge=0,
        le=240,
        source=("ketacare-placeholder", "sanacora-2017-unverified"),
        description="Minimum observation after the end of racemic ketamine dosing before "
        "discharge (Spravato's 120 min from the first device is a label rule, not a setting).",
    )
    discharge_min_moaas: int = _setting(
        5,
        unit="MOAA/S points",
        ge=4,
        le=5,
        source=("clinic-rules-design",),
        description="Discharge needs the latest MOAA/S at or above this (5 = fully alert).",
    )
    discharge_bp_margin_systolic_mmhg: int = _setting(
        20,
        unit="mmHg",
        ge=0,
        le=40,
        source=("clinic-rules-design", "ketacare-placeholder"),
        description="Discharge BP is near baseline when systolic is at most baseline plus "
        "this (or not above predose_review_systolic_mmhg).",
    )
    discharge_bp_margin_diastolic_mmhg: int = _setting(
        10,
        unit="mmHg",
        ge=0,
        le=30,
        source=("clinic-rules-design", "ketacare-placeholder"),
        description="Discharge BP is near baseline when diastolic is at most baseline plus "
        "this (or not above predose_review_diastolic_mmhg).",
    )
    discharge_vitals_max_age_min: int = _setting(
        30,
        unit="min",
        ge=5,
        le=120,
        source=("spravato-rems", "ketacare-placeholder"),
        description="Discharge vitals must include readings taken at most this long before "
        "discharge (the REMS form asks for BP before session completion).",
    )
    discharge_requires_escort: bool = _setting(
        True,
        unit="flag",
        source=("clinic-rules-design", "sanacora-2017-unverified"),
        description="Discharge needs an escort (ride home) present.",
    )
    discharge_max_systolic_mmhg: int = _setting(
        180,
        unit="mmHg",
        ge=140,
        le=200,
        source=("aagbi-bhs-2016", "acc-aha-2017-hypertension"),
        description="Discharge never passes with systolic BP above this, whatever the "
        "baseline (severe elevation: ACC/AHA >180; AAGBI/BHS proceed below 180/110).",
    )
    discharge_max_diastolic_mmhg: int = _setting(
        110,
        unit="mmHg",
        ge=90,
        le=120,
        source=("aagbi-bhs-2016", "acc-aha-2017-hypertension"),
        description="Discharge never passes with diastolic BP above this, whatever the baseline.",
    )

    # --- Scoring cut-offs the reference leaves open ---------------------------------------
    phq2_positive_min: int = _setting(
        3,
        unit="points",
        ge=2,
        le=3,
        source=("kroenke-2003-phq2",),
        description="PHQ-2 total at or above this is a positive screen (2 is more sensitive).",
    )
    pcl5_provisional_cutoff: int = _setting(
        33,
        unit="points",
        ge=31,
        le=38,
        source=("pcl5-ncptsd",),
        description="PCL-5 total at or above this suggests provisional PTSD (31-33; older 38).",
    )
    madrs_remission_max: int = _setting(
        10,
        unit="points",
        ge=10,
        le=12,
        source=("madrs-remission",),
        description="MADRS remission when the total is at or below this.",
    )
    ybocs_response_percent: int = _setting(
        35,
        unit="%",
        ge=25,
        le=50,
        source=("ybocs-change-thresholds",),
        description="Y-BOCS response when the total fell by at least this percentage.",
    )
    ybocs_remission_max: int = _setting(
        12,
        unit="points",
        ge=8,
        le=16,
        source=("ybocs-change-thresholds",),
        description="Y-BOCS remission when the total is at or below this.",
    )
    pain_nrs_response_percent: int = _setting(
        30,
        unit="%",
        ge=30,
        le=50,
        source=("pain-nrs",),
        description="Pain NRS response when the rating fell by at least this percentage.",
    )
    pain_nrs_meaningful_change_points: int = _setting(
        2,
        unit="points",
        ge=1,
        le=3,
        source=("pain-nrs",),
        description="Pain NRS change of at least this many points is clinically meaningful.",
    )
    cssrs_risk_q1_q2: TriageLevel = _setting(
        "low",
        unit="risk level",
        source=("cssrs-screener",),
        description="C-SSRS risk when only question 1 and/or 2 (ideation) is yes.",
    )
    cssrs_risk_q3: TriageLevel = _setting(
        "moderate",
        unit="risk level",
        source=("cssrs-screener",),
        description="C-SSRS risk when question 3 (thinking about method) is yes.",
    )
    cssrs_risk_q4_q5: TriageLevel = _setting(
        "high",
        unit="risk level",
        source=("cssrs-screener",),
        description="C-SSRS risk when question 4 (intent) or 5 (plan) is yes.",
    )
    cssrs_risk_behaviour_past_3_months: TriageLevel = _setting(
        "high",
        unit="risk level",
        source=("cssrs-screener",),
        description="C-SSRS risk when question 6 (behaviour) is yes within the past 3 months.",
    )
    cssrs_risk_behaviour_lifetime: TriageLevel = _setting(
        "moderate",
        unit="risk level",
        source=("cssrs-screener",),
        description="C-SSRS risk when question 6 is yes but more than 3 months ago.",
    )

    # --- Course review and instruments ---------------------------------------------------
    audit_c_positive_min_men: int = _setting(
        4,
        unit="points",
        ge=3,
        le=8,
        source=("bradley-2007",),
        description="AUDIT-C total at or above this is a positive alcohol screen for a man.",
    )
    audit_c_positive_min_women: int = _setting(
        3,
        unit="points",
        ge=2,
        le=8,
        source=("bradley-2007",),
        description="AUDIT-C total at or above this is a positive alcohol screen for a woman "
        "(also used when sex is intersex or unknown, the lower cut-off being the safer one).",
    )
    dast10_review_min: int = _setting(
        3,
        unit="points",
        ge=1,
        le=9,
        source=("skinner-1982",),
        description="DAST-10 total at or above this (moderate: further investigation) needs "
        "prescriber review before a controlled substance.",
    )
    course_nonresponse_sessions_iv: int = _setting(
        3,
        unit="sessions",
        ge=2,
        le=12,
        source=("sanacora-2017-unverified", "translpsych-2024-nonimprovement"),
        description="After this many IV racemic induction sessions without the improvement "
        "below, the course is flagged for a benefit-risk review.",
    )
    course_nonresponse_improvement_percent: float = _setting(
        20.0,
        unit="%",
        ge=10,
        le=50,
        source=("translpsych-2024-nonimprovement", "crtce-2021-early-improvement"),
        description="A course is improving when a symptom score has fallen at least this "
        "percentage from its baseline.",
    )
    course_mania_ymrs_min: int = _setting(
        16,
        unit="points",
        ge=8,
        le=30,
        source=("ymrs-emergent-mania-convention",),
        description="A bipolar patient's YMRS at or above this during a course flags "
        "treatment-emergent mania for review.",
    )
    course_mania_ymrs_rise_points: int = _setting(
        6,
        unit="points",
        ge=2,
        le=20,
        source=("ymrs-emergent-mania-convention",),
        description="A YMRS rise of at least this from the course baseline flags "
        "treatment-emergent mania for review.",
    )

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        """Pairs of thresholds must keep their order, or a rule would never fire."""
        below = (
            ("predose_review_systolic_mmhg", "predose_hold_systolic_mmhg"),
            ("predose_review_diastolic_mmhg", "predose_hold_diastolic_mmhg"),
            ("stop_repeat_systolic_mmhg", "stop_single_systolic_mmhg"),
            ("stop_repeat_diastolic_mmhg", "stop_single_diastolic_mmhg"),
            ("alert_heart_rate_bpm", "stop_heart_rate_bpm"),
            ("stop_spo2_percent", "alert_spo2_percent"),
            ("stop_moaas_max", "moaas_notable_sedation_max"),
            ("stop_systolic_low_mmhg", "alert_systolic_low_mmhg"),
            ("stop_heart_rate_low_bpm", "alert_heart_rate_low_bpm"),
            ("stop_respiratory_rate_low_per_min", "alert_respiratory_rate_low_per_min"),
            ("alert_respiratory_rate_high_per_min", "stop_respiratory_rate_high_per_min"),
            ("predose_review_systolic_mmhg", "discharge_max_systolic_mmhg"),
            ("predose_review_diastolic_mmhg", "discharge_max_diastolic_mmhg"),
        )
        for low, high in below:
            if getattr(self, low) >= getattr(self, high):
                raise PydanticCustomError(
                    "setting_order",
                    "{low} ({low_value}) must be below {high} ({high_value})",
                    {
                        "field": low,
                        "low": low,
                        "low_value": getattr(self, low),
                        "high": high,
                        "high_value": getattr(self, high),
                    },
                )
        not_above = (
            ("cssrs_risk_q1_q2", "cssrs_risk_q3"),
            ("cssrs_risk_q3", "cssrs_risk_q4_q5"),
            ("cssrs_risk_behaviour_lifetime", "cssrs_risk_behaviour_past_3_months"),
        )
        for low, high in not_above:
            if RISK_ORDER.index(getattr(self, low)) > RISK_ORDER.index(getattr(self, high)):
                raise PydanticCustomError(
                    "setting_order",
                    "{low} ({low_value}) must not be a higher risk than {high} ({high_value})",
                    {
                        "field": low,
                        "low": low,
                        "low_value": getattr(self, low),
                        "high": high,
                        "high_value": getattr(self, high),
                    },
                )
        return self

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, object] | None = None) -> ClinicSettings:
        """Defaults with a clinic's overrides applied; bad values name the field and range."""
        overrides = dict(overrides or {})
        for name in sorted(overrides):
            if name not in cls.model_fields:
                raise SettingsError(name, "unknown setting; see docs/clinical.md for the list")
        try:
            return cls.model_validate(overrides)
        except ValidationError as exc:
            error = exc.errors()[0]
            ctx = error.get("ctx") or {}
            if error["type"] == "setting_order":
                raise SettingsError(str(ctx["field"]), error["msg"]) from exc
            name = str(error["loc"][0])
            raise SettingsError(
                name, f"{error['input']!r} is not allowed; {allowed_text(name)}"
            ) from exc


@dataclass(frozen=True)
class SettingInfo:
    """One setting as shown to a clinic administrator."""

    name: str
    value: object
    default: object
    unit: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] | None
    description: str
    source_keys: tuple[str, ...]
    citation: str
    confirmed: bool


def _bounds(name: str) -> tuple[float | None, float | None]:
    field = ClinicSettings.model_fields[name]
    minimum: float | None = None
    maximum: float | None = None
    for item in field.metadata:
        ge = getattr(item, "ge", None)
        le = getattr(item, "le", None)
        if ge is not None:
            minimum = float(ge)
        if le is not None:
            maximum = float(le)
    return minimum, maximum


def _choices(name: str) -> tuple[str, ...] | None:
    annotation = ClinicSettings.model_fields[name].annotation
    args = get_args(annotation)
    if args and all(isinstance(arg, str) for arg in args):
        return tuple(str(arg) for arg in args)
    return None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def allowed_text(name: str) -> str:
    """Human text for what a setting accepts, e.g. 'allowed range 120-180 mmHg'."""
    field = ClinicSettings.model_fields[name]
    extra = field.json_schema_extra
    unit = str(extra.get("unit", "")) if isinstance(extra, dict) else ""
    choices = _choices(name)
    if choices:
        return f"allowed values: {', '.join(choices)}"
    if field.annotation is bool:
        return "allowed values: true, false"
    minimum, maximum = _bounds(name)
    kind = "a whole number" if field.annotation is int else "a number"
    return f"allowed range {_fmt(minimum or 0)}-{_fmt(maximum or 0)} {unit} ({kind})".replace(
        "  ", " "
    )


def _source_keys(name: str) -> tuple[str, ...]:
    extra = ClinicSettings.model_fields[name].json_schema_extra
    assert isinstance(extra, dict)
    keys = extra["source"]
    assert isinstance(keys, list)
    return tuple(str(key) for key in keys)


def describe_settings(settings: ClinicSettings | None = None) -> list[SettingInfo]:
    """Every setting with its current value, default, unit, range and source."""
    settings = settings or ClinicSettings()
    infos: list[SettingInfo] = []
    for name, field in ClinicSettings.model_fields.items():
        extra = field.json_schema_extra
        assert isinstance(extra, dict)
        keys = _source_keys(name)
        minimum, maximum = _bounds(name)
        infos.append(
            SettingInfo(
                name=name,
                value=getattr(settings, name),
                default=field.default,
                unit=str(extra["unit"]),
                minimum=minimum,
                maximum=maximum,
                choices=_choices(name),
                description=field.description or "",
                source_keys=keys,
                citation=cite(*keys),
                confirmed=all(get_source(key).confirmed for key in keys),
            )
        )
    return infos


DEFAULT_SETTINGS = ClinicSettings()
