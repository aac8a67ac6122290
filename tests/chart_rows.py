"""One valid row of each chart section, shared by the tests that create and edit them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

# As stored (for the edit tests) and as sent (for the create tests).
ROWS: dict[str, dict[str, Any]] = {
    "contacts": {
        "relationship": "escort",
        "name": "Ana Driver",
        "relation_to_patient": "sister",
        "phone": "+1 617 555 0142",
        "email": "ana@example.com",
        "is_active": True,
    },
    "coverage": {
        "payer_name": "Aetna",
        "member_id": "W100200300",
        "group_number": "G-1",
        "plan_name": "Choice POS II",
        "is_primary": True,
        "start_date": date(2025, 1, 1),
        "end_date": None,
    },
    "consents": {
        "kind": "ketamine_treatment",
        "status": "given",
        "signed_on": date(2025, 1, 10),
        "form_version": "2025-01",
    },
    "measurements": {
        "measured_on": date(2025, 1, 10),
        "weight_kg": Decimal("70.0"),
        "height_cm": Decimal("165.0"),
    },
    "conditions": {
        "icd10_code": "F41.1",
        "snomed_code": "21897009",
        "display": "Generalized anxiety disorder",
        "onset_date": date(2018, 3, 1),
        "status": "active",
    },
    "allergies": {
        "substance": "Penicillin",
        "reaction": "Hives",
        "severity": "moderate",
        "status": "active",
    },
    "trials": {
        "drug": "sertraline",
        "drug_class": "ssri",
        "dose_mg_per_day": Decimal("150.00"),
        "start_date": date(2023, 1, 1),
        "end_date": date(2023, 6, 1),
        "weeks_at_adequate_dose": Decimal("12.0"),
        "improvement_percent": 10,
        "current_episode": True,
        "reason_stopped": "ineffective",
        "notes": "Nausea.",
    },
}
