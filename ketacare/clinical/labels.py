"""Human labels for every code the clinical core can put in front of a person.

People read labels, not codes: a page shows ``label("decision", "not_eligible")`` ("Not
eligible"), and the code may follow in small type. Each vocabulary is a mapping code → label;
``raw_codes`` lists the codes a page must never show bare (tests scan visible text for them).

Where the core already names its codes (the instrument registry, the severity bands of each
instrument, the protocol titles, ``data/drug_classes.toml``) the labels are read from there, so
a new instrument or protocol is labelled by its own data file; the rest are written here, and
``tests/clinical/test_labels.py`` checks that every code of every core source has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from ketacare.clinical.vocabulary import CARE_ITEM_KINDS

_OPTION = {
    "ketamine_iv": "Ketamine IV infusion",
    "ketamine_im": "Ketamine IM injection",
    "ketamine_intranasal": "Racemic ketamine nasal spray",
    "ketamine_sublingual_home": "Sublingual ketamine at home",
    "esketamine_nasal": "Esketamine (Spravato) nasal spray",
}

_DECISION = {
    "eligible": "Eligible",
    "needs_prescriber_review": "Needs prescriber review",
    "not_eligible": "Not eligible",
    "not_screened": "Not screened",
}

#: The screening rules' reason codes (``clinical/screening/rules.py`` and ``indications.py``),
#: each as the short sentence a list of reasons shows; the rule's own message gives the detail.
_REASON = {
    "ketamine_allergy": "Allergy to ketamine or esketamine",
    "aneurysmal_vascular_disease": "Aneurysmal vascular disease",
    "arteriovenous_malformation": "Arteriovenous malformation",
    "intracerebral_hemorrhage": "History of intracerebral haemorrhage",
    "uncontrolled_cardiovascular_disease": "Uncontrolled cardiovascular disease",
    "psychosis_history": "History of psychosis",
    "psychotic_features": "Depression with psychotic features",
    "mania_current": "Current mania or hypomania",
    "bipolar_without_mood_stabilizer": "Bipolar depression without a mood stabiliser",
    "substance_use_disorder_active": "Active substance use disorder",
    "opioid_use_disorder": "Opioid use disorder",
    "audit_c_positive": "Positive alcohol screen (AUDIT-C)",
    "dast10_positive": "Positive drug screen (DAST-10)",
    "substance_screen_missing": "Substance-use screen not done",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "severe_hepatic_impairment": "Severe hepatic impairment",
    "interstitial_cystitis": "Interstitial or ulcerative cystitis",
    "raised_intracranial_pressure": "Raised intracranial pressure",
    "raised_intraocular_pressure": "Raised intraocular pressure",
    "recent_suicide_attempt": "Recent suicide attempt",
    "cssrs_high_risk": "High suicide risk on the C-SSRS screener",
    "cssrs_moderate_risk": "Moderate suicide risk on the C-SSRS screener",
    "no_home_sitter": "No home sitter available for home sessions",
    "uncontrolled_hypertension": "Blood pressure at or above the hold threshold",
    "elevated_blood_pressure": "Raised blood pressure",
    "tachycardia": "Tachycardia (fast heart rate)",
    "low_spo2": "Low oxygen saturation",
    "under_minimum_age": "Below the minimum age",
    "unusual_value": "An unusual value to check",
    "indication_treatment_resistant_depression": "Treatment-resistant depression",
    "indication_crps": "Complex regional pain syndrome (CRPS)",
    "not_treatment_resistant": "Depression not yet treatment-resistant",
    "no_indication_recorded": "No diagnosis recorded",
    "esketamine_indication_not_met": "Outside the Spravato indications",
    "esketamine_trd": "Treatment-resistant depression (Spravato indication)",
    "esketamine_mdsi": "Depression with acute suicidal ideation (Spravato indication)",
    "esketamine_mdsi_without_oral_antidepressant": (
        "Acute suicidal ideation without an oral antidepressant"
    ),
    "esketamine_mdsi_intent_not_shown": "Suicidal ideation without intent shown",
    "esketamine_depression_in_remission": "Depression in remission (outside the Spravato label)",
    "depression_in_remission": "Depression coded in remission",
    "ymrs_missing": "Mania rating (YMRS) needed",
    "ymrs_mania": "YMRS in the hypomania or mania range",
    "ymrs_elevated": "YMRS above the trial entry limit",
}

#: ``prior_auth.Status``: how a payer criterion stands against the chart.
_CRITERION_STATUS = {"met": "Met", "not_met": "Not met", "missing": "Missing from the chart"}

#: ``safety.discharge``'s checks (``vocabulary.DISCHARGE_CRITERIA``).
_DISCHARGE_CRITERION = {
    "observation_time": "Observation time completed",
    "sedation_resolved": "Sedation resolved (MOAA/S 5)",
    "bp_near_baseline": "Blood pressure near baseline",
    "heart_rate_acceptable": "Heart rate acceptable",
    "spo2_acceptable": "Oxygen saturation acceptable",
    "dissociation_resolved": "Dissociation resolved",
    "ambulating": "Ambulating: walks safely",
    "escort_present": "Escort present to take the patient home",
    "clinician_assessed_ready": "Clinician assessed ready to leave",
    "no_unresolved_stop": "No unresolved stop rule",
    "bp_at_40_min": "Blood pressure taken at 40 minutes",
    "pulse_oximetry_recorded": "Pulse oximetry recorded",
    "alerts_acknowledged": "Every alert acknowledged by staff",
}

#: Instrument flags (``data/instruments/*.toml`` ``flags``, C-SSRS triage, PCL-5 extras).
_FLAG = {
    "suicidal_ideation": "Suicidal ideation",
    "suicidal_behaviour": "Suicidal behaviour",
    "behaviour_recency_unknown": "When the suicidal behaviour happened is not known",
    "probable_major_depression": "Probable major depression",
    "positive_screen": "Positive screen",
    "provisional_ptsd": "Provisional PTSD",
    "notable_sedation": "Notable sedation",
    "loss_of_consciousness": "Loss of consciousness",
    "positive_screen_men": "Positive screen by the men's cut-off",
    "positive_screen_women": "Positive screen by the women's cut-off",
    "probable_ocd": "Probable OCD",
    "cgi_response": "Response (much or very much improved)",
    "bladder_pain": "Bladder pain or burning",
    "mania_range": "Mania rating in the hypomania or mania range",
}

#: The C-SSRS screener's risk levels (``settings.RiskLevel``), stored as its severity.
_RISK = {
    "none": "None (no risk identified)",
    "low": "Low risk",
    "moderate": "Moderate risk",
    "high": "High risk",
}

_PLAN_STATUS = {"draft": "Draft", "signed": "Signed", "superseded": "Superseded"}
_DRUG = {"ketamine": "Ketamine (racemic)", "esketamine": "Esketamine (Spravato)"}
_ROUTE = {
    "iv": "Intravenous (IV)",
    "im": "Intramuscular (IM)",
    "intranasal": "Intranasal",
    "sublingual": "Sublingual",
}
_WEIGHT_BASIS = {
    "actual": "Actual body weight",
    "ideal": "Ideal body weight",
    "adjusted": "Adjusted body weight",
}
#: The PK engine's concentration bands (``ketacare/pk/data/bands.toml``; the core may not
#: import ``pk``, so they are written here and the test compares them with the file).
_BAND = {"analgesia": "Analgesia", "dissociation": "Dissociation", "anaesthesia": "Anaesthesia"}
_PREDOSE_DECISION = {"proceed": "Proceed", "prescriber_review": "Prescriber review", "hold": "Hold"}
#: Course review flags (``course_review.py``).
_COURSE_FLAG = {
    "nonresponse_review": "No response so far: review continuing",
    "course_scores_missing": "No scores to judge response",
    "spravato_induction_benefit_check": "End of Spravato induction: evaluate benefit",
    "treatment_emergent_mania": "Possible treatment-emergent mania",
}


def _instruments() -> dict[str, str]:
    from ketacare.clinical.instruments import load_instruments

    return {iid: d.abbreviation for iid, d in load_instruments().items()}


def _severities() -> dict[str, str]:
    """Every instrument's band labels (the same code reads the same in every instrument)."""
    from ketacare.clinical.instruments import load_instruments

    found = {b.severity: b.label for d in load_instruments().values() for b in d.bands}
    return {**{k: v for k, v in _RISK.items() if k not in found}, **found}


