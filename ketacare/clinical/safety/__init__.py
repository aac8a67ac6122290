"""Session safety rules: pre-dose hold, intra-session alert/stop, discharge checklist."""

from ketacare.clinical.safety.engine import evaluate_session
from ketacare.clinical.safety.models import (
    Alert,
    DischargeCheck,
    PredoseFinding,
    SafetyAssessment,
    SessionFacts,
    VitalsReading,
)

__all__ = [
    "Alert",
    "DischargeCheck",
    "PredoseFinding",
    "SafetyAssessment",
    "SessionFacts",
    "VitalsReading",
    "evaluate_session",
]
