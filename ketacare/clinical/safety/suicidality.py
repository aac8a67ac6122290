"""Which questionnaire answers are a suicidality alert, and how urgent.

Any positive suicidality answer alerts the care team (issue: intake to plan; reference/
clinical.md section 3: PHQ-9 item 9 >= 1 is ``suicidal_ideation``). The C-SSRS screener's risk
level (a clinic setting) decides urgency: moderate or high is urgent, as is any suicidal
behaviour; other positive answers are high.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ketacare.clinical.instruments.registry import get_instrument

SUICIDALITY_FLAGS = ("suicidal_ideation", "suicidal_behaviour")
URGENT_RISKS = ("moderate", "high")

Severity = Literal["urgent", "high"]
#: Most urgent first: the order the care team's alert list is sorted in (never alphabetical).
SEVERITY_RANK: dict[str, int] = {"urgent": 0, "high": 1}


@dataclass(frozen=True)
class AlertSpec:
    severity: Severity
    message: str


def suicidality_alert(instrument_id: str, score: dict[str, Any]) -> AlertSpec | None:
    """The alert a scored questionnaire calls for, or None."""
    flags = [flag for flag in score.get("flags", []) if flag in SUICIDALITY_FLAGS]
    if not flags:
        return None
    risk = score.get("risk")
    urgent = risk in URGENT_RISKS or "suicidal_behaviour" in flags
    positives = [
        f"item {item['id']} ({item['label']}): {item['answer_label']}"
        for item in score.get("items", [])
        if item.get("scored")
        and item.get("value")
        and (
            instrument_id == "cssrs_screener"
            or item["id"] in _SUICIDALITY_ITEMS.get(instrument_id, ())
        )
    ]
    risk_text = f"; C-SSRS risk {risk}" if risk else ""
    message = (
        f"{get_instrument(instrument_id).abbreviation} positive for suicidality{risk_text}: "
        + ("; ".join(positives) if positives else ", ".join(flags))
    )
    return AlertSpec("urgent" if urgent else "high", message[:500])


# The items whose answer sets the suicidal_ideation flag in the clinical core's instruments.
_SUICIDALITY_ITEMS: dict[str, tuple[str, ...]] = {
    "phq9": ("9",),
    "madrs": ("10",),
    "qids_sr16": ("12",),
}
