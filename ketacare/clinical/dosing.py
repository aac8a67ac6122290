"""Dose calculation from a protocol: mg/kg, mg/kg/h, fixed mg or Spravato devices.

The protocol fixes the rule and the range; the prescriber may choose a dose inside the range
(``dose_mg_per_kg``, ``dose_mg_per_kg_per_h`` or ``dose_mg``), never outside it. The dose weight
is used to 0.1 kg; doses are rounded to 0.1 mg without leaving the protocol's range, volumes
to 0.01 mL and rates to 0.1 mg/h (0.1 mL/h). Weight is refused outside 25-350 kg and flagged
outside 40-200 kg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from ketacare.clinical import ranges
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import Sex
from ketacare.clinical.protocols import Protocol, get_protocol, load_protocols
from ketacare.clinical.protocols.model import (
    DeviceDose,
    FixedDose,
    MgPerKgDose,
    MgPerKgPerHourDose,
)
from ketacare.clinical.sources import cite
from ketacare.clinical.vocabulary import WeightBasis

#: Accepted body weight, height and age, and the typical adult weight band (``ranges``).
WEIGHT_RANGE_KG = (ranges.WEIGHT_KG.low, ranges.WEIGHT_KG.high)
WEIGHT_TYPICAL_KG = (ranges.WEIGHT_KG.typical_low or 0.0, ranges.WEIGHT_KG.typical_high or 0.0)
HEIGHT_RANGE_CM = (ranges.HEIGHT_CM.low, ranges.HEIGHT_CM.high)
AGE_RANGE_YEARS = (ranges.AGE_YEARS.low, ranges.AGE_YEARS.high)
#: The solution a dose is drawn up at. Ketalar is supplied at 10, 50 and 100 mg/mL and diluted
#: for infusion to 1 mg/mL (500 mL) or 2 mg/mL (250 mL, fluid restriction) (``ketalar-pi``): no
#: solution is stronger than 100 mg/mL, and one tenth of the label's most dilute solution
#: (0.1 mg/mL: 50 mg in a 500 mL bag) is the weakest a pump is set for
#: (``ketacare-input-bounds``). Below it the volume is a typing error (1e-20 mg/mL is 4e21 mL).
CONCENTRATION_MIN_MG_PER_ML = 0.1
#: Largest single dose in mg whatever the protocol, as the PK engine's ``DOSE_MAX_MG`` (the
#: largest published clinical doses, Zanos 2018 Pharmacol Rev 70:621, Table 1): every protocol
#: range lies far below it, so a larger figure is a typing error.
DOSE_MAX_MG = 2000.0
CONCENTRATION_MAX_MG_PER_ML = 100.0
#: Devine ideal body weight (``devine-1974``): base kg, kg per inch over 5 ft.
DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}
DEVINE_KG_PER_INCH = 2.3
DEVINE_MIN_HEIGHT_CM = 152.4  # 5 ft: the formula is defined from here up
CM_PER_INCH = 2.54


class DoseResult(BaseModel):
    """A calculated dose; fields that do not apply to the protocol are None."""

    model_config = ConfigDict(frozen=True)

    protocol: str
    protocol_version: int
    drug: str
    route: str
    dose_mg: float
    duration_min: int | None
    rate_mg_per_h: float | None
    volume_ml: float | None
    rate_ml_per_h: float | None
    devices: int | None
    weight_basis: WeightBasis | None
    dose_weight_kg: float | None
    warnings: tuple[str, ...]
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape printed by ``ketacare dose --json``."""
        return {
            "protocol": self.protocol,
            "dose_mg": self.dose_mg,
            "duration_min": self.duration_min,
            "rate_mg_per_h": self.rate_mg_per_h,
            "volume_ml": self.volume_ml,
            "devices": self.devices,
            "weight_basis": self.weight_basis,
            "dose_weight_kg": self.dose_weight_kg,
            "rate_ml_per_h": self.rate_ml_per_h,
            "warnings": list(self.warnings),
        }


def _fmt(number: float) -> str:
    return f"{number:g}"


