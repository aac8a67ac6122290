"""A baseline intake (treatment-resistant depression, nothing else) and ways to vary it."""

from __future__ import annotations

import copy
from typing import Any

from ketacare.clinical.intake import Intake, parse_intake
from ketacare.clinical.screening import ScreeningResult, screen
from ketacare.clinical.settings import ClinicSettings

HISTORY_KEYS = (
    "psychosis",
    "mania_current",
    "substance_use_disorder_active",
    "opioid_use_disorder",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage",
    "ketamine_allergy",
    "interstitial_cystitis",
    "severe_hepatic_impairment",
    "raised_intracranial_pressure",
    "raised_intraocular_pressure",
    "uncontrolled_cardiovascular_disease",
)

BASE: dict[str, Any] = {
    "age_years": 42,
    "sex": "female",
    "weight_kg": 70,
    "height_cm": 165,
    "pregnant": False,
    "breastfeeding": False,
    "diagnoses": ["F33.2"],
    "medication_trials": [
        {
            "drug": "sertraline",
            "drug_class": "ssri",
            "weeks_at_adequate_dose": 8,
            "improvement_percent": 10,
            "current_episode": True,
        },
        {
            "drug": "venlafaxine",
            "drug_class": "snri",
            "weeks_at_adequate_dose": 8,
            "improvement_percent": 0,
            "current_episode": True,
        },
    ],
    "history": dict.fromkeys(HISTORY_KEYS, False),
    "recent_suicide_attempt_days": None,
    "concomitant_drug_classes": ["ssri"],
    "vitals": {"systolic": 124, "diastolic": 78, "heart_rate": 72, "spo2": 98},
    "home_sitter_available": True,
    "scores": {"phq9": 19, "audit_c": 0, "dast10": 0},
}


def intake_data(**changes: Any) -> dict[str, Any]:
    """The baseline document with top-level keys replaced; ``history__x`` / ``vitals__x``
    set one nested key."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__")
            data[outer][inner] = value
        else:
            data[key] = value
    return data


def make_intake(**changes: Any) -> Intake:
    return parse_intake(intake_data(**changes))


def run(settings: ClinicSettings | None = None, **changes: Any) -> ScreeningResult:
    return screen(make_intake(**changes), settings)


def decisions(result: ScreeningResult) -> dict[str, str]:
    return {option.option: option.decision for option in result.options}


def codes(result: ScreeningResult, option: str) -> list[str]:
    return [reason.code for reason in result.option(option).reasons]  # type: ignore[arg-type]


def trial(
    drug_class: str = "ssri",
    weeks: float = 8,
    improvement: float = 0,
    current: bool = True,
    drug: str | None = None,
) -> dict[str, Any]:
    return {
        "drug": drug or f"a {drug_class}",
        "drug_class": drug_class,
        "weeks_at_adequate_dose": weeks,
        "improvement_percent": improvement,
        "current_episode": current,
    }
