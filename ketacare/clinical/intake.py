"""The intake document the clinical core screens (a pydantic model; its JSON schema is public).

Every field is required unless stated: a history question left out is an unanswered question,
not a "no". Impossible values are refused with the field and the allowed range; unusual ones
are accepted and surface as review reasons in screening. Diagnoses must be ICD-10-CM codes the
clinic uses (``codes.icd10_lookup``) and drug classes must come from ``codes.DRUG_CLASSES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ketacare.clinical import ranges
from ketacare.clinical.codes import DRUG_CLASSES, TRIAL_DRUG_CLASSES, icd10_lookup
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments.registry import INSTRUMENT_IDS, get_instrument
from ketacare.clinical.instruments.results import Score
from ketacare.clinical.settings import RiskLevel
from ketacare.clinical.validation import Range, input_error

Sex = Literal["female", "male", "intersex", "unknown"]


_TRIAL_CLASS_ENUM: dict[str, Any] = {"enum": sorted(TRIAL_DRUG_CLASSES)}


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MedicationTrial(_Document):
    """One antidepressant (or augmentation) trial from the patient's history."""

    drug: str = Field(min_length=1, max_length=100)
    drug_class: str = Field(
        description="a trial class id from codes.DRUG_CLASSES",
        json_schema_extra=_TRIAL_CLASS_ENUM,
    )
    weeks_at_adequate_dose: Annotated[float, ranges.TRIAL_WEEKS]
    improvement_percent: Annotated[
        float,
        ranges.TRIAL_IMPROVEMENT_PERCENT,
        Field(description="negative when symptoms worsened"),
    ]
    current_episode: bool

    @field_validator("drug_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in TRIAL_DRUG_CLASSES:
            allowed = ", ".join(sorted(TRIAL_DRUG_CLASSES))
            raise ValueError(f"unknown trial drug class {value!r}; allowed: {allowed}")
        return value


class History(_Document):
    """Yes/no medical and psychiatric history items, each one required."""

    psychosis: bool
    mania_current: bool
    substance_use_disorder_active: bool
    opioid_use_disorder: bool
    aneurysmal_vascular_disease: bool
    arteriovenous_malformation: bool
    intracerebral_hemorrhage: bool
    ketamine_allergy: bool
    interstitial_cystitis: bool
    severe_hepatic_impairment: bool
    raised_intracranial_pressure: bool
    raised_intraocular_pressure: bool
    uncontrolled_cardiovascular_disease: bool


class IntakeVitals(_Document):
    """Vital signs at intake (the same plausibility bounds as the session timeline)."""

    systolic: Annotated[int, ranges.SYSTOLIC_MMHG]
    diastolic: Annotated[int, ranges.DIASTOLIC_MMHG]
    heart_rate: Annotated[int, ranges.HEART_RATE_PER_MIN]
    spo2: Annotated[int, ranges.SPO2_PERCENT]

    @model_validator(mode="after")
    def _pulse_pressure(self) -> Self:
        if self.diastolic >= self.systolic:
            raise ValueError(
                f"diastolic {self.diastolic} must be below systolic {self.systolic} mmHg"
            )
        return self


class Intake(_Document):
    """A clinician intake: demographics, diagnoses, trials, history, vitals and scores."""

    age_years: Annotated[int, ranges.AGE_YEARS]
    sex: Sex = Field(description="sex assigned at birth")
    weight_kg: Annotated[float, ranges.WEIGHT_KG]
    height_cm: Annotated[float, ranges.HEIGHT_CM]
    pregnant: bool
    breastfeeding: bool
    diagnoses: list[str] = Field(max_length=50, description="ICD-10-CM codes the clinic uses")
    medication_trials: list[MedicationTrial] = Field(max_length=100)
    history: History
    recent_suicide_attempt_days: Annotated[int, Range(0, 36500, "days")] | None = Field(
        description="days since the most recent suicide attempt; null if none"
    )
    concomitant_drug_classes: list[str] = Field(
        max_length=50, description="class ids from codes.DRUG_CLASSES"
    )
    vitals: IntakeVitals
    home_sitter_available: bool
    scores: dict[str, int] = Field(
        default_factory=dict, description="latest totals by instrument id"
    )
    cssrs_risk: RiskLevel | None = Field(
        default=None, description="latest C-SSRS screener risk level, if screened"
    )
    cssrs_intent: bool | None = Field(
        default=None,
        description="C-SSRS screener question 4 or 5 answered yes (suicidal ideation with "
        "intent), computed from the same screener as cssrs_risk; null if not screened",
    )
    suicidal_intent_attested: bool = Field(
        default=False,
        description="a clinician attests active suicidal ideation with intent (the Spravato "
        "MDSI population); needs suicidal_intent_reason",
    )
    suicidal_intent_reason: str = Field(
        default="",
        max_length=500,
        validate_default=True,
        description="why the clinician attests intent",
    )
    diazepam_equivalent_mg_per_day: (
        Annotated[float, ranges.DIAZEPAM_EQUIVALENT_MG_PER_DAY] | None
    ) = Field(
        default=None,
        description="current daily benzodiazepine dose in diazepam equivalents (Ashton table); "
        "null if none or not recorded",
        json_schema_extra={"source": ["ashton-equivalence"]},
    )

    @field_validator("diagnoses")
    @classmethod
    def _known_codes(cls, codes: list[str]) -> list[str]:
        canonical: list[str] = []
        for code in codes:
            entry = icd10_lookup(code)
            if entry is None:
                raise ValueError(
                    f"unknown ICD-10 code {code!r}; use a code from the clinic's list "
                    "(docs/clinical.md)"
                )
            if entry.code not in canonical:
                canonical.append(entry.code)
        return canonical

    @field_validator("concomitant_drug_classes")
    @classmethod
    def _known_classes(cls, classes: list[str]) -> list[str]:
        for value in classes:
            if value not in DRUG_CLASSES:
                raise ValueError(
                    f"unknown drug class {value!r}; allowed: {', '.join(sorted(DRUG_CLASSES))}"
                )
        return list(dict.fromkeys(classes))

    @field_validator("scores")
    @classmethod
    def _valid_scores(cls, scores: dict[str, int]) -> dict[str, int]:
        for instrument_id, total in scores.items():
            if instrument_id not in INSTRUMENT_IDS:
                raise ValueError(
                    f"unknown instrument {instrument_id!r}; allowed: {', '.join(INSTRUMENT_IDS)}"
                )
            definition = get_instrument(instrument_id)
            if not definition.min_total <= total <= definition.max_total:
                raise ValueError(
                    f"{instrument_id} total {total} is outside the allowed range "
                    f"{definition.min_total}-{definition.max_total}"
                )
        return scores

    @model_validator(mode="after")
    def _sex_and_pregnancy(self) -> Self:
        if self.pregnant and self.sex == "male":
            raise ValueError("pregnant is true but sex is male; check both fields")
        return self

    @field_validator("cssrs_intent")
    @classmethod
    def _intent_from_the_screener(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        risk = info.data.get("cssrs_risk")
        if value is not None and risk is None:
            raise ValueError("comes from the C-SSRS screener, but cssrs_risk is missing")
        if value and risk == "none":
            raise ValueError("is true but cssrs_risk is none; check the screener answers")
        return value

    @field_validator("suicidal_intent_reason")
    @classmethod
    def _reason_for_attestation(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("suicidal_intent_attested") and not value.strip():
            raise ValueError("is required when suicidal_intent_attested is true")
        return value


#: C-SSRS screener questions that record suicidal ideation with intent (``cssrs-intent-items``):
#: 4, thoughts with some intention of acting; 5, a worked-out plan with intent.
CSSRS_INTENT_ITEMS = ("4", "5")


def cssrs_intent_from(screener: Score) -> bool:
    """Whether a scored C-SSRS screener shows ideation with intent (question 4 or 5 yes)."""
    return any(item.id in CSSRS_INTENT_ITEMS and item.value == 1 for item in screener.items)


def parse_intake(data: Mapping[str, Any]) -> Intake:
    """Validate a decoded intake document; ``ClinicalInputError`` names the bad field."""
    try:
        return Intake.model_validate(dict(data))
    except ValidationError as exc:
        raise input_error(exc) from exc


def parse_intake_json(text: str | bytes) -> Intake:
    """Validate an intake given as JSON text."""
    try:
        return Intake.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise ClinicalInputError("intake", f"not valid JSON: {error['msg']}") from exc
        raise input_error(exc) from exc


def intake_json_schema() -> dict[str, Any]:
    """The published JSON schema of the intake document (``ketacare screen --schema``)."""
    return Intake.model_json_schema()
