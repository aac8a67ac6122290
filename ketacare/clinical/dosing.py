"""Dose calculation from a protocol: mg/kg, mg/kg/h, fixed mg or Spravato devices.

The protocol fixes the rule and the range; the prescriber may choose a dose inside the range
(``dose_mg_per_kg``, ``dose_mg_per_kg_per_h`` or ``dose_mg``), never outside it. The dose weight
is used to 0.1 kg; doses are rounded to 0.1 mg without leaving the protocol's range, volumes
to 0.01 mL and rates to 0.1 mg/h (0.1 mL/h). Weight is refused outside 25-350 kg and flagged
outside 40-200 kg. A calculated dose above the protocol's cap (``dose_caps``) is lowered to it
with a warning; a chosen one above it is refused. The dose weight is the protocol's basis, its
basis for obesity at the clinic's BMI, or the prescriber's choice, and the result says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from ketacare.clinical import ranges
from ketacare.clinical.dose_caps import SessionCap, session_cap
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import Sex
from ketacare.clinical.labels import label
from ketacare.clinical.protocols import Protocol, get_protocol, load_protocols
from ketacare.clinical.protocols.model import (
    DeviceDose,
    FixedDose,
    MgPerKgDose,
    MgPerKgPerHourDose,
)
from ketacare.clinical.settings import ClinicSettings
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
#: The share of the weight above ideal that counts in adjusted body weight
#: (``adjusted-body-weight``: Bauer 1983, Traynor 1995).
ADJUSTED_EXCESS_FRACTION = Decimal("0.4")


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
    #: BMI from the weight and height (weight-based rules with a height), the dose weight in
    #: words ("adjusted body weight 84.1 kg (BMI 41.2 >= 30: ...)") and the cap in words.
    bmi_kg_per_m2: float | None = None
    weight_basis_note: str | None = None
    cap_note: str | None = None

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
            "bmi_kg_per_m2": self.bmi_kg_per_m2,
            "weight_basis_note": self.weight_basis_note,
            "cap_note": self.cap_note,
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


def adjusted_body_weight_kg(weight_kg: float, height_cm: float, sex: Sex) -> float:
    """IBW + 0.4 x (actual - IBW) (``adjusted-body-weight``): part of the excess weight counts."""
    ideal = _dec(ideal_body_weight_kg(height_cm, sex))
    return float(ideal + ADJUSTED_EXCESS_FRACTION * (_dec(weight_kg) - ideal))


@dataclass(frozen=True)
class _Patient:
    weight_kg: float
    height_cm: float | None
    age_years: int | None
    sex: Sex | None


@dataclass(frozen=True)
class _DoseWeight:
    kg: float
    basis: WeightBasis
    note: str
    bmi: float | None
    source_keys: tuple[str, ...]


def _basis_kg(patient: _Patient, basis: WeightBasis, warnings: list[str]) -> float:
    if basis == "actual":
        return _round(patient.weight_kg, 1)
    if patient.height_cm is None or patient.sex is None:
        raise ClinicalInputError(
            "weight_basis", f"the {basis} weight basis needs height_cm and sex (female or male)"
        )
    if basis == "ideal":
        kg = ideal_body_weight_kg(patient.height_cm, patient.sex)
    else:
        kg = adjusted_body_weight_kg(patient.weight_kg, patient.height_cm, patient.sex)
    if kg >= patient.weight_kg:
        warnings.append(f"{basis} body weight is not below actual weight; actual weight used")
        return _round(patient.weight_kg, 1)
    return _round(kg, 1)


def _dose_weight(
    patient: _Patient,
    rule: MgPerKgDose | MgPerKgPerHourDose,
    chosen: WeightBasis | None,
    settings: ClinicSettings,
    warnings: list[str],
) -> _DoseWeight:
    """The weight a dose is calculated on, and why: chosen, the protocol's, or for obesity."""
    bmi = ranges.body_mass_index(patient.weight_kg, patient.height_cm)
    threshold = settings.obesity_bmi_kg_per_m2
    obese = bmi is not None and bmi >= threshold
    bmi_text = f"BMI {_fmt(bmi)} >= {_fmt(threshold)}" if obese and bmi is not None else ""
    keys: tuple[str, ...] = ()
    if chosen is not None:
        basis, why = chosen, "chosen by the prescriber"
    elif rule.obesity is not None and obese:
        basis = rule.obesity.weight_basis
        why = f"{bmi_text}: the protocol's basis for obesity, {cite(*rule.obesity.sources)}"
        keys = (*rule.obesity.sources, "who-obesity-2000")
    else:
        basis, why = rule.weight_basis, "the protocol's basis"
        if rule.obesity is not None and bmi is None:
            warnings.append(
                f"no height on record, so the BMI is unknown and the protocol's basis for "
                f"obesity ({label('weight_basis', rule.obesity.weight_basis).lower()} at BMI "
                f">= {_fmt(threshold)}) was not checked"
            )
        elif obese and rule.obesity is None:
            why = f"{why}; {bmi_text}, and its sources give no other basis for obesity"
    kg = _basis_kg(patient, basis, warnings)
    if basis in ("ideal", "adjusted"):
        keys = (*keys, "devine-1974", *(("adjusted-body-weight",) if basis == "adjusted" else ()))
    note = f"{label('weight_basis', basis).lower()} {_fmt(kg)} kg ({why})"
    return _DoseWeight(kg, basis, note, bmi, keys)


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
    settings: ClinicSettings | None = None,
) -> DoseResult:
    """Calculate one session's dose; a value outside the protocol's range or cap is refused.

    The calculated dose is lowered to the protocol's cap (with a warning naming it); a dose the
    prescriber chose above the cap is refused. ``settings`` gives the clinic's BMI for obesity.
    """
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    settings = settings or ClinicSettings()
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
    cap = session_cap(protocol)
    weight: _DoseWeight | None = None
    devices: int | None = None
    capped = False

    if isinstance(rule, DeviceDose | FixedDose) and weight_basis is not None:
        raise ClinicalInputError(
            "weight_basis", f"protocol {protocol.id} has a fixed dose; weight does not apply"
        )
    if isinstance(rule, MgPerKgDose | MgPerKgPerHourDose):
        weight = _dose_weight(patient, rule, weight_basis, settings, warnings)
        dose, capped = _weight_based_dose(protocol, rule, weight.kg, duration, cap, overrides)
    elif isinstance(rule, FixedDose):
        _refuse_override(protocol, overrides, "dose_mg")
        if dose_mg is None:
            capped_mg, capped = _capped(_dec(rule.dose_mg), cap)
            dose = float(capped_mg)
        else:
            if cap is not None:
                cap.refuse_above("dose_mg", _dec(dose_mg))
            dose = dose_mg
        _check_range("dose_mg", dose, rule.min_mg, rule.max_mg, "mg", protocol.id)
    else:
        _refuse_override(protocol, overrides, "dose_mg")
        dose, devices = _device_dose(protocol, rule, dose_mg, session_number)

    _check_concentration(protocol, concentration_mg_per_ml)
    cap_note = cap.note(dose, capped=capped) if cap is not None else None
    if capped and cap_note is not None:
        warnings.append(cap_note)
    rate, volume, rate_ml = session_rates(dose, duration, concentration_mg_per_ml)
    extra_keys = (
        *(weight.source_keys if weight else ()),
        *(cap.source_keys if cap else ()),
        *(("ketalar-pi",) if concentration_mg_per_ml is not None else ()),
    )
    keys = tuple(dict.fromkeys((*rule.sources, *extra_keys)))
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
        weight_basis=weight.basis if weight else None,
        dose_weight_kg=weight.kg if weight else None,
        warnings=tuple(warnings),
        sources=tuple(cite(key) for key in keys),
        bmi_kg_per_m2=weight.bmi if weight else None,
        weight_basis_note=weight.note if weight else None,
        cap_note=cap_note,
    )


