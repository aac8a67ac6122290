"""Target-controlled infusion (plasma) and a manual step-down scheme for plain pumps.

Plasma targeting follows Jacobs 1990 (IEEE Trans Biomed Eng 37:107, doi 10.1109/10.43622): every
update interval the plasma concentration at the end of the interval is affine in the rate, so the
rate that lands on the target is (target - free response) / unit response, clamped to
[0, maximum rate]; the state then moves with the rate actually given. Both responses come from the
exact discretisation Phi = exp(A dt), Gamma = integral of exp(A s) b over the interval, computed
from the augmented matrix [[A, b], [0, 0]] (pharmacokinetics.md sections 4.4 and 4.5).

Effect-site targeting (Shafer & Gregg 1992) needs a published ke0; none exists for ketamine or
esketamine (pharmacokinetics.md section 1.7), so it is not offered.

The step-down scheme (after Bailey, PMID 8424544) gives a few constant rates, each chosen so that
the plasma concentration is on target at the end of its step; its worst deviation is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketacare.pk._types import FloatArray
from ketacare.pk.catalog import resolve_model
from ketacare.pk.engine import run_batch
from ketacare.pk.errors import PkInputError
from ketacare.pk.expm import expm
from ketacare.pk.grid import uniform_grid
from ketacare.pk.individual import Covariates, parameter_values
from ketacare.pk.patient import Patient
from ketacare.pk.regimen import Dose, Regimen
from ketacare.pk.spec import ModelSpec
from ketacare.pk.system import build_system

#: STANPUMP's maximum ketamine rate, 0.75 mg/kg/min (pharmacokinetics.md section 1.1, [T]).
DEFAULT_MAX_RATE_MG_PER_KG_PER_MIN = 0.75
#: Concentrations a TCI may target: up to the top of the anaesthesia band (2400 ng/mL, Zanos 2018
#: Table 1) with room to 5000 ng/mL; nothing above.
TARGET_MAX_NG_PER_ML = 5000.0
DURATION_MAX_MIN = 7 * 24 * 60.0


@dataclass(frozen=True)
class StepDownScheme:
    """A few fixed rates: step k runs from ``start_min[k]`` to the next start (last: the end)."""

    start_min: tuple[float, ...]
    rate_mg_per_h: tuple[float, ...]
    end_min: float
    max_deviation_percent: float
    deviation_from_min: float

    def as_json(self) -> dict[str, Any]:
        return {
            "steps": [
                {"start_min": s, "rate_mg_per_h": r}
                for s, r in zip(self.start_min, self.rate_mg_per_h, strict=True)
            ],
            "end_min": self.end_min,
            "max_deviation_percent": self.max_deviation_percent,
            "deviation_from_min": self.deviation_from_min,
        }


@dataclass(frozen=True)
class TciResult:
    """The rate schedule of a plasma TCI and the predicted plasma curve."""

    model_id: str
    source: str
    target_ng_per_ml: float
    update_s: float
    max_rate_mg_per_h: float
    start_min: FloatArray
    rate_mg_per_h: FloatArray
    t_min: FloatArray
    conc_ng_per_ml: FloatArray
    total_dose_mg: float
    step_down: StepDownScheme

    @property
    def regimen(self) -> Regimen:
        """The schedule as consecutive IV infusions (zero-rate intervals left out)."""
        step_min = self.update_s / 60.0
        return Regimen(
            tuple(
                Dose(float(t), "iv", float(r) * step_min / 60.0, step_min)
                for t, r in zip(self.start_min, self.rate_mg_per_h, strict=True)
                if r > 0.0
            )
        )

    def max_deviation_percent(self, after_min: float = 1.0) -> float:
        """Largest |C - target| / target on the result grid from ``after_min`` on."""
        mask = self.t_min >= after_min
        dev = np.abs(self.conc_ng_per_ml[mask] - self.target_ng_per_ml)
        return float(dev.max() / self.target_ng_per_ml * 100.0)

    def as_json(self) -> dict[str, Any]:
        """The JSON document of ``ketacare pk tci --json``."""
        return {
            "model": self.model_id,
            "source": self.source,
            "target_ng_per_ml": self.target_ng_per_ml,
            "update_s": self.update_s,
            "max_rate_mg_per_h": self.max_rate_mg_per_h,
            "schedule": [
                {"start_min": float(t), "rate_mg_per_h": float(r)}
                for t, r in zip(self.start_min, self.rate_mg_per_h, strict=True)
            ],
            "t_min": self.t_min.tolist(),
            "conc_ng_per_ml": self.conc_ng_per_ml.tolist(),
            "total_dose_mg": self.total_dose_mg,
            "max_deviation_after_1_min_percent": self.max_deviation_percent(1.0),
            "step_down": self.step_down.as_json(),
        }


def tci_plasma(
    target_ng_per_ml: float,
    duration_min: float,
    patient: Patient,
    *,
    drug: str = "ketamine",
    model_id: str | None = None,
    max_rate_mg_per_h: float | None = None,
    update_s: float = 10.0,
    output_step_s: float = 10.0,
    manual_steps: int = 3,
) -> TciResult:
    """Plasma-targeted infusion holding ``target_ng_per_ml`` for ``duration_min`` (Jacobs 1990)."""
    spec = resolve_model(drug, "iv", model_id)
    _check_target(target_ng_per_ml, duration_min)
    if not (1.0 <= update_s <= 60.0):
        raise PkInputError("update_s", f"update_s must be 1-60 s, got {update_s:g}")
    if not (1 <= manual_steps <= 6):
        raise PkInputError("manual_steps", f"manual_steps must be 1-6, got {manual_steps}")
    max_rate = _max_rate(max_rate_mg_per_h, patient.weight_kg)
    a, b, c = _central_system(spec, patient)
    step_min = update_s / 60.0
    phi, gamma = _discretise(a, b, step_min)
    n_steps = math.ceil(duration_min / step_min - 1e-9)
    free = c @ phi
    gain = float(c @ gamma)
    rates = np.empty(n_steps)
    x = np.zeros(a.shape[0])
    for k in range(n_steps):
        rate = (target_ng_per_ml - float(free @ x)) / gain
        rate = min(max(rate, 0.0), max_rate / 60.0)
        rates[k] = rate
        x = phi @ x + gamma * rate
    start = np.arange(n_steps, dtype=np.float64) * step_min
    rate_mg_per_h = rates * 60.0
    result_grid = uniform_grid(duration_min, output_step_s / 60.0)
    schedule = Regimen(
        tuple(
            Dose(float(t), "iv", float(r) * step_min, step_min)
            for t, r in zip(start, rates, strict=True)
            if r > 0.0
        )
    )
    curve = _curve(spec, patient, schedule, result_grid)
    return TciResult(
        model_id=spec.id,
        source=spec.citation,
        target_ng_per_ml=target_ng_per_ml,
        update_s=update_s,
        max_rate_mg_per_h=max_rate,
        start_min=start,
        rate_mg_per_h=rate_mg_per_h,
        t_min=result_grid,
        conc_ng_per_ml=curve,
        total_dose_mg=float(rates.sum() * step_min),
        step_down=step_down_scheme(
            target_ng_per_ml,
            duration_min,
            patient,
            drug=drug,
            model_id=spec.id,
            steps=manual_steps,
            max_rate_mg_per_h=max_rate,
        ),
    )


def step_down_scheme(
    target_ng_per_ml: float,
    duration_min: float,
    patient: Patient,
    *,
    drug: str = "ketamine",
    model_id: str | None = None,
    steps: int = 3,
    first_step_min: float = 5.0,
    max_rate_mg_per_h: float | None = None,
) -> StepDownScheme:
    """``steps`` constant rates with geometrically growing steps, each ending on target."""
    spec = resolve_model(drug, "iv", model_id)
    _check_target(target_ng_per_ml, duration_min)
    max_rate = _max_rate(max_rate_mg_per_h, patient.weight_kg)
    a, b, c = _central_system(spec, patient)
    first = min(first_step_min, duration_min)
    if steps == 1:
        ends = [duration_min]
    else:
        ratio = (duration_min / first) ** (1.0 / (steps - 1))
        ends = [first * ratio**k for k in range(steps - 1)] + [duration_min]
    starts = [0.0] + ends[:-1]
    x = np.zeros(a.shape[0])
    rates: list[float] = []
    for lo, hi in zip(starts, ends, strict=True):
        phi, gamma = _discretise(a, b, hi - lo)
        rate = (target_ng_per_ml - float(c @ phi @ x)) / float(c @ gamma)
        rate = min(max(rate, 0.0), max_rate / 60.0)
        rates.append(rate * 60.0)
        x = phi @ x + gamma * rate
    regimen = Regimen(
        tuple(
            Dose(lo, "iv", r / 60.0 * (hi - lo), hi - lo)
            for lo, hi, r in zip(starts, ends, rates, strict=True)
            if r > 0.0
        )
    )
    grid = uniform_grid(duration_min, 10.0 / 60.0)
    curve = _curve(spec, patient, regimen, grid)
    mask = grid >= first
    deviation = np.abs(curve[mask] - target_ng_per_ml).max() / target_ng_per_ml * 100.0
    return StepDownScheme(
        start_min=tuple(starts),
        rate_mg_per_h=tuple(rates),
        end_min=duration_min,
        max_deviation_percent=float(deviation),
        deviation_from_min=first,
    )


def _check_target(target_ng_per_ml: float, duration_min: float) -> None:
    if not (math.isfinite(target_ng_per_ml) and 0.0 < target_ng_per_ml <= TARGET_MAX_NG_PER_ML):
        raise PkInputError(
            "target_ng_per_ml",
            f"target_ng_per_ml must be above 0 and at most {TARGET_MAX_NG_PER_ML:g} ng/mL, "
            f"got {target_ng_per_ml:g}",
        )
    if not (math.isfinite(duration_min) and 1.0 <= duration_min <= DURATION_MAX_MIN):
        raise PkInputError(
            "duration_min",
            f"duration_min must be 1 to {DURATION_MAX_MIN:g} min, got {duration_min:g}",
        )


def _max_rate(max_rate_mg_per_h: float | None, weight_kg: float) -> float:
    ceiling = DEFAULT_MAX_RATE_MG_PER_KG_PER_MIN * weight_kg * 60.0
    if max_rate_mg_per_h is None:
        return ceiling
    if not (math.isfinite(max_rate_mg_per_h) and 0.0 < max_rate_mg_per_h <= ceiling):
        raise PkInputError(
            "max_rate_mg_per_h",
            f"max_rate_mg_per_h must be above 0 and at most {ceiling:g} mg/h "
            f"(0.75 mg/kg/min at {weight_kg:g} kg), got {max_rate_mg_per_h:g}",
        )
    return max_rate_mg_per_h


def _central_system(spec: ModelSpec, patient: Patient) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A (n, n), unit-rate input b into the IV compartment, and the plasma output row c."""
    params = parameter_values(spec, Covariates.of([patient]))
    system = build_system(spec, params)
    a = system.a_per_min[0]
    b = np.zeros(a.shape[0])
    b[spec.compartment_index(spec.routes["iv"].inputs[0].compartment)] = 1.0
    return a, b, system.c[0, 0]


def _discretise(a: FloatArray, b: FloatArray, dt_min: float) -> tuple[FloatArray, FloatArray]:
    """Phi = exp(A dt) and Gamma = integral_0^dt exp(A s) b ds, from one augmented exponential."""
    n = a.shape[0]
    augmented = np.zeros((n + 1, n + 1))
    augmented[:n, :n] = a * dt_min
    augmented[:n, n] = b * dt_min
    e = expm(augmented)
    return e[:n, :n], e[:n, n]


def _curve(spec: ModelSpec, patient: Patient, regimen: Regimen, grid: FloatArray) -> FloatArray:
    out = run_batch(spec, regimen, Covariates.of([patient]), grid)
    return np.asarray(out.conc_ng_per_ml[0], dtype=np.float64)