def _dec(value: float | Decimal) -> Decimal:
    """Exact decimal of a number as written (0.35 stays 0.35, not its binary neighbour)."""
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _product(*factors: float | Decimal) -> Decimal:
    result = Decimal(1)
    for factor in factors:
        result *= _dec(factor)
    return result


def _round(value: float | Decimal, places: int, mode: str = ROUND_HALF_UP) -> float:
    return float(_dec(value).quantize(Decimal(1).scaleb(-places), rounding=mode))


def round_dose_mg(value: float | Decimal, low: float | Decimal, high: float | Decimal) -> float:
    """Round to 0.1 mg without leaving ``[low, high]``.

    If no 0.1 mg step lies in the range (a regimen fixed to one rate, e.g. 0.35 mg/kg/h), the
    dose is given to 0.01 mg, or exactly: staying inside the protocol beats a round number.
    """
    exact, low, high = _dec(value), _dec(low), _dec(high)
    for candidate in (
        _round(exact, 1),
        _round(high, 1, ROUND_FLOOR),
        _round(low, 1, ROUND_CEILING),
        _round(exact, 2),
    ):
        if low <= _dec(candidate) <= high:
            return candidate
    return float(exact)


def require_finite(**values: float | None) -> None:
    """Refuse NaN and infinity by name before any arithmetic (Decimal refuses to compare NaN)."""
    for field, value in values.items():
        if value is not None and not math.isfinite(value):
            raise ClinicalInputError(field, f"{value} is not a number: give a finite value")


