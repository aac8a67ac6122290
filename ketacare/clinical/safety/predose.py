"""Pre-dose checks on the last readings before the first dose: proceed, review or hold.

BP above the label's caution threshold (``predose_review_*``, Spravato label >140/90) needs
the prescriber's review; at or above the hold threshold, or with tachycardia or low SpO2, the
dose is held. A missing baseline BP holds the dose (the label and the REMS form need BP before
administration); for esketamine so does a missing baseline SpO2 (pulse oximetry every session).
Fasting (``fasting``), the same-day suicidality gate (``screen_gate``) and today's drug
interactions (``interaction_check``) add their findings.
"""

from __future__ import annotations

from ketacare.clinical.safety.fasting import fasting_findings
from ketacare.clinical.safety.findings import finding as _finding
from ketacare.clinical.safety.interaction_check import interaction_findings
from ketacare.clinical.safety.models import PredoseDecision, PredoseFinding, SessionFacts
from ketacare.clinical.safety.plan import Plan
from ketacare.clinical.safety.screen_gate import screen_findings
from ketacare.clinical.safety.timeline import Timeline
from ketacare.clinical.settings import ClinicSettings

ORDER: tuple[PredoseDecision, ...] = ("proceed", "prescriber_review", "hold")


def predose_findings(
    timeline: Timeline, facts: SessionFacts, plan: Plan, s: ClinicSettings
) -> list[PredoseFinding]:
    """Vital-sign findings on the baseline, then fasting, the suicidality gate, interactions."""
    drug = facts.drug
    findings: list[PredoseFinding] = []
    bp = timeline.baseline_bp
    if bp is None or bp.systolic_mmhg is None or bp.diastolic_mmhg is None:
        findings.append(
            _finding(
                "predose_bp_missing",
                "hold",
                "No blood pressure before the first dose: measure it before dosing.",
                "spravato-pi",
                "spravato-rems",
            )
        )
    else:
        value = f"{bp.systolic_mmhg}/{bp.diastolic_mmhg} mmHg"
        if (
            bp.systolic_mmhg >= s.predose_hold_systolic_mmhg
            or bp.diastolic_mmhg >= s.predose_hold_diastolic_mmhg
        ):
            findings.append(
                _finding(
                    "predose_bp_hold",
                    "hold",
                    f"Blood pressure {value} is at or above {s.predose_hold_systolic_mmhg}/"
                    f"{s.predose_hold_diastolic_mmhg}: hold the dose.",
                    "aagbi-bhs-2016",
                )
            )
        elif (
            bp.systolic_mmhg > s.predose_review_systolic_mmhg
            or bp.diastolic_mmhg > s.predose_review_diastolic_mmhg
        ):
            findings.append(
                _finding(
                    "predose_bp_review",
                    "prescriber_review",
                    f"Blood pressure {value} is above {s.predose_review_systolic_mmhg}/"
                    f"{s.predose_review_diastolic_mmhg}: weigh the rise against the benefit.",
                    "spravato-pi",
                )
            )
    heart = timeline.baseline_heart_rate
    rate = heart.heart_rate_bpm if heart is not None else None
    if rate is not None and rate > s.predose_hold_heart_rate_bpm:
        findings.append(
            _finding(
                "predose_heart_rate_hold",
                "hold",
                f"Heart rate {rate}/min is above {s.predose_hold_heart_rate_bpm}/min: hold the "
                "dose.",
                "news2-rcp-2017",
            )
        )
    oxygen = timeline.baseline_spo2
    if oxygen is None or oxygen.spo2_percent is None:
        if drug == "esketamine":
            findings.append(
                _finding(
                    "predose_spo2_missing",
                    "hold",
                    "No pulse oximetry before dosing: the REMS requires it at every session.",
                    "spravato-rems",
                    "spravato-pi",
                )
            )
    elif oxygen.spo2_percent < s.predose_hold_spo2_percent:
        findings.append(
            _finding(
                "predose_spo2_hold",
                "hold",
                f"SpO2 {oxygen.spo2_percent}% is below {s.predose_hold_spo2_percent}%: hold "
                "the dose.",
                "news2-rcp-2017",
            )
        )
    findings.extend(fasting_findings(facts, plan, s))
    findings.extend(screen_findings(facts, plan, s))
    findings.extend(interaction_findings(facts, s))
    return findings


def predose_decision(findings: list[PredoseFinding]) -> PredoseDecision:
    return max((f.decision for f in findings), key=ORDER.index, default="proceed")
