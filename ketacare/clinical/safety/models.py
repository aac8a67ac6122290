"""Inputs and outputs of the session safety rules.

Times are minutes from the first dose (``t_min``; negative before dosing). Readings carry the
same plausibility bounds as the intake: impossible values are refused, unusual ones reported.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketacare.clinical import ranges
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


class SessionFacts(_Input):
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


class SafetyAssessment(BaseModel):
    """Advice for the chair: pre-dose decision, alerts, whether discharge may happen and why."""

    model_config = ConfigDict(frozen=True)

    predose: PredoseDecision
    predose_findings: tuple[PredoseFinding, ...]
    alerts: tuple[Alert, ...]
    stop_dosing: bool
    discharge_allowed: bool
    discharge_checks: tuple[DischargeCheck, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
