"""Session safety rules: pre-dose hold, intra-session alert/stop, discharge checklist."""

from ketacare.clinical.safety.document import (
    SessionDocument,
    evaluate_document,
    parse_session_json,
    session_json_schema,
)
from ketacare.clinical.safety.engine import evaluate_session
from ketacare.clinical.safety.models import (
    Alert,
    DischargeCheck,
    NextCheck,
    PredoseFinding,
    SafetyAssessment,
    SessionFacts,
    VitalsReading,
)

__all__ = [
    "Alert",
    "DischargeCheck",
    "NextCheck",
    "PredoseFinding",
    "SafetyAssessment",
    "SessionDocument",
    "SessionFacts",
    "VitalsReading",
    "evaluate_document",
    "evaluate_session",
    "parse_session_json",
    "session_json_schema",
]
