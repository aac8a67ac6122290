"""Inputs and outputs of the session safety rules.

Times are minutes from the first dose (``t_min``; negative before dosing). Readings carry the
same plausibility bounds as the intake: impossible values are refused, unusual ones reported.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ketacare.clinical import ranges
from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.validation import Range
from ketacare.clinical.vocabulary import DischargeCriterion, Drug

AlertLevel = Literal["alert", "stop"]
PredoseDecision = Literal["proceed", "prescriber_review", "hold"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class VitalsReading(_Input):
    """One set of observations at the chair; any field may be absent."""

    t_min: Annotated[float, Range(-1440, 1440, "min")]
    systolic_mmhg: Annotated[int, ranges.SYSTOLIC_MMHG] | None = None
    diastolic_mmhg: Annotated[int, ranges.DIASTOLIC_MMHG] | None = None
    heart_rate_bpm: Annotated[int, ranges.HEART_RATE_PER_MIN] | None = None
    spo2_percent: Annotated[int, ranges.SPO2_PERCENT] | None = None
    moaas: Annotated[int, Range(0, 5, "MOAA/S points")] | None = None
    respiratory_rate_per_min: Annotated[int, ranges.RESPIRATORY_RATE_PER_MIN] | None = None

    @model_validator(mode="after")
    def _blood_pressure_pair(self) -> Self:
        if (self.systolic_mmhg is None) != (self.diastolic_mmhg is None):
            raise ValueError("blood pressure needs both systolic_mmhg and diastolic_mmhg")
        if (
            self.systolic_mmhg is not None
            and self.diastolic_mmhg is not None
            and self.diastolic_mmhg >= self.systolic_mmhg
        ):
            raise ValueError(
                f"diastolic_mmhg {self.diastolic_mmhg} must be below systolic_mmhg "
                f"{self.systolic_mmhg}"
            )
        return self

    @property
    def has_bp(self) -> bool:
        return self.systolic_mmhg is not None and self.diastolic_mmhg is not None

    @property
    def has_vital_sign(self) -> bool:
        """Whether the reading holds a vital sign (a MOAA/S rating alone is not a vitals set)."""
        return self.has_bp or any(
            value is not None
            for value in (self.heart_rate_bpm, self.spo2_percent, self.respiratory_rate_per_min)
        )


CssrsItem = Literal["1", "2", "3", "4", "5", "6"]


class SameDayScreen(_Input):
    """Today's suicidality screen before dosing: C-SSRS screener answers or PHQ-9 item 9."""

    t_min: Annotated[float, Range(-1440, 0, "min")] = Field(
        description="when it was taken, minutes before the first dose"
    )
    cssrs_answers: dict[CssrsItem, bool] | None = Field(
        default=None, description="C-SSRS screener questions 1-6, yes (true) or no"
    )
    phq9_item9: Annotated[int, Range(0, 3, "points")] | None = None

    @model_validator(mode="after")
    def _one_instrument(self) -> Self:
        if self.cssrs_answers is None and self.phq9_item9 is None:
            raise ValueError("give cssrs_answers or phq9_item9")
        return self


SessionEventCode = Literal["emesis", "hypertensive_symptoms"]


class SessionEvent(_Input):
    """Something staff saw during the session (vomiting, symptoms of hypertensive crisis)."""

    code: SessionEventCode
    t_min: Annotated[float, Range(-1440, 1440, "min")]


class AcknowledgedAlert(_Input):
    """An alert staff have seen and acted on: the alert's code and the minute it fired."""

    code: str = Field(min_length=1, max_length=60)
    t_min: Annotated[float, Range(-1440, 1440, "min")]


#: The JSON schema lists the drug class ids a session may name.
DRUG_CLASS_ENUM: dict[str, Any] = {"items": {"enum": sorted(DRUG_CLASSES)}}


def known_drug_classes(value: list[str]) -> list[str]:
    """Refuse a class id not in ``codes.DRUG_CLASSES``, naming the allowed ones."""
    unknown = [item for item in value if item not in DRUG_CLASSES]
    if unknown:
        raise ValueError(
            f"unknown drug class {unknown[0]!r}; allowed: {', '.join(sorted(DRUG_CLASSES))}"
        )
    return value


class TodaysFacts(_Input):
    """What is asked before each dose: fasting, today's suicidality screen, today's medicines.

    One declaration for the session document's pre-dose block and for ``SessionFacts``.
    """

    hours_since_solids: Annotated[float, Range(0, 168, "h")] | None = None
    hours_since_clear_fluids: Annotated[float, Range(0, 168, "h")] | None = None
    same_day_screen: SameDayScreen | None = None
    concomitant_drug_classes: list[str] = Field(
        default_factory=list,
        description="drug class ids from codes.DRUG_CLASSES taken today (interactions)",
        json_schema_extra=DRUG_CLASS_ENUM,
    )
    diazepam_equivalent_mg_per_day: (
        Annotated[float, ranges.DIAZEPAM_EQUIVALENT_MG_PER_DAY] | None
    ) = None

    _known_classes = field_validator("concomitant_drug_classes")(known_drug_classes)


class SessionFacts(TodaysFacts):
    """What the nurse and prescriber have confirmed; every confirmation defaults to 'not yet'."""

    drug: Drug
    protocol_id: str | None = Field(
        default=None, description="supplies the monitoring plan and discharge criteria"
    )
    now_t_min: Annotated[float, Range(-1440, 1440, "min")]
    dose_end_t_min: Annotated[float, Range(0, 1440, "min")] = Field(
        default=0.0, description="end of the infusion or time of the last device"
    )
    escort_present: bool = False
    dissociation_resolved: bool = False
    ambulating: bool = False
    clinician_assessed_ready: bool = False
    hypertensive_symptoms: bool = Field(
        default=False, description="chest pain, severe headache, neurological signs"
    )
    prescriber_cleared_after_stop: bool = False
    events: list[SessionEvent] = Field(default_factory=list)
    acknowledged_alerts: list[AcknowledgedAlert] = Field(default_factory=list)


class Alert(BaseModel):
    """A rule that fired at a point of the timeline."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: AlertLevel
    t_min: float
    message: str
    source: str


class PredoseFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    decision: PredoseDecision
    message: str
    source: str


class DischargeCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: DischargeCriterion
    met: bool
    message: str
    source: str


NextCheckCode = Literal["vitals", "bp_check", "observation_end"]


class NextCheck(BaseModel):
    """A check the chair has still to do, and the minute it is due."""

    model_config = ConfigDict(frozen=True)

    code: NextCheckCode
    due_t_min: float
    message: str
    source: str


class SafetyAssessment(BaseModel):
    """Advice for the chair: pre-dose decision, alerts, whether discharge may happen and why."""

    model_config = ConfigDict(frozen=True)

    predose: PredoseDecision
    predose_findings: tuple[PredoseFinding, ...]
    alerts: tuple[Alert, ...]
    stop_dosing: bool
    discharge_allowed: bool
    discharge_checks: tuple[DischargeCheck, ...]
    next_checks: tuple[NextCheck, ...] = ()
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
