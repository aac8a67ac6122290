"""Screening vocabulary and result types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ketacare.clinical.sources import cite

Option = Literal[
    "ketamine_iv",
    "ketamine_im",
    "ketamine_intranasal",
    "ketamine_sublingual_home",
    "esketamine_nasal",
]
Decision = Literal["eligible", "needs_prescriber_review", "not_eligible"]

#: Every treatment option screened, in output order.
OPTIONS: tuple[Option, ...] = (
    "ketamine_iv",
    "ketamine_im",
    "ketamine_intranasal",
    "ketamine_sublingual_home",
    "esketamine_nasal",
)
RACEMIC: tuple[Option, ...] = OPTIONS[:4]
IN_CLINIC_RACEMIC: tuple[Option, ...] = OPTIONS[:3]
HOME: Option = "ketamine_sublingual_home"
ESKETAMINE: Option = "esketamine_nasal"
DECISION_ORDER: tuple[Decision, ...] = ("eligible", "needs_prescriber_review", "not_eligible")


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one option, before it becomes a reason."""

    option: Option
    decision: Decision
    code: str
    message: str
    sources: tuple[str, ...]


class Reason(BaseModel):
    """Why an option got its decision: a stable code, a message and the cited source."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    source: str
    decision: Decision

    @classmethod
    def from_finding(cls, finding: Finding) -> Reason:
        return cls(
            code=finding.code,
            message=finding.message,
            source=cite(*finding.sources),
            decision=finding.decision,
        )

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "source": self.source}


class OptionResult(BaseModel):
    """The decision for one treatment option, with every reason (most serious first)."""

    model_config = ConfigDict(frozen=True)

    option: Option
    decision: Decision
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "decision": self.decision,
            "reasons": [reason.to_json() for reason in self.reasons],
        }


class ScreeningResult(BaseModel):
    """Decisions for every option plus the treatment-resistance verdict."""

    model_config = ConfigDict(frozen=True)

    treatment_resistant: bool
    adequate_trials: int
    options: tuple[OptionResult, ...]

    def option(self, option: Option) -> OptionResult:
        return next(result for result in self.options if result.option == option)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape printed by ``ketacare screen --json``."""
        return {
            "treatment_resistant": self.treatment_resistant,
            "adequate_trials": self.adequate_trials,
            "options": [result.to_json() for result in self.options],
        }
