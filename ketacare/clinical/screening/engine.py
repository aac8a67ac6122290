"""``screen``: run every rule over an intake and combine the findings per option.

An option's decision is the most serious of its findings (not eligible > prescriber review >
eligible); every finding is kept as a reason, most serious first, so the prescriber sees all
of them and not only the one that decided.
"""

from __future__ import annotations

from ketacare.clinical.intake import Intake
from ketacare.clinical.screening.context import Context
from ketacare.clinical.screening.indications import indication_findings
from ketacare.clinical.screening.results import (
    DECISION_ORDER,
    OPTIONS,
    Finding,
    OptionResult,
    Reason,
    ScreeningResult,
)
from ketacare.clinical.screening.rules import RULES
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings


def screen(intake: Intake, settings: ClinicSettings | None = None) -> ScreeningResult:
    """Decide, per treatment option, eligible / needs prescriber review / not eligible."""
    ctx = Context(intake, settings or DEFAULT_SETTINGS)
    findings: list[Finding] = indication_findings(ctx)
    for rule in RULES:
        findings += rule(ctx)
    results: list[OptionResult] = []
    for option in OPTIONS:
        mine = [finding for finding in findings if finding.option == option]
        mine.sort(key=lambda finding: -DECISION_ORDER.index(finding.decision))
        decision = mine[0].decision if mine else "eligible"
        results.append(
            OptionResult(
                option=option,
                decision=decision,
                reasons=tuple(Reason.from_finding(finding) for finding in mine),
            )
        )
    return ScreeningResult(
        treatment_resistant=ctx.trd.treatment_resistant,
        adequate_trials=ctx.trd.adequate_trials,
        options=tuple(results),
    )
