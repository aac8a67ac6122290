"""Whether the coded diagnoses are an indication for each option, and how strong it is.

Racemic ketamine: treatment-resistant depression is the established indication (single IV
infusion Level 1, third-line, ``canmat-2021``; ``sanacora-2017``); CRPS has moderate evidence
for IV infusions (``cohen-2018``). Every other diagnosis, and depression that is not yet
treatment-resistant, needs the prescriber's review. Spravato follows its label: adults with
major depressive disorder that is treatment-resistant, or with active suicidal ideation with
intent together with an oral antidepressant (``spravato-pi``, ``spravato-pi-indications``).
MDD coded in remission is no current episode, so it is neither indication
(``icd10cm-remission``).
"""

from __future__ import annotations

from ketacare.clinical.screening.context import Context
from ketacare.clinical.screening.results import ESKETAMINE, RACEMIC, Finding, Option

REVIEW_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bipolar_depression": (
        "Bipolar depression: evidence was judged insufficient by the APA consensus.",
        ("sanacora-2017",),
    ),
    "ptsd": (
        "PTSD: one positive trial (6 infusions) and one negative VA trial; off-label.",
        ("feder-2021", "abdallah-2022", "sanacora-2017"),
    ),
    "anxiety": (
        "Anxiety disorder: evidence was judged insufficient by the APA consensus; off-label.",
        ("sanacora-2017",),
    ),
    "ocd": (
        "OCD: evidence was judged insufficient by the APA consensus; off-label.",
        ("sanacora-2017",),
    ),
    "suicidal_ideation": (
        "Suicidal ideation: assess safety first; evidence comes from depression trials.",
        ("sanacora-2017", "cssrs-screener"),
    ),
    "crps": (
        "CRPS: the consensus regimen is an IV infusion; other routes are not studied.",
        ("cohen-2018",),
    ),
    "migraine": (
        "Migraine: weak or no evidence for ketamine infusions.",
        ("cohen-2018",),
    ),
    "fibromyalgia": (
        "Fibromyalgia: weak or no evidence for ketamine infusions.",
        ("cohen-2018",),
    ),
    "crohns": (
        "Crohn's disease: marketed by some clinics, no guideline evidence found.",
        ("cohen-2018",),
    ),
    "lyme": (
        "Lyme disease: marketed by some clinics, no guideline evidence found.",
        ("cohen-2018",),
    ),
}


def _racemic(ctx: Context, option: Option) -> list[Finding]:
    groups = ctx.indications
    trd = ctx.trd
    if "depression" in groups and trd.treatment_resistant:
        route_note = (
            "single IV infusion has Level 1 evidence (third-line)"
            if option == "ketamine_iv"
            else "non-IV racemic routes have Level 3-4 evidence"
        )
        return [
            Finding(
                option,
                "eligible",
                "indication_treatment_resistant_depression",
                f"Treatment-resistant depression ({trd.adequate_trials} adequate failed "
                f"trials): {route_note}.",
                ("canmat-2021", "sanacora-2017", "bcbs-nc-spravato"),
            )
        ]
    if "crps" in groups and option == "ketamine_iv":
        return [
            Finding(
                option,
                "eligible",
                "indication_crps",
                "CRPS: moderate evidence for IV ketamine infusions (up to 12 weeks' benefit).",
                ("cohen-2018",),
            )
        ]
    findings: list[Finding] = []
    if ctx.remission_diagnoses and "depression" not in groups:
        findings.append(
            Finding(
                option,
                "needs_prescriber_review",
                "depression_in_remission",
                f"{', '.join(ctx.remission_diagnoses)}: major depression coded in remission is "
                "no current episode, so no treatment-resistance indication; code the current "
                "episode if depression has returned.",
                ("icd10cm-remission", "spravato-pi-indications"),
            )
        )
    if "depression" in groups:
        findings.append(
            Finding(
                option,
                "needs_prescriber_review",
                "not_treatment_resistant",
                f"Depression without established treatment resistance "
                f"({trd.adequate_trials} of {ctx.settings.trd_min_adequate_trials} adequate "
                "failed trials): ketamine is a third-line treatment.",
                ("canmat-2021", "bcbs-nc-spravato"),
            )
        )
    for group, (message, sources) in REVIEW_GROUPS.items():
        if group in groups:
            findings.append(
                Finding(option, "needs_prescriber_review", f"indication_{group}", message, sources)
            )
    if not findings:
        findings.append(
            Finding(
                option,
                "needs_prescriber_review",
                "no_indication_recorded",
                "No diagnosis recorded: the prescriber confirms an indication.",
                ("screening-checklist",),
            )
        )
    return findings


def _esketamine(ctx: Context) -> list[Finding]:
    label = ("spravato-pi",)
    if "depression" not in ctx.indications and ctx.remission_diagnoses:
        return [
            Finding(
                ESKETAMINE,
                "not_eligible",
                "esketamine_depression_in_remission",
                f"{', '.join(ctx.remission_diagnoses)}: major depression in remission is not a "
                "current episode; Spravato's indications are for a current episode.",
                ("spravato-pi-indications", "icd10cm-remission"),
            )
        ]
    if "depression" not in ctx.indications:
        return [
            Finding(
                ESKETAMINE,
                "not_eligible",
                "esketamine_indication_not_met",
                "Spravato is indicated only for major depressive disorder (treatment-resistant, "
                "or with acute suicidal ideation or behaviour); none is coded.",
                label,
            )
        ]
    if ctx.trd.treatment_resistant:
        return [
            Finding(
                ESKETAMINE,
                "eligible",
                "esketamine_trd",
                "Treatment-resistant depression: labelled indication (with an oral "
                "antidepressant or as monotherapy).",
                (*label, "bcbs-nc-spravato"),
            )
        ]
    if ctx.acute_suicidal_ideation:
        if ctx.on_oral_antidepressant:
            return [
                Finding(
                    ESKETAMINE,
                    "eligible",
                    "esketamine_mdsi",
                    "Depression with active suicidal ideation with intent, with an oral "
                    "antidepressant: labelled indication.",
                    (*label, "spravato-pi-indications", "cssrs-intent-items"),
                )
            ]
        return [
            Finding(
                ESKETAMINE,
                "needs_prescriber_review",
                "esketamine_mdsi_without_oral_antidepressant",
                "Depression with active suicidal ideation with intent: the label indication "
                "is together with an oral antidepressant, and none is listed.",
                (*label, "spravato-pi-indications"),
            )
        ]
    if ctx.suicidal_ideation_without_intent:
        return [
            Finding(
                ESKETAMINE,
                "needs_prescriber_review",
                "esketamine_mdsi_intent_not_shown",
                "Suicidal ideation without intent shown (C-SSRS questions 4 and 5 not yes, no "
                "clinician attestation): the Spravato MDSI indication is active ideation with "
                "intent; the prescriber assesses.",
                ("spravato-pi-indications", "cssrs-intent-items"),
            )
        ]
    return [
        Finding(
            ESKETAMINE,
            "not_eligible",
            "esketamine_indication_not_met",
            f"Depression is neither treatment-resistant ({ctx.trd.adequate_trials} of "
            f"{ctx.settings.trd_min_adequate_trials} adequate failed trials) nor with acute "
            "suicidal ideation: outside the Spravato label.",
            (*label, "bcbs-nc-spravato"),
        )
    ]


def indication_findings(ctx: Context) -> list[Finding]:
    """One or more indication findings for every option."""
    findings: list[Finding] = []
    for option in RACEMIC:
        findings += _racemic(ctx, option)
    findings += _esketamine(ctx)
    return findings