def _capped(raw_mg: Decimal, cap: SessionCap | None) -> tuple[Decimal, bool]:
    """A calculated dose lowered to the cap when above it, and whether it was."""
    if cap is not None and raw_mg > cap.mg:
        return cap.mg, True
    return raw_mg, False


def _weight_based_dose(
    protocol: Protocol,
    rule: MgPerKgDose | MgPerKgPerHourDose,
    weight_kg: float,
    duration: int | None,
    cap: SessionCap | None,
    overrides: dict[str, float | None],
) -> tuple[float, bool]:
    """mg from mg/kg (or mg/kg/h over the infusion), inside the range and under the cap."""
    if isinstance(rule, MgPerKgDose):
        field, unit, hours = "dose_mg_per_kg", "mg/kg", Decimal(1)
        default, low, high = rule.mg_per_kg, rule.min_mg_per_kg, rule.max_mg_per_kg
    else:
        assert duration is not None
        field, unit, hours = "dose_mg_per_kg_per_h", "mg/kg/h", Decimal(duration) / 60
        default, low, high = (
            rule.mg_per_kg_per_h,
            rule.min_mg_per_kg_per_h,
            rule.max_mg_per_kg_per_h,
        )
    _refuse_override(protocol, overrides, field)
    chosen = overrides[field]
    per_unit = default if chosen is None else chosen
    raw = _product(per_unit, weight_kg, hours)
    if chosen is not None and cap is not None:
        cap.refuse_above(field, raw, f"{_fmt(per_unit)} {unit} at {_fmt(weight_kg)} kg gives")
    _check_range(field, per_unit, low, high, unit, protocol.id)
    low_mg, high_mg = _product(low, weight_kg, hours), _product(high, weight_kg, hours)
    raw, capped = _capped(raw, cap)
    if cap is not None:
        low_mg, high_mg = min(low_mg, cap.mg), min(high_mg, cap.mg)
    return round_dose_mg(raw, low_mg, high_mg), capped


def _check_concentration(protocol: Protocol, concentration_mg_per_ml: float | None) -> None:
    if concentration_mg_per_ml is None:
        return
    if isinstance(protocol.dose, DeviceDose) or protocol.route == "sublingual":
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


def session_rates(
    dose_mg: float, duration_min: int | None, concentration_mg_per_ml: float | None
) -> tuple[float | None, float | None, float | None]:
    """The rate in mg/h over the infusion, the volume in mL and the pump rate in mL/h."""
    rate = _round(_dec(dose_mg) * 60 / duration_min, 1) if duration_min else None
    conc = _dec(concentration_mg_per_ml) if concentration_mg_per_ml else None
    volume = _round(_dec(dose_mg) / conc, 2) if conc else None
    rate_ml = _round(_dec(dose_mg) / conc * 60 / duration_min, 1) if conc and duration_min else None
    return rate, volume, rate_ml


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
