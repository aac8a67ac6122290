"""The session document: one session as the chair records it (``ketacare safety --session``).

A single strict pydantic model (extra fields refused) so that the command line, and later the
API, validate the same shape and name a bad field by its path (``vitals[2].systolic_mmhg``).
``evaluate_document`` maps it onto ``evaluate_session``: the rules have one implementation.
Times are minutes from the first dose (negative before it).
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, field_validator, model_validator

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.safety.engine import evaluate_session
from ketacare.clinical.safety.models import (
    AcknowledgedAlert,
    SafetyAssessment,
    SessionEvent,
    SessionFacts,
    TodaysFacts,
    VitalsReading,
    _Input,
)
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.validation import Range, input_error
from ketacare.clinical.vocabulary import Drug

_T_MIN = Range(-1440, 1440, "min")


class PredoseFacts(TodaysFacts):
    """What is asked and recorded before the first dose."""

    escort_present: bool = False


class DoseGiven(_Input):
    """A dose: a bolus, a device, or an infusion (ended at ``end_t_min``, or ``in_progress``)."""

    t_min: Annotated[float, Range(0, 1440, "min")]
    dose_mg: Annotated[float, Range(0, 600, "mg")]
    end_t_min: Annotated[float, Range(0, 1440, "min")] | None = None
    in_progress: bool = Field(default=False, description="an infusion still running")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.end_t_min is not None and self.end_t_min < self.t_min:
            raise ValueError(f"end_t_min {self.end_t_min:g} is before t_min {self.t_min:g}")
        if self.in_progress and self.end_t_min is not None:
            raise ValueError("an infusion in progress has no end_t_min yet")
        return self


class MoaasReading(_Input):
    t_min: Annotated[float, _T_MIN]
    score: Annotated[int, Range(0, 5, "MOAA/S points")]


class CadssReading(_Input):
    t_min: Annotated[float, _T_MIN]
    total: Annotated[int, Range(0, 92, "points")]


class Confirmations(_Input):
    """What staff have confirmed; each defaults to 'not yet'."""

    dissociation_resolved: bool = False
    ambulating: bool = False
    clinician_assessed_ready: bool = False
    prescriber_cleared_after_stop: bool = False


class SessionDocument(_Input):
    """One session at the moment ``now_t_min``."""

    protocol_id: str = Field(min_length=1, max_length=100)
    drug: Drug
    now_t_min: Annotated[float, _T_MIN]
    predose: PredoseFacts = Field(default_factory=PredoseFacts)
    doses: list[DoseGiven] = Field(default_factory=list)
    vitals: list[VitalsReading] = Field(default_factory=list)
    moaas: list[MoaasReading] = Field(default_factory=list)
    cadss: list[CadssReading] = Field(default_factory=list)
    events: list[SessionEvent] = Field(default_factory=list)
    acknowledged_alerts: list[AcknowledgedAlert] = Field(default_factory=list)
    confirmations: Confirmations = Field(default_factory=Confirmations)

    @field_validator("doses")
    @classmethod
    def _first_dose_at_zero(cls, value: list[DoseGiven]) -> list[DoseGiven]:
        if value and min(dose.t_min for dose in value) != 0:
            raise ValueError("times are minutes from the first dose: the first dose is at t_min 0")
        return value

    @property
    def dose_end_t_min(self) -> float:
        """When dosing ended: the last infusion's end or the last bolus or device (now, while
        an infusion is still running)."""
        return max(
            (
                self.now_t_min
                if dose.in_progress
                else dose.end_t_min
                if dose.end_t_min is not None
                else dose.t_min
                for dose in self.doses
            ),
            default=0.0,
        )


def parse_session_json(text: str | bytes) -> SessionDocument:
    """Validate a session document given as JSON text; errors name the field's path."""
    try:
        return SessionDocument.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise ClinicalInputError("session", f"not valid JSON: {error['msg']}") from exc
        raise input_error(exc) from exc


def session_json_schema() -> dict[str, Any]:
    """The published JSON schema of the session document (``ketacare safety --schema``)."""
    return SessionDocument.model_json_schema()


def evaluate_document(
    doc: SessionDocument, settings: ClinicSettings | None = None
) -> SafetyAssessment:
    """The safety picture of a session document, by the rules of ``evaluate_session``."""
    readings = [
        *doc.vitals,
        *(VitalsReading(t_min=item.t_min, moaas=item.score) for item in doc.moaas),
    ]
    facts = SessionFacts(
        drug=doc.drug,
        protocol_id=doc.protocol_id,
        now_t_min=doc.now_t_min,
        dose_end_t_min=doc.dose_end_t_min,
        escort_present=doc.predose.escort_present,
        dissociation_resolved=doc.confirmations.dissociation_resolved,
        ambulating=doc.confirmations.ambulating,
        clinician_assessed_ready=doc.confirmations.clinician_assessed_ready,
        prescriber_cleared_after_stop=doc.confirmations.prescriber_cleared_after_stop,
        **{name: getattr(doc.predose, name) for name in TodaysFacts.model_fields},
        events=list(doc.events),
        acknowledged_alerts=list(doc.acknowledged_alerts),
    )
    return evaluate_session(readings, facts, settings)