def _check_range(
    field: str, value: float, low: float, high: float, unit: str, protocol: str | None = None
) -> None:
    if not low <= value <= high:
        owner = f" of protocol {protocol}" if protocol else ""
        raise ClinicalInputError(
            field,
            f"{_fmt(value)} is outside the allowed range {_fmt(low)}-{_fmt(high)} {unit}{owner}",
        )


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine ideal body weight; defined for men and women of at least 5 ft (152.4 cm)."""
    if sex not in DEVINE_BASE_KG:
        raise ClinicalInputError("sex", "ideal body weight needs sex female or male")
    if height_cm < DEVINE_MIN_HEIGHT_CM:
        raise ClinicalInputError(
            "height_cm",
            f"{_fmt(height_cm)} cm is below 152.4 cm, where the Devine ideal-weight formula "
            "starts; use the actual weight basis",
        )
    inches_over_5_ft = height_cm / CM_PER_INCH - 60
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * inches_over_5_ft


@dataclass(frozen=True)
class _Patient:
    weight_kg: float
    height_cm: float | None
    age_years: int | None
    sex: Sex | None


def _dose_weight(patient: _Patient, basis: WeightBasis, warnings: list[str]) -> float:
    if basis == "actual":
        return _round(patient.weight_kg, 1)
    if patient.height_cm is None or patient.sex is None:
        raise ClinicalInputError(
            "weight_basis", "the ideal weight basis needs height_cm and sex (female or male)"
        )
    ideal = ideal_body_weight_kg(patient.height_cm, patient.sex)
    if ideal >= patient.weight_kg:
        warnings.append("ideal body weight is not below actual weight; actual weight used")
        return _round(patient.weight_kg, 1)
    return _round(ideal, 1)


def _check_age(protocol: Protocol, age_years: int | None) -> None:
    needs_age = protocol.drug == "esketamine" or protocol.age_max_years is not None
    if age_years is None:
        if needs_age:
            raise ClinicalInputError(
                "age_years", f"required for protocol {protocol.id} (its dosing depends on age)"
            )
        return
    high = protocol.age_max_years
    if age_years < protocol.age_min_years or (high is not None and age_years > high):
        span = f"{protocol.age_min_years}-{high}" if high else f"{protocol.age_min_years}+"
        alternatives = [
            other.id
            for other in load_protocols().values()
            if other.id != protocol.id
            and other.drug == protocol.drug
            and other.indication == protocol.indication
            and other.schedule[0].phase == protocol.schedule[0].phase
            and other.age_min_years <= age_years <= (other.age_max_years or 120)
        ]
        hint = f"; use {', '.join(alternatives)}" if alternatives else ""
        raise ClinicalInputError(
            "age_years", f"{age_years} is outside protocol {protocol.id}'s ages {span}{hint}"
        )


def _refuse_override(protocol: Protocol, given: dict[str, float | None], allowed: str) -> None:
    for name, value in given.items():
        if value is not None and name != allowed:
            raise ClinicalInputError(
                name,
                f"does not apply to protocol {protocol.id} (its dose rule is "
                f"{protocol.dose.rule}; use {allowed})",
            )


def calculate_dose(
    protocol: Protocol | str,
    *,
    weight_kg: float,
    height_cm: float | None = None,
    age_years: int | None = None,
    sex: Sex | None = None,
    concentration_mg_per_ml: float | None = None,
    weight_basis: WeightBasis | None = None,
    dose_mg_per_kg: float | None = None,
    dose_mg_per_kg_per_h: float | None = None,
    dose_mg: float | None = None,
    session_number: int = 1,
) -> DoseResult:
    """Calculate one session's dose; a value outside the protocol's range is refused."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    require_finite(
        weight_kg=weight_kg,
        height_cm=height_cm,
        concentration_mg_per_ml=concentration_mg_per_ml,
        dose_mg_per_kg=dose_mg_per_kg,
        dose_mg_per_kg_per_h=dose_mg_per_kg_per_h,
        dose_mg=dose_mg,
    )
    _check_range("weight_kg", weight_kg, *WEIGHT_RANGE_KG, "kg")
    if height_cm is not None:
        _check_range("height_cm", height_cm, *HEIGHT_RANGE_CM, "cm")
    if age_years is not None:
        _check_range("age_years", age_years, *AGE_RANGE_YEARS, "years")
    if session_number < 1:
        raise ClinicalInputError("session_number", f"{session_number} must be 1 or more")
    _check_age(protocol, age_years)

    warnings: list[str] = []
    if not WEIGHT_TYPICAL_KG[0] <= weight_kg <= WEIGHT_TYPICAL_KG[1]:
        warnings.append(
            f"weight_kg {_fmt(weight_kg)} is unusual (typical {_fmt(WEIGHT_TYPICAL_KG[0])}-"
            f"{_fmt(WEIGHT_TYPICAL_KG[1])} kg); confirm it"
        )
    patient = _Patient(weight_kg, height_cm, age_years, sex)
    overrides = {
        "dose_mg_per_kg": dose_mg_per_kg,
        "dose_mg_per_kg_per_h": dose_mg_per_kg_per_h,
        "dose_mg": dose_mg,
    }
    rule = protocol.dose
    duration = protocol.infusion.duration_min if protocol.infusion else None
    basis: WeightBasis | None = None
    dose_weight: float | None = None
    devices: int | None = None

    if isinstance(rule, DeviceDose | FixedDose) and weight_basis is not None:
        raise ClinicalInputError(
            "weight_basis", f"protocol {protocol.id} has a fixed dose; weight does not apply"
        )
    if isinstance(rule, MgPerKgDose):
        _refuse_override(protocol, overrides, "dose_mg_per_kg")
        per_kg = rule.mg_per_kg if dose_mg_per_kg is None else dose_mg_per_kg
        _check_range(
            "dose_mg_per_kg", per_kg, rule.min_mg_per_kg, rule.max_mg_per_kg, "mg/kg", protocol.id
        )
        basis = weight_basis or rule.weight_basis
        dose_weight = _dose_weight(patient, basis, warnings)
        low = _product(rule.min_mg_per_kg, dose_weight)
        high = _product(rule.max_mg_per_kg, dose_weight)
        raw = _product(per_kg, dose_weight)
        if rule.cap_mg is not None:
            cap = _dec(rule.cap_mg)
            if raw > cap:
                warnings.append(f"dose capped at {_fmt(rule.cap_mg)} mg by the protocol")
                raw = cap
            low, high = min(low, cap), min(high, cap)
        dose = round_dose_mg(raw, low, high)
    elif isinstance(rule, MgPerKgPerHourDose):
        _refuse_override(protocol, overrides, "dose_mg_per_kg_per_h")
        per_kg_h = rule.mg_per_kg_per_h if dose_mg_per_kg_per_h is None else dose_mg_per_kg_per_h
        _check_range(
            "dose_mg_per_kg_per_h",
            per_kg_h,
            rule.min_mg_per_kg_per_h,
            rule.max_mg_per_kg_per_h,
            "mg/kg/h",
            protocol.id,
        )
        assert duration is not None
        basis = weight_basis or rule.weight_basis
        dose_weight = _dose_weight(patient, basis, warnings)
        hours = Decimal(duration) / 60
        low = _product(rule.min_mg_per_kg_per_h, dose_weight, hours)
        high = _product(rule.max_mg_per_kg_per_h, dose_weight, hours)
        dose = round_dose_mg(_product(per_kg_h, dose_weight, hours), low, high)
    elif isinstance(rule, FixedDose):
        _refuse_override(protocol, overrides, "dose_mg")
        dose = rule.dose_mg if dose_mg is None else dose_mg
        _check_range("dose_mg", dose, rule.min_mg, rule.max_mg, "mg", protocol.id)
    else:
        _refuse_override(protocol, overrides, "dose_mg")
        dose, devices = _device_dose(protocol, rule, dose_mg, session_number)

    if concentration_mg_per_ml is not None:
        if isinstance(rule, DeviceDose) or protocol.route == "sublingual":
            raise ClinicalInputError(
                "concentration_mg_per_ml",
                f"does not apply to protocol {protocol.id} ({protocol.route}, not drawn up "
                "from a vial)",
            )
        _check_range(
            "concentration_mg_per_ml",
            concentration_mg_per_ml,
            CONCENTRATION_MIN_MG_PER_ML,
            CONCENTRATION_MAX_MG_PER_ML,
            "mg/mL",
        )

    rate = _round(_dec(dose) * 60 / duration, 1) if duration else None
    conc = _dec(concentration_mg_per_ml) if concentration_mg_per_ml else None
    volume = _round(_dec(dose) / conc, 2) if conc else None
    rate_ml = _round(_dec(dose) / conc * 60 / duration, 1) if conc and duration else None
    return DoseResult(
        protocol=protocol.id,
        protocol_version=protocol.version,
        drug=protocol.drug,
        route=protocol.route,
        dose_mg=dose,
        duration_min=duration,
        rate_mg_per_h=rate,
        volume_ml=volume,
        rate_ml_per_h=rate_ml,
        devices=devices,
        weight_basis=basis,
        dose_weight_kg=dose_weight,
        warnings=tuple(warnings),
        sources=tuple(
            cite(key) for key in _source_keys(rule.sources, basis, concentration_mg_per_ml)
        ),
    )


