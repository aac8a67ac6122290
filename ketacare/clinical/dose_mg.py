"""A prescriber's dose in mg, for any protocol's dose rule.

Plans state the dose in mg (what is drawn up or given). For an mg/kg or mg/kg/h protocol the
mg figure is checked at the patient's dose weight against the protocol's cap (refused naming
the cap and its source) and its range (refused in mg, with the rule's range beside it).
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from ketacare.clinical.dose_caps import session_cap
from ketacare.clinical.dosing import (
    DOSE_MAX_MG,
    DoseResult,
    calculate_dose,
    require_finite,
    round_dose_mg,
    session_rates,
)
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import Sex
from ketacare.clinical.protocols import Protocol, get_protocol
from ketacare.clinical.protocols.model import MgPerKgDose, MgPerKgPerHourDose
from ketacare.clinical.settings import ClinicSettings

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
    settings: ClinicSettings | None = None,
) -> DoseResult:
    """The protocol's standard dose when ``dose_mg`` is None, else the dose for that figure."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    require_finite(dose_mg=dose_mg)
    patient = partial(
        calculate_dose,
        protocol,
        weight_kg=weight_kg,
        height_cm=height_cm,
        age_years=age_years,
        sex=sex,
        session_number=session_number,
        concentration_mg_per_ml=concentration_mg_per_ml,
        settings=settings,
    )
    standard = patient()
    if dose_mg is None:
        return standard
    if not 0 < dose_mg <= DOSE_MAX_MG:
        raise ClinicalInputError(
            "dose_mg", f"{dose_mg:g} mg must be above 0 and at most {DOSE_MAX_MG:g} mg"
        )
    rule = protocol.dose
    if not isinstance(rule, MgPerKgDose | MgPerKgPerHourDose):
        return patient(dose_mg=dose_mg)
    assert standard.dose_weight_kg is not None
    weight = Decimal(str(standard.dose_weight_kg))
    if isinstance(rule, MgPerKgDose):
        hours = Decimal(1)
        low_unit, high_unit = rule.min_mg_per_kg, rule.max_mg_per_kg
        rule_text = f"{low_unit:g}-{high_unit:g} mg/kg at {weight:f} kg"
    else:
        assert standard.duration_min is not None
        hours = Decimal(standard.duration_min) / 60
        low_unit, high_unit = rule.min_mg_per_kg_per_h, rule.max_mg_per_kg_per_h
        rule_text = f"{low_unit:g}-{high_unit:g} mg/kg/h for {hours:f} h at {weight:f} kg"
    low = Decimal(str(low_unit)) * weight * hours
    high = Decimal(str(high_unit)) * weight * hours
    cap = session_cap(protocol)
    if cap is not None:
        cap.refuse_above("dose_mg", Decimal(str(dose_mg)))
        low, high = min(low, cap.mg), min(high, cap.mg)
    _check_mg(dose_mg, low, high, rule_text)
    dose = round_dose_mg(Decimal(str(dose_mg)), low, high)
    rate, volume, rate_ml = session_rates(dose, standard.duration_min, concentration_mg_per_ml)
    return standard.model_copy(
        update={
            "dose_mg": dose,
            "rate_mg_per_h": rate,
            "volume_ml": volume,
            "rate_ml_per_h": rate_ml,
            # The cap bound the standard dose, not this one: say so, without its warning.
            "warnings": tuple(w for w in standard.warnings if w != standard.cap_note),
            "cap_note": cap.note(dose, capped=False) if cap is not None else None,
        }
    )
