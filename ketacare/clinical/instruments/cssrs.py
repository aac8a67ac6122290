"""C-SSRS screener triage: a risk level from the yes/no answers.

Source ``cssrs-screener``. The reference gives the conventional mapping (yes to Q1-2 only:
low; Q3: moderate; Q4, Q5 or behaviour in the past 3 months: high) and marks it for checking
against the Columbia triage sheet, so each level is a clinic setting. The highest level any
answer reaches wins. An unanswered past-3-months follow-up to a "yes" on Q6 counts as recent:
a missing answer must never lower the risk.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.settings import RISK_ORDER, ClinicSettings, RiskLevel

YES = 1


def check_consistency(values: Mapping[str, int | None]) -> None:
    """Refuse answers the skip logic makes impossible (they hint at a mis-entered answer)."""
    if values.get("2") == 0:
        for item in ("3", "4", "5"):
            if values.get(item) == YES:
                raise ClinicalInputError(
                    f"answers.{item}",
                    f"question {item} is asked only when question 2 is yes, but question 2 is "
                    "no; check both answers",
                )
    if values.get("6") == 0 and values.get("6b") == YES:
        raise ClinicalInputError(
            "answers.6b",
            "the past-3-months follow-up is yes but question 6 is no; check both answers",
        )


def triage(
    values: Mapping[str, int | None], settings: ClinicSettings
) -> tuple[RiskLevel, tuple[str, ...]]:
    """Risk level and flags (suicidal_ideation, suicidal_behaviour, behaviour_recency_unknown)."""

    def yes(item: str) -> bool:
        return values.get(item) == YES

    levels: list[RiskLevel] = []
    flags: list[str] = []
    if any(yes(item) for item in ("1", "2", "3", "4", "5")):
        flags.append("suicidal_ideation")
    if yes("1") or yes("2"):
        levels.append(settings.cssrs_risk_q1_q2)
    if yes("3"):
        levels.append(settings.cssrs_risk_q3)
    if yes("4") or yes("5"):
        levels.append(settings.cssrs_risk_q4_q5)
    if yes("6"):
        flags.append("suicidal_behaviour")
        recent = values.get("6b")
        if recent is None:
            flags.append("behaviour_recency_unknown")
            levels.append(settings.cssrs_risk_behaviour_past_3_months)
        elif recent == YES:
            levels.append(settings.cssrs_risk_behaviour_past_3_months)
        else:
            levels.append(settings.cssrs_risk_behaviour_lifetime)
    risk: RiskLevel = max(levels, key=RISK_ORDER.index) if levels else "none"
    return risk, tuple(flags)
