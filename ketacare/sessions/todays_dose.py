"""A weight-based plan's dose for the weight measured at the chair today.

The plan's own figure per kg (its dose over its dose weight) is kept; the clinical core
recomputes the dose weight (actual, ideal or adjusted) and applies the protocol's range and
cap, so a heavier patient today is never given more than the protocol allows.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.clinical.dosing import calculate_dose
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols import get_protocol
from ketacare.lib.errors import FieldErrors
from ketacare.patients.models import BodyMeasurement
from ketacare.patients.rules import years_between
from ketacare.treatment.models import TreatmentPlan

#: The plan's dose is stored rounded to 0.1 mg (``ketacare.clinical.dosing``), so its dose over
#: its weight may differ from the mg/kg it was calculated from by up to half of that.
PLAN_DOSE_STEP_MG = 0.1


def _written_per_kg(dose_mg: float, weight_kg: float) -> float:
    """The mg/kg the plan's dose was calculated from: the shortest figure (2 to 4 decimals)
    that gives the plan's dose at its weight, so 41.3 mg at 82.5 kg is 0.5 mg/kg (not 0.5006,
    which would add 0.1 mg at 90 kg)."""
    for places in (2, 3, 4):
        candidate = round(dose_mg / weight_kg, places)
        if abs(candidate * weight_kg - dose_mg) <= PLAN_DOSE_STEP_MG / 2 + 1e-9:
            return candidate
    return dose_mg / weight_kg


def dose_for_weight(plan: TreatmentPlan, weight_kg: float) -> dict[str, Any] | None:
    """Today's dose (the core's JSON, with the plan's dose beside it), or None when the plan's
    dose does not depend on weight."""
    basis = plan.dose.get("weight_basis")
    plan_weight = plan.dose.get("dose_weight_kg")
    if basis is None or not plan_weight:
        return None
    protocol = get_protocol(plan.protocol_id)
    patient = plan.patient
    height = (
        BodyMeasurement.objects.filter(patient=patient, height_cm__isnull=False)
        .order_by("-measured_on", "-created_at")
        .values_list("height_cm", flat=True)
        .first()
    )
    per_kg = _written_per_kg(float(plan.dose_mg), float(plan_weight))
    duration = plan.dose.get("duration_min")
    rule = protocol.dose.rule
    per_hour = rule == "mg_per_kg_per_h" and bool(duration)
    per_kg_per_h = round(per_kg * 60.0 / float(duration), 4) if per_hour else None
    try:
        dose = calculate_dose(
            protocol,
            weight_kg=weight_kg,
            height_cm=float(height) if height is not None else None,
            age_years=years_between(patient.date_of_birth, timezone.localdate()),
            sex={"male": "male", "female": "female"}.get(patient.sex_at_birth),  # type: ignore[arg-type]
            concentration_mg_per_ml=plan.dose.get("concentration_mg_per_ml"),
            weight_basis=basis,
            settings=clinic_settings(patient.clinic),
            dose_mg_per_kg=None if per_hour else round(per_kg, 4),
            dose_mg_per_kg_per_h=per_kg_per_h,
        )
    except ClinicalInputError as exc:
        raise FieldErrors({"weight_kg": f"at today's weight: {exc.message}"}) from None
    return {
        **dose.to_json(),
        "plan_dose_mg": float(plan.dose_mg),
        "weight_kg": weight_kg,
    }
