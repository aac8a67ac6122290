"""Pre-dose fasting: hours since solid food and since clear fluids against the rule.

The protocol's own preparation rule wins (Spravato label: no food for 2 h, no liquids for
30 min); otherwise the clinic settings apply (ASA fasting guidelines: light meal 6 h, clear
liquids 2 h). A shortfall holds the dose until the interval has passed (aspiration risk with
nausea, vomiting and sedation); fasting not recorded needs someone to ask before dosing.
"""

from __future__ import annotations

from ketacare.clinical.safety.findings import finding
from ketacare.clinical.safety.models import PredoseFinding, SessionFacts
from ketacare.clinical.safety.plan import Plan
from ketacare.clinical.settings import ClinicSettings


def _rule_hours(plan: Plan, s: ClinicSettings) -> tuple[float, float, str]:
    """(solids h, clear fluids h, source): the protocol's preparation, else the settings."""
    if plan.food_fast_min is not None and plan.liquid_fast_min is not None:
        return plan.food_fast_min / 60, plan.liquid_fast_min / 60, "spravato-pi"
    return s.predose_fasting_solids_hours, s.predose_fasting_clear_fluids_hours, "asa-fasting-2017"


def fasting_findings(facts: SessionFacts, plan: Plan, s: ClinicSettings) -> list[PredoseFinding]:
    solids_h, fluids_h, source = _rule_hours(plan, s)
    given = {"solid food": facts.hours_since_solids, "clear fluids": facts.hours_since_clear_fluids}
    missing = [name for name, hours in given.items() if hours is None]
    if missing:
        return [
            finding(
                "predose_fasting_missing",
                "prescriber_review",
                f"Fasting not recorded: hours since {' and since '.join(missing)} are missing "
                "(ask before dosing).",
                source,
            )
        ]
    findings: list[PredoseFinding] = []
    for code, name, hours, needed in (
        ("predose_fasting_solids_short", "solid food", facts.hours_since_solids, solids_h),
        ("predose_fasting_fluids_short", "clear fluids", facts.hours_since_clear_fluids, fluids_h),
    ):
        assert hours is not None
        if hours < needed:
            findings.append(
                finding(
                    code,
                    "hold",
                    f"Last {name} {hours:g} h before dosing; the rule is at least {needed:g} h: "
                    f"wait {needed - hours:g} h more.",
                    source,
                )
            )
    return findings
