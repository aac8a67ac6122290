"""Contraindication and caution rules of candidacy screening.

Each rule returns findings for the options it concerns, with a stable code, a message that
says what was found and what it means, and its sources. Decisions follow the project's
consolidated checklist (``screening-checklist``, clinical reference §2.6): label
contraindications exclude esketamine, and those the KETALAR label shares (``ketalar-pi``)
exclude every option; for off-label racemic ketamine the other label hazards need a
prescriber's review unless a consensus source says "avoid"; the unsupervised home program
excludes what the in-clinic options only flag. The software advises; a prescriber decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.interactions import interaction_sources, interactions_for
from ketacare.clinical.screening.context import Context
from ketacare.clinical.screening.results import (
    ESKETAMINE,
    HOME,
    IN_CLINIC_RACEMIC,
    OPTIONS,
    RACEMIC,
    Decision,
    Finding,
    Option,
)
from ketacare.clinical.screening.substance_screen import substance_screen
from ketacare.clinical.validation import find_unusual
from ketacare.clinical.vocabulary import Drug

#: Spravato is indicated for adults (``spravato-pi``); a label fact, not a clinic setting.
ESKETAMINE_MIN_AGE_YEARS = 18

REVIEW: Decision = "needs_prescriber_review"
EXCLUDE: Decision = "not_eligible"
#: An interaction worth knowing that does not by itself call for review.
NOTE: Decision = "eligible"

Rule = Callable[[Context], list[Finding]]


def _each(
    options: Iterable[Option], decision: Decision, code: str, message: str, *sources: str
) -> list[Finding]:
    return [Finding(option, decision, code, message, sources) for option in options]


def ketamine_allergy(ctx: Context) -> list[Finding]:
    if not ctx.intake.history.ketamine_allergy:
        return []
    return _each(
        OPTIONS,
        EXCLUDE,
        "ketamine_allergy",
        "Hypersensitivity to ketamine or esketamine is a contraindication.",
        "spravato-pi",
        "screening-checklist",
    )


def blood_pressure_hazards(ctx: Context) -> list[Finding]:
    """Conditions where a BP rise is a serious hazard: contraindications for every option.

    KETALAR contraindicates ketamine where a significant rise in blood pressure would be a
    serious hazard (``ketalar-pi``); the SPRAVATO label names these three conditions as such
    hazards (``spravato-pi``), and racemic ketamine raises blood pressure like esketamine.
    """
    history = ctx.intake.history
    found = (
        ("aneurysmal_vascular_disease", history.aneurysmal_vascular_disease),
        ("arteriovenous_malformation", history.arteriovenous_malformation),
        ("intracerebral_hemorrhage", history.intracerebral_hemorrhage),
    )
    labels = {
        "aneurysmal_vascular_disease": "aneurysmal vascular disease",
        "arteriovenous_malformation": "arteriovenous malformation",
        "intracerebral_hemorrhage": "history of intracerebral hemorrhage",
    }
    findings: list[Finding] = []
    for code, present in found:
        if present:
            findings += _each(
                OPTIONS,
                EXCLUDE,
                code,
                f"Ketamine and esketamine are contraindicated with {labels[code]}: a "
                "significant rise in blood pressure would be a serious hazard.",
                "ketalar-pi",
                "spravato-pi",
                "yale-2024-bp",
            )
    return findings


def uncontrolled_cardiovascular_disease(ctx: Context) -> list[Finding]:
    if not ctx.intake.history.uncontrolled_cardiovascular_disease:
        return []
    return _each(
        OPTIONS,
        EXCLUDE,
        "uncontrolled_cardiovascular_disease",
        "Poorly controlled cardiovascular disease is a contraindication; treat it first.",
        "cohen-2018",
        "screening-checklist",
    )


def psychosis(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    reasons: list[tuple[str, str]] = []
    if ctx.intake.history.psychosis:
        reasons.append(("psychosis_history", "History of psychosis"))
    if ctx.psychotic_diagnoses:
        codes = ", ".join(ctx.psychotic_diagnoses)
        reasons.append(("psychotic_features", f"Depression with psychotic features ({codes})"))
    for code, label in reasons:
        findings += _each(
            [HOME],
            EXCLUDE,
            code,
            f"{label}: excluded from unsupervised home dosing.",
            "screening-checklist",
            "sanacora-2017",
        )
        findings += _each(
            [*IN_CLINIC_RACEMIC, ESKETAMINE],
            REVIEW,
            code,
            f"{label}: the evidence is for depression without psychotic features and "
            "ketamine can worsen psychosis; the prescriber decides.",
            "sanacora-2017",
            "cohen-2018",
            "screening-checklist",
        )
    return findings


def mania(ctx: Context) -> list[Finding]:
    if not ctx.intake.history.mania_current:
        return []
    return _each(
        OPTIONS,
        EXCLUDE,
        "mania_current",
        "Current mania or unstable bipolar disorder excludes ketamine treatment.",
        "screening-checklist",
        "elektd-2023",
    )


def bipolar_without_mood_stabilizer(ctx: Context) -> list[Finding]:
    if "bipolar_depression" not in ctx.indications or ctx.on_mood_stabilizer:
        return []
    return _each(
        OPTIONS,
        REVIEW,
        "bipolar_without_mood_stabilizer",
        "Bipolar disorder without a mood stabiliser among current medications; patients with "
        "bipolar disorder should be on one.",
        "osmind-intake",
    )


def substance_use(ctx: Context) -> list[Finding]:
    history = ctx.intake.history
    findings: list[Finding] = []
    if history.substance_use_disorder_active:
        findings += _each(
            [HOME],
            EXCLUDE,
            "substance_use_disorder_active",
            "Active substance use disorder excludes unsupervised home dosing.",
            "screening-checklist",
            "mindbloom-hull-2022",
        )
        findings += _each(
            [*IN_CLINIC_RACEMIC, ESKETAMINE],
            REVIEW,
            "substance_use_disorder_active",
            "Active substance use disorder: consensus advises against serial infusions; "
            "ketamine is a drug of misuse (CIII).",
            "cohen-2018",
            "spravato-pi",
        )
    if history.opioid_use_disorder:
        findings += _each(
            [HOME],
            EXCLUDE,
            "opioid_use_disorder",
            "Opioid use disorder history excludes the home program.",
            "mindbloom-hull-2022",
            "screening-checklist",
        )
        findings += _each(
            [*IN_CLINIC_RACEMIC, ESKETAMINE],
            REVIEW,
            "opioid_use_disorder",
            "Opioid use disorder history: review misuse risk and concomitant opioids.",
            "screening-checklist",
        )
    return findings


def pregnancy_and_lactation(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    if ctx.intake.pregnant:
        findings += _each(
            OPTIONS,
            EXCLUDE,
            "pregnant",
            "Pregnancy excludes treatment (embryo-fetal toxicity).",
            "spravato-pi",
            "screening-checklist",
        )
    if ctx.intake.breastfeeding:
        findings += _each(
            OPTIONS,
            EXCLUDE,
            "breastfeeding",
            "Breastfeeding excludes treatment (the label advises against breastfeeding).",
            "spravato-pi",
            "screening-checklist",
        )
    return findings


def organ_conditions(ctx: Context) -> list[Finding]:
    history = ctx.intake.history
    findings: list[Finding] = []
    if history.severe_hepatic_impairment:
        findings += _each(
            OPTIONS,
            EXCLUDE,
            "severe_hepatic_impairment",
            "Severe hepatic impairment: avoid ketamine.",
            "cohen-2018",
        )
    if history.interstitial_cystitis:
        findings += _each(
            OPTIONS,
            REVIEW,
            "interstitial_cystitis",
            "Ulcerative or interstitial cystitis is a labelled warning; review bladder risk.",
            "spravato-pi",
            "screening-checklist",
        )
    for code, present, label in (
        ("raised_intracranial_pressure", history.raised_intracranial_pressure, "intracranial"),
        ("raised_intraocular_pressure", history.raised_intraocular_pressure, "intraocular"),
    ):
        if present:
            findings += _each(
                OPTIONS,
                REVIEW,
                code,
                f"Raised {label} pressure: avoid ketamine or use a low dose (grade C).",
                "cohen-2018",
            )
    return findings


def suicide_risk(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    days = ctx.intake.recent_suicide_attempt_days
    window = ctx.settings.recent_attempt_window_days
    if days is not None and days <= window:
        message = f"Suicide attempt {days} days ago (within {window} days)"
        findings += _each(
            [HOME],
            EXCLUDE,
            "recent_suicide_attempt",
            f"{message}: excluded from unsupervised home dosing.",
            "screening-checklist",
            "cssrs-screener",
        )
        findings += _each(
            [*IN_CLINIC_RACEMIC, ESKETAMINE],
            REVIEW,
            "recent_suicide_attempt",
            f"{message}: the prescriber assesses safety before treatment.",
            "screening-checklist",
            "cssrs-screener",
        )
    risk = ctx.intake.cssrs_risk
    if risk == "high":
        findings += _each(
            [HOME],
            EXCLUDE,
            "cssrs_high_risk",
            "High C-SSRS risk excludes unsupervised home dosing.",
            "screening-checklist",
            "cssrs-screener",
        )
        findings += _each(
            [*IN_CLINIC_RACEMIC, ESKETAMINE],
            REVIEW,
            "cssrs_high_risk",
            "High C-SSRS risk: same-day clinician assessment before any treatment decision.",
            "cssrs-screener",
        )
    elif risk == "moderate":
        findings += _each(
            [HOME],
            REVIEW,
            "cssrs_moderate_risk",
            "Moderate C-SSRS risk: the prescriber reviews safety for unsupervised home dosing.",
            "cssrs-screener",
        )
    return findings


def home_sitter(ctx: Context) -> list[Finding]:
    if ctx.intake.home_sitter_available:
        return []
    return _each(
        [HOME],
        EXCLUDE,
        "no_home_sitter",
        "No sitter (treatment monitor) available: home sessions need one physically present.",
        "mindbloom-hull-2022",
    )


def concomitant_medications(ctx: Context) -> list[Finding]:
    """The REMS-form classes need review; every interaction is named with what it means."""
    findings: list[Finding] = []
    for class_id in ctx.intake.concomitant_drug_classes:
        drug_class = DRUG_CLASSES[class_id]
        if drug_class.pmf_concomitant:
            findings += _each(
                OPTIONS,
                REVIEW,
                f"concomitant_{class_id}",
                f"Concomitant {drug_class.label}: may add to sedation, dissociation, "
                "respiratory depression or blood-pressure changes (REMS monitoring item).",
                "spravato-rems",
                "spravato-pi",
            )
    per_drug: tuple[tuple[Drug, tuple[Option, ...]], ...] = (
        ("ketamine", RACEMIC),
        ("esketamine", (ESKETAMINE,)),
    )
    for drug, options in per_drug:
        for found in interactions_for(
            ctx.intake.concomitant_drug_classes,
            drug=drug,
            diazepam_equivalent_mg_per_day=ctx.intake.diazepam_equivalent_mg_per_day,
            settings=ctx.settings,
        ):
            findings += _each(
                options,
                REVIEW if found.action == "prescriber_review" else NOTE,
                f"interaction_{found.drug_class}",
                found.message,
                *interaction_sources(found.drug_class, drug),
            )
    return findings


def mania_rating(ctx: Context) -> list[Finding]:
    """Bipolar depression needs a current YMRS before ketamine, which can induce mania.

    At or above ``ymrs_mania_min`` the score signifies hypomania or mania (``ymrs-mania-cutoff``),
    which excludes treatment like current mania (``screening-checklist``); above
    ``ymrs_review_above`` it is outside what ELEKT-D admitted (``elektd-2023``).
    """
    if "bipolar_depression" not in ctx.indications:
        return []
    total = ctx.intake.scores.get("ymrs")
    s = ctx.settings
    if total is None:
        return _each(
            OPTIONS,
            REVIEW,
            "ymrs_missing",
            "Bipolar depression: a mania rating (YMRS) is needed before ketamine, which can "
            "induce mania.",
            "ymrs-1978",
            "screening-checklist",
        )
    if total >= s.ymrs_mania_min:
        return _each(
            OPTIONS,
            EXCLUDE,
            "ymrs_mania",
            f"YMRS {total} is at or above {s.ymrs_mania_min}: hypomanic or manic symptoms; "
            "treat the mood elevation first, then rate again.",
            "ymrs-mania-cutoff",
            "screening-checklist",
        )
    if total > s.ymrs_review_above:
        return _each(
            OPTIONS,
            REVIEW,
            "ymrs_elevated",
            f"YMRS {total} is above {s.ymrs_review_above} (trials admitted YMRS "
            f"<= {s.ymrs_review_above}): the prescriber weighs the manic symptoms.",
            "elektd-2023",
            "ymrs-mania-cutoff",
        )
    return []


def vital_signs(ctx: Context) -> list[Finding]:
    vitals = ctx.intake.vitals
    s = ctx.settings
    bp = f"{vitals.systolic}/{vitals.diastolic} mmHg"
    findings: list[Finding] = []
    if (
        vitals.systolic >= s.predose_hold_systolic_mmhg
        or vitals.diastolic >= s.predose_hold_diastolic_mmhg
    ):
        findings += _each(
            OPTIONS,
            EXCLUDE,
            "uncontrolled_hypertension",
            f"Blood pressure {bp} is at or above the hold threshold "
            f"{s.predose_hold_systolic_mmhg}/{s.predose_hold_diastolic_mmhg}: control "
            "hypertension before treatment, then screen again.",
            "clinic-rules-design",
            "screening-checklist",
        )
    elif (
        vitals.systolic > s.predose_review_systolic_mmhg
        or vitals.diastolic > s.predose_review_diastolic_mmhg
    ):
        findings += _each(
            OPTIONS,
            REVIEW,
            "elevated_blood_pressure",
            f"Blood pressure {bp} is above {s.predose_review_systolic_mmhg}/"
            f"{s.predose_review_diastolic_mmhg}: weigh the expected rise against the benefit.",
            "spravato-pi",
        )
    if vitals.heart_rate > s.predose_hold_heart_rate_bpm:
        findings += _each(
            OPTIONS,
            REVIEW,
            "tachycardia",
            f"Heart rate {vitals.heart_rate}/min is above {s.predose_hold_heart_rate_bpm}/min.",
            "sanacora-2017-unverified",
        )
    if vitals.spo2 < s.predose_hold_spo2_percent:
        findings += _each(
            OPTIONS,
            REVIEW,
            "low_spo2",
            f"SpO2 {vitals.spo2}% is below {s.predose_hold_spo2_percent}%.",
            "ketacare-placeholder",
        )
    return findings


def age(ctx: Context) -> list[Finding]:
    years = ctx.intake.age_years
    findings: list[Finding] = []
    if years < ctx.settings.racemic_min_age_years:
        findings += _each(
            RACEMIC,
            EXCLUDE,
            "under_minimum_age",
            f"Age {years} is below the clinic's minimum of {ctx.settings.racemic_min_age_years}"
            " for ketamine (the evidence and payer criteria are for adults).",
            "bcbs-nc-spravato",
            "canmat-2021",
        )
    if years < ESKETAMINE_MIN_AGE_YEARS:
        findings += _each(
            [ESKETAMINE],
            EXCLUDE,
            "under_minimum_age",
            f"Age {years}: Spravato is indicated for adults ({ESKETAMINE_MIN_AGE_YEARS}+).",
            "spravato-pi",
        )
    return findings


def unusual_values(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for unusual in find_unusual(ctx.intake):
        findings += _each(
            OPTIONS,
            REVIEW,
            "unusual_value",
            unusual.message,
            "ketacare-input-bounds",
        )
    return findings


#: Every contraindication/caution rule, in the order their reasons are listed.
RULES: tuple[Rule, ...] = (
    ketamine_allergy,
    blood_pressure_hazards,
    uncontrolled_cardiovascular_disease,
    psychosis,
    mania,
    mania_rating,
    bipolar_without_mood_stabilizer,
    substance_use,
    pregnancy_and_lactation,
    organ_conditions,
    suicide_risk,
    home_sitter,
    concomitant_medications,
    vital_signs,
    age,
    unusual_values,
    substance_screen,
)
