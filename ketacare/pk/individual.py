"""Individual parameter values from typical values, covariates and random effects (etas).

Order of application, as the source models define it: weight scaling (allometric (W/70)^e or per
kg), the additive age effect (Perez-Ruixo Qh), the random effect (x exp(eta), or on the logit scale
for fractions), then race factors. Values come out in engine units (L, L/min, 1/min, min).

``parameter_values`` works on arrays of N patients; ``typical_values`` is the same arithmetic for
one typical patient (no random effects) in plain floats, which is what a single curve needs:
a handful of numpy calls per parameter would cost more than the whole solution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ketacare.pk._types import FloatArray, IntArray
from ketacare.pk.patient import Patient
from ketacare.pk.spec import RACES, UNIT_FACTORS, ModelSpec, Parameter


@dataclass(frozen=True)
class Covariates:
    """Covariates of N patients as arrays (race as an index into spec.RACES)."""

    weight_kg: FloatArray
    age_years: FloatArray
    female: FloatArray
    race_code: IntArray

    @property
    def size(self) -> int:
        return int(self.weight_kg.size)

    @classmethod
    def of(cls, patients: Sequence[Patient]) -> Covariates:
        return cls(
            weight_kg=np.array([p.weight_kg for p in patients], dtype=np.float64),
            age_years=np.array([p.age_years for p in patients], dtype=np.float64),
            female=np.array([p.sex == "female" for p in patients], dtype=np.float64),
            race_code=np.array([RACES.index(p.race) for p in patients], dtype=np.int64),
        )


def parameter_values(
    spec: ModelSpec, covariates: Covariates, etas: Mapping[str, FloatArray] | None = None
) -> dict[str, FloatArray]:
    """Every parameter of ``spec`` for each patient, in engine units, shape (N,)."""
    etas = etas or {}
    return {name: _value(p, covariates, etas.get(name)) for name, p in spec.parameters.items()}


def _value(p: Parameter, cov: Covariates, eta: FloatArray | None) -> FloatArray:
    value = np.full(cov.size, p.value)
    if p.weight_scaling == "allometric":
        value = value * (cov.weight_kg / p.reference_weight_kg) ** p.weight_exponent
    elif p.weight_scaling == "per_kg":
        value = value * cov.weight_kg
    if p.age_effect is not None:
        years_above = np.maximum(0.0, cov.age_years - p.age_effect.above_years)
        value = value + p.age_effect.slope_per_year * years_above
    if eta is not None:
        if p.transform == "logit":
            value = 1.0 / (1.0 + np.exp(-(np.log(value / (1.0 - value)) + eta)))
        else:
            value = value * np.exp(eta)
    asian = (cov.race_code == RACES.index("asian")) | (cov.race_code == RACES.index("japanese"))
    japanese = cov.race_code == RACES.index("japanese")
    if "asian" in p.race_factors:
        value = np.where(asian, value * p.race_factors["asian"], value)
    if "japanese" in p.race_factors:
        value = np.where(japanese, value * p.race_factors["japanese"], value)
    if p.transform == "logit":
        value = np.minimum(value, 1.0)
    return np.asarray(value * p.factor_to_engine, dtype=np.float64)


def typical_values(spec: ModelSpec, patient: Patient) -> dict[str, float]:
    """Every parameter of ``spec`` for one patient without random effects, in engine units."""
    return {name: _typical_value(p, patient) for name, p in spec.parameters.items()}


def _typical_value(p: Parameter, patient: Patient) -> float:
    """``_value`` for one patient and eta 0, in the same order of operations."""
    value = p.value
    if p.weight_scaling == "allometric":
        value = value * (patient.weight_kg / p.reference_weight_kg) ** p.weight_exponent
    elif p.weight_scaling == "per_kg":
        value = value * patient.weight_kg
    if p.age_effect is not None:
        years_above = max(0.0, patient.age_years - p.age_effect.above_years)
        value = value + p.age_effect.slope_per_year * years_above
    if p.race_factors and patient.race != "non_asian":
        value = value * p.race_factors.get("asian", 1.0)
        if patient.race == "japanese":
            value = value * p.race_factors.get("japanese", 1.0)
    if p.transform == "logit":
        value = min(value, 1.0)
    return float(value * UNIT_FACTORS[p.unit])
