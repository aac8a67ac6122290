"""Building blocks for intake and plan tests: a complete intake a nurse would record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ketacare.clinical.intake import History
from ketacare.patients import services as patients
from tests.conftest import Cast

HISTORY_NO = dict.fromkeys(History.model_fields, False)
PHQ9_NO_SI = [2, 2, 2, 2, 1, 2, 1, 1, 0, 1]  # total 13, item 9 = 0
GAD7 = [1, 1, 1, 1, 1, 1, 1]
CSSRS_NONE = [0, 0, None, None, None, 0, None]


def fields(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "weight_kg": 82.5,
        "height_cm": 180.0,
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
                "weeks_at_adequate_dose": 10,
                "improvement_percent": 20,
                "current_episode": True,
            },
        ],
        "history": dict(HISTORY_NO),
        "recent_suicide_attempt_days": None,
        "concomitant_drug_classes": [],
        "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98},
        "home_sitter_available": True,
    }
    base.update(overrides)
    return base


def scales(**overrides: Any) -> dict[str, Any]:
    return {"phq9": PHQ9_NO_SI, "gad7": GAD7, "cssrs_screener": CSSRS_NONE, **overrides}


def give_trials(cast: Cast) -> None:
    """Put two adequate failed trials of two classes on Dan's chart."""
    actor = cast.actor(cast.prescriber)
    for drug, drug_class, weeks, improvement in (
        ("sertraline", "ssri", 8, 10),
        ("venlafaxine", "snri", 10, 20),
    ):
        patients.part_create(
            actor,
            cast.dan.pk,
            "trials",
            data={
                "drug": drug,
                "drug_class": drug_class,
                "start_date": date(2024, 1, 1),
                "weeks_at_adequate_dose": Decimal(weeks),
                "improvement_percent": improvement,
                "current_episode": True,
                "reason_stopped": "ineffective",
            },
        )