def _protocols() -> dict[str, str]:
    from ketacare.clinical.protocols import load_protocols

    return {pid: p.title for pid, p in load_protocols().items()}


def _drug_classes() -> dict[str, str]:
    from ketacare.clinical.codes import DRUG_CLASSES

    return {cid: c.label for cid, c in DRUG_CLASSES.items()}


def _reasons() -> dict[str, str]:
    """The written reasons, plus those a rule builds from a core table (indication groups,
    concomitant drug classes), labelled from the same table."""
    from ketacare.clinical.codes import DRUG_CLASSES
    from ketacare.clinical.interactions import interacting_classes
    from ketacare.clinical.screening.indications import REVIEW_GROUPS

    interacting = sorted(interacting_classes())
    built = {
        f"indication_{group}": message.split(":", 1)[0]
        for group, (message, _sources) in REVIEW_GROUPS.items()
    }
    built |= {
        f"concomitant_{cid}": f"Concomitant medication: {c.label}"
        for cid, c in DRUG_CLASSES.items()
        if c.pmf_concomitant
    }
    built |= {
        f"interaction_{cid}": f"Interaction: {DRUG_CLASSES[cid].label}" for cid in interacting
    }
    return {**built, **_REASON}


@cache
def vocabularies() -> Mapping[str, Mapping[str, str]]:
    """vocabulary name → {code: label}, read once (the data files are loaded on first use)."""
    return MappingProxyType(
        {
            "care_item": CARE_ITEM_KINDS,
            "option": _OPTION,
            "decision": _DECISION,
            "reason": _reasons(),
            "instrument": _instruments(),
            "severity": _severities(),
            "flag": _FLAG,
            "risk": _RISK,
            "drug_class": _drug_classes(),
            "protocol": _protocols(),
            "criterion_status": _CRITERION_STATUS,
            "discharge_criterion": _DISCHARGE_CRITERION,
            "plan_status": _PLAN_STATUS,
            "drug": _DRUG,
            "route": _ROUTE,
            "weight_basis": _WEIGHT_BASIS,
            "predose_decision": _PREDOSE_DECISION,
            "band": _BAND,
            "course_flag": _COURSE_FLAG,
        }
    )