def _source_keys(
    rule_sources: tuple[str, ...], basis: WeightBasis | None, concentration: float | None
) -> tuple[str, ...]:
    """The dose rule's sources plus those of the weight formula and vial bound when used."""
    extra: tuple[str, ...] = ("devine-1974",) if basis == "ideal" else ()
    extra += ("ketalar-pi",) if concentration is not None else ()
    return (*rule_sources, *extra)


def _device_dose(
    protocol: Protocol, rule: DeviceDose, dose_mg: float | None, session_number: int
) -> tuple[float, int]:
    if session_number == 1 and rule.first_session_mg is not None:
        if dose_mg is not None and dose_mg != rule.first_session_mg:
            raise ClinicalInputError(
                "dose_mg",
                f"{_fmt(dose_mg)} mg is not allowed at the first session of protocol "
                f"{protocol.id}: the label starts at {rule.first_session_mg} mg",
            )
        chosen = float(rule.first_session_mg)
    else:
        chosen = float(rule.default_mg if dose_mg is None else dose_mg)
    if chosen not in rule.options_mg:
        allowed = ", ".join(str(option) for option in rule.options_mg)
        raise ClinicalInputError(
            "dose_mg",
            f"{_fmt(chosen)} mg is not allowed by protocol {protocol.id}; allowed: {allowed} mg",
        )
    return chosen, int(chosen) // rule.device_mg
