"""One pre-dose finding with its citation (shared by the pre-dose checks)."""

from __future__ import annotations

from ketacare.clinical.safety.models import PredoseDecision, PredoseFinding
from ketacare.clinical.sources import cite


def finding(code: str, decision: PredoseDecision, message: str, *sources: str) -> PredoseFinding:
    return PredoseFinding(code=code, decision=decision, message=message, source=cite(*sources))
