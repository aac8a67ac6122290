"""Demo patients at every stage from intake to a signed plan, through the real services.

Of the demo clinic's 40 patients: the first 10 have a signed plan, the next 6 a draft plan, the
next 10 a screening only, and the rest no intake yet. One screened patient answered PHQ-9
item 9 positively, so the alerts page has an open alert to work through.
"""

from __future__ import annotations

import random
from typing import Any

from ketacare.accounts.actor import Actor
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import History
from ketacare.lib.errors import FieldErrors
from ketacare.patients.models import Patient
from ketacare.screening.chart import chart_facts
from ketacare.screening.queries import latest_screening
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as plans
from ketacare.treatment.choices import choice_for

SIGNED, DRAFTED, SCREENED = 10, 6, 10
SI_PATIENT_INDEX = 18  # 0-based: a screened-only patient with a positive PHQ-9 item 9

HISTORY = tuple(History.model_fields)
# Protocols to try for each indication group, in the order a prescriber would.
PROTOCOLS = {
    "F3": ("depression-iv-induction", "esketamine-trd-induction", "depression-im"),
    "F43": ("ptsd-iv-induction",),
    "G90": ("crps-iv-10-day", "pain-iv-outpatient-4h"),
    "M79": ("pain-iv-outpatient-4h",),
    "F41": ("depression-sublingual-troche-home", "depression-iv-induction"),
    "F42": ("depression-iv-induction",),
}
INTEGRATIVE = [
    {
        "kind": "integration",
        "description": "Integration session within 48 hours of each treatment",
        "frequency": "after each treatment",
    },
    {"kind": "talk_therapy", "description": "CBT with the clinic therapist", "frequency": "weekly"},
    {
        "kind": "lifestyle",
        "description": "Sleep and exercise plan",
        "frequency": "reviewed monthly",
    },
]


def _scales(
    rng: random.Random, diagnoses: list[str], suicidal: bool
) -> dict[str, list[int | None]]:
    phq9: list[int | None] = [rng.randint(1, 3) for _ in range(8)]
    phq9 += [1 if suicidal else 0, rng.randint(1, 2)]
    scales: dict[str, list[int | None]] = {
        "phq9": phq9,
        "gad7": [rng.randint(0, 3) for _ in range(7)],
        "cssrs_screener": [1, 0, None, None, None, 0, None]
        if suicidal
        else [0, 0, None, None, None, 0, None],
    }
    if any(code.startswith("F43") for code in diagnoses):
        scales["pcl5"] = [rng.randint(1, 4) for _ in range(20)]
    if any(code.startswith(("G90", "M79")) for code in diagnoses):
        scales["pain_nrs"] = [rng.randint(5, 9)]
    return scales


def _intake(rng: random.Random, nurse: Actor, patient: Patient, today: Any, suicidal: bool) -> None:
    facts = chart_facts(patient, today)
    latest = facts.latest
    assert latest is not None
    systolic = rng.randint(112, 138)
    intake_submit(
        nurse,
        patient.pk,
        fields={
            "weight_kg": float(latest.weight_kg),
            "height_cm": float(latest.height_cm or 170),
            "pregnant": False,
            "breastfeeding": False,
            "diagnoses": facts.diagnoses,
            "medication_trials": facts.trials,
            "history": dict.fromkeys(HISTORY, False),
            "recent_suicide_attempt_days": None,
            "concomitant_drug_classes": facts.ongoing_classes,
            "vitals": {
                "systolic": systolic,
                "diastolic": systolic - rng.randint(35, 50),
                "heart_rate": rng.randint(60, 88),
                "spo2": rng.randint(96, 99),
            },
            "home_sitter_available": rng.random() < 0.6,
        },
        scales=_scales(rng, facts.diagnoses, suicidal),
        notes="Baseline intake.",
    )


def _spravato_open(patient: Patient, age: int) -> bool:
    from ketacare.clinical import get_protocol

    screening = latest_screening(patient)
    return (
        screening is not None
        and choice_for(get_protocol("esketamine-trd-induction"), screening, age).open
    )


def _plan(prescriber: Actor, patient: Patient, age: int, *, spravato: bool = False) -> Any:
    screening = latest_screening(patient)
    assert screening is not None
    diagnoses = screening.intake.document["diagnoses"]
    group = next(
        (prefix for code in diagnoses for prefix in PROTOCOLS if code.startswith(prefix)), "F3"
    )
    from ketacare.clinical import get_protocol

    candidates = ("esketamine-trd-induction",) if spravato else PROTOCOLS[group]
    for protocol_id in candidates:
        choice = choice_for(get_protocol(protocol_id), screening, age)
        if not choice.open and choice.decision == "not_eligible":
            continue
        reason = (
            "" if choice.open else "Reviewed with the patient: benefits outweigh the flagged risks."
        )
        try:
            return plans.plan_create(
                prescriber,
                patient.pk,
                protocol_id=protocol_id,
                override_reason=reason,
                integrative_items=INTEGRATIVE[:2],
                course_note="Reassess with PHQ-9 before each session.",
            )
        except (FieldErrors, ClinicalInputError):
            continue
    return None


def build_care(
    rng: random.Random,
    front_desk: Actor,
    nurse: Actor,
    prescriber: Actor,
    patients: list[Patient],
    today: Any,
) -> None:
    """Intakes, screenings and plans; the first two Spravato candidates get Spravato plans, the
    signed one with its REMS enrolment on file, the draft one without (its prior-authorisation
    checklist names what is missing)."""
    from ketacare.patients import services as chart

    spravato_plans = 0
    for index, patient in enumerate(patients[: SIGNED + DRAFTED + SCREENED]):
        _intake(rng, nurse, patient, today, suicidal=index == SI_PATIENT_INDEX)
        if index >= SIGNED + DRAFTED:
            continue
        age = patient.age_on(today)
        spravato = spravato_plans < 2 and _spravato_open(patient, age)
        if spravato and index < SIGNED:
            chart.part_create(
                front_desk,
                patient.pk,
                "consents",
                data={
                    "kind": "spravato_rems_enrollment",
                    "status": "given",
                    "signed_on": today,
                    "form_version": "REMS Patient Enrollment Form",
                },
            )
        plan = _plan(prescriber, patient, age, spravato=spravato)
        spravato_plans += spravato and plan is not None
        if plan is not None and index < SIGNED:
            plans.plan_sign(prescriber, plan.pk)
