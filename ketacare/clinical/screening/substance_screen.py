"""Substance-use screening before a controlled substance (ketamine is Schedule III).

Reads the intake's AUDIT-C and DAST-10 totals. A positive AUDIT-C (Bradley 2007: >= 4 for
men, >= 3 for women; the women's cut-off for intersex or unknown sex, the safer choice) or a
DAST-10 at or above ``dast10_review_min`` needs a prescriber's review for every option. No
source found sets a score that excludes the home program (Mindbloom excludes an active
substance use disorder, which the history rule already handles), so the home program is
reviewed too. The home program screens AUDIT and DAST-10 at intake (clinical reference §1.3,
§2.6), so there a missing screen is itself a review finding.
"""

from __future__ import annotations

from ketacare.clinical.instruments.registry import get_instrument
from ketacare.clinical.screening.context import Context
from ketacare.clinical.screening.results import HOME, OPTIONS, Decision, Finding

REVIEW: Decision = "needs_prescriber_review"


def _band_label(instrument_id: str, total: int) -> str | None:
    bands = get_instrument(instrument_id).bands
    return next((b.label.lower() for b in bands if b.min <= total <= b.max), None)


def _audit_c(ctx: Context, total: int) -> list[Finding]:
    sex = ctx.intake.sex
    settings = ctx.settings
    if sex == "male":
        minimum, cutoff = settings.audit_c_positive_min_men, "men's"
    else:
        minimum, cutoff = settings.audit_c_positive_min_women, "women's"
    if total < minimum:
        return []
    note = "" if sex in ("male", "female") else f", used when sex is {sex}"
    message = (
        f"AUDIT-C {total} is a positive alcohol screen ({cutoff} cut-off {minimum}{note}): "
        "review alcohol use before prescribing a controlled substance."
    )
    return [
        Finding(option, REVIEW, "audit_c_positive", message, ("bradley-2007",))
        for option in OPTIONS
    ]


def _dast10(ctx: Context, total: int) -> list[Finding]:
    minimum = ctx.settings.dast10_review_min
    if total < minimum:
        return []
    message = (
        f"DAST-10 {total} ({_band_label('dast10', total)} drug-related problems; review at "
        f"{minimum} or more): review drug use before prescribing a controlled substance."
    )
    return [
        Finding(option, REVIEW, "dast10_positive", message, ("skinner-1982",)) for option in OPTIONS
    ]


def substance_screen(ctx: Context) -> list[Finding]:
    """Findings from the AUDIT-C and DAST-10 totals, and a missing screen for home dosing."""
    scores = ctx.intake.scores
    findings: list[Finding] = []
    if "audit_c" in scores:
        findings += _audit_c(ctx, scores["audit_c"])
    if "dast10" in scores:
        findings += _dast10(ctx, scores["dast10"])
    missing = [
        name for key, name in (("audit_c", "AUDIT-C"), ("dast10", "DAST-10")) if key not in scores
    ]
    if missing:
        findings.append(
            Finding(
                HOME,
                REVIEW,
                "substance_screen_missing",
                f"Substance-use screen not done ({' and '.join(missing)} missing): the home "
                "program screens alcohol and drug use at intake.",
                ("mindbloom-hull-2022", "screening-checklist"),
            )
        )
    return findings
