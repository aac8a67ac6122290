"""Same-day suicidality gate before a dose (reference section 1.3 design implication).

A C-SSRS screener yes at question 2 or above (active ideation, method, intent, plan,
behaviour) or a PHQ-9 item 9 answer of 1 or more, taken the same day, means the dose waits for
the prescriber. Where the protocol requires the gate, a dose without a same-day screen waits
too. "Same day" is a clinic setting (``predose_screen_max_age_hours``).
"""

from __future__ import annotations

from ketacare.clinical.safety.findings import finding
from ketacare.clinical.safety.models import CssrsItem, PredoseFinding, SameDayScreen, SessionFacts
from ketacare.clinical.safety.plan import Plan
from ketacare.clinical.settings import ClinicSettings

#: C-SSRS screener questions at or above 2 are the positive ones for the gate.
CSSRS_GATE_ITEMS: tuple[CssrsItem, ...] = ("2", "3", "4", "5", "6")


def _same_day(screen: SameDayScreen | None, s: ClinicSettings) -> SameDayScreen | None:
    if screen is None or -screen.t_min / 60 > s.predose_screen_max_age_hours:
        return None
    return screen


def screen_findings(facts: SessionFacts, plan: Plan, s: ClinicSettings) -> list[PredoseFinding]:
    screen = _same_day(facts.same_day_screen, s)
    if screen is None:
        if not plan.suicidality_gate_before_dose:
            return []
        stale = facts.same_day_screen is not None
        return [
            finding(
                "predose_screen_missing",
                "prescriber_review",
                "No same-day suicidality screen (C-SSRS screener or PHQ-9 item 9"
                + (f" within {s.predose_screen_max_age_hours:g} h" if stale else "")
                + "): the protocol requires one before each dose.",
                "suicidality-gate-design",
            )
        ]
    positives: list[str] = []
    sources = ["suicidality-gate-design"]
    if screen.cssrs_answers is not None:
        items = [item for item in CSSRS_GATE_ITEMS if screen.cssrs_answers.get(item)]
        if items:
            positives.append(f"C-SSRS screener yes at question {', '.join(items)}")
            sources.append("cssrs-screener")
    if screen.phq9_item9 is not None and screen.phq9_item9 >= 1:
        positives.append(f"PHQ-9 item 9 = {screen.phq9_item9}")
        sources.append("phq9-item9")
    if not positives:
        return []
    return [
        finding(
            "predose_suicidality_positive",
            "prescriber_review",
            f"Same-day screen positive for suicidality ({'; '.join(positives)}): the dose "
            "waits for the prescriber's review.",
            *sources,
        )
    ]