class _Vocabularies(Mapping[str, Mapping[str, str]]):
    """``VOCABULARIES`` as a module constant that loads the data files only when first read."""

    def __getitem__(self, name: str) -> Mapping[str, str]:
        return vocabularies()[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(vocabularies())

    def __len__(self) -> int:
        return len(vocabularies())


#: vocabulary name → {code: label}
VOCABULARIES: Mapping[str, Mapping[str, str]] = _Vocabularies()


def label(vocabulary: str, code: str) -> str:
    """The label of ``code`` in ``vocabulary``; an unknown code is shown humanised, never bare."""
    found = VOCABULARIES.get(vocabulary, {}).get(code)
    if found is not None:
        return found
    words = str(code).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def has_label(vocabulary: str, code: str) -> bool:
    """Whether ``code`` has an explicit label (not the humanised fallback)."""
    return code in VOCABULARIES.get(vocabulary, {})


def raw_codes(min_length: int = 4) -> frozenset[str]:
    """Codes that must not appear bare in visible text: those with an underscore, or that their
    label does not contain as written (or capitalised).

    Codes that are also ordinary words ("other", "eligible") are left out, since a label may
    contain them; ``min_length`` drops short ones ("iv") that occur inside words.
    """
    codes: set[str] = set()
    for mapping in VOCABULARIES.values():
        for code, shown in mapping.items():
            if len(code) < min_length or code.lower() == shown.lower():
                continue
            # "ndri" is raw beside "Bupropion (NDRI)"; "lithium" is a word of "Lithium (...)".
            if "_" in code or (code not in shown and code.capitalize() not in shown):
                codes.add(code)
    return frozenset(codes)
