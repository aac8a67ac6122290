"""A prescriber's dose in mg, for any protocol's dose rule.

Plans state the dose in mg (what is drawn up or given). For an mg/kg or mg/kg/h protocol the
mg figure is turned into the protocol's own unit at the patient's dose weight, and a figure
outside the protocol's range is refused in mg, with the rule's range beside it.
"""

from __future__ import annotations

from decimal import Decimal

from ketacare.clinical.dosing import DOSE_MAX_MG, DoseResult, calculate_dose, require_finite
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import Sex
from ketacare.clinical.protocols import Protocol, get_protocol
from ketacare.clinical.protocols.model import MgPerKgDose, MgPerKgPerHourDose

# Half of the 0.1 mg a dose is rounded to: a figure that rounds into the range is accepted.
_ROUNDING_MG = Decimal("0.05")


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"


def _check_mg(dose_mg: float, low: Decimal, high: Decimal, rule_text: str) -> None:
    value = Decimal(str(dose_mg))
    if not low - _ROUNDING_MG <= value <= high + _ROUNDING_MG:
        raise ClinicalInputError(
            "dose_mg",
            f"{dose_mg:g} mg is outside this protocol's range {_fmt(low)}-{_fmt(high)} mg "
            f"({rule_text})",
        )


def calculate_dose_mg(
    protocol: Protocol | str,
    *,
    dose_mg: float | None,
    weight_kg: float,
    height_cm: float | None = None,
    age_years: int | None = None,
    sex: Sex | None = None,
    session_number: int = 1,
    concentration_mg_per_ml: float | None = None,
) -> DoseResult:
    """The protocol's standard dose when ``dose_mg`` is None, else the dose for that figure."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    require_finite(dose_mg=dose_mg)
    patient = {
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "age_years": age_years,
        "sex": sex,
        "session_number": session_number,
        "concentration_mg_per_ml": concentration_mg_per_ml,
    }
    standard = calculate_dose(protocol, **patient)  # type: ignore[arg-type]
    if dose_mg is None:
        return standard
    if not 0 < dose_mg <= DOSE_MAX_MG:
        raise ClinicalInputError(
            "dose_mg", f"{dose_mg:g} mg must be above 0 and at most {DOSE_MAX_MG:g} mg"
        )
    rule = protocol.dose
    if isinstance(rule, MgPerKgDose):
        assert standard.dose_weight_kg is not None
        weight = Decimal(str(standard.dose_weight_kg))
        low = Decimal(str(rule.min_mg_per_kg)) * weight
        high = Decimal(str(rule.max_mg_per_kg)) * weight
        if rule.cap_mg is not None:
            low, high = min(low, Decimal(str(rule.cap_mg))), min(high, Decimal(str(rule.cap_mg)))
        _check_mg(
            dose_mg,
            low,
            high,
            f"{rule.min_mg_per_kg:g}-{rule.max_mg_per_kg:g} mg/kg at {weight:f} kg",
        )
        per_kg = Decimal(str(dose_mg)) / weight
        per_kg = min(
            max(per_kg, Decimal(str(rule.min_mg_per_kg))), Decimal(str(rule.max_mg_per_kg))
        )
        return calculate_dose(protocol, dose_mg_per_kg=float(per_kg), **patient)  # type: ignore[arg-type]
    if isinstance(rule, MgPerKgPerHourDose):
        assert standard.dose_weight_kg is not None and standard.duration_min is not None
        weight = Decimal(str(standard.dose_weight_kg))
        hours = Decimal(standard.duration_min) / 60
        low = Decimal(str(rule.min_mg_per_kg_per_h)) * weight * hours
        high = Decimal(str(rule.max_mg_per_kg_per_h)) * weight * hours
        _check_mg(
            dose_mg,
            low,
            high,
            f"{rule.min_mg_per_kg_per_h:g}-{rule.max_mg_per_kg_per_h:g} "
            f"mg/kg/h for {hours:f} h at {weight:f} kg",
        )
        per_kg_h = Decimal(str(dose_mg)) / (weight * hours)
        per_kg_h = min(
            max(per_kg_h, Decimal(str(rule.min_mg_per_kg_per_h))),
            Decimal(str(rule.max_mg_per_kg_per_h)),
        )
        return calculate_dose(protocol, dose_mg_per_kg_per_h=float(per_kg_h), **patient)  # type: ignore[arg-type]
    return calculate_dose(protocol, dose_mg=dose_mg, **patient)  # type: ignore[arg-type]
