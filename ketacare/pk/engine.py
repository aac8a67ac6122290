"""One call that simulates N patients of one model: parameters, system, inputs, exact solution."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ketacare.pk import limits
from ketacare.pk._types import FloatArray, IntArray
from ketacare.pk.dosing import Inputs, regimen_inputs
from ketacare.pk.errors import PkInputError
from ketacare.pk.individual import Covariates, parameter_values
from ketacare.pk.linear import Bolus, Infusion, solve
from ketacare.pk.regimen import Regimen
from ketacare.pk.spec import ModelSpec
from ketacare.pk.system import build_system


@dataclass(frozen=True)
class BatchOutput:
    """Curves (N, P) in ng/mL and their exact AUC over the grid span in ng*h/mL."""

    conc_ng_per_ml: FloatArray
    metabolite_conc_ng_per_ml: FloatArray | None
    auc_ng_h_per_ml: FloatArray
    metabolite_auc_ng_h_per_ml: FloatArray | None
    sampling: str


def run_batch(
    spec: ModelSpec,
    regimen: Regimen,
    covariates: Covariates,
    t_min: FloatArray,
    *,
    etas: Mapping[str, FloatArray] | None = None,
    sampling: str | None = None,
    bioavailability: float | None = None,
) -> BatchOutput:
    """Simulate ``regimen`` for each patient of ``covariates`` on the grid ``t_min``."""
    check_dose_per_kg(regimen, float(covariates.weight_kg.min()))
    params = parameter_values(spec, covariates, etas)
    system = build_system(spec, params, sampling)
    inputs = regimen_inputs(
        spec, params, regimen, system.a_per_min.shape[-1], bioavailability=bioavailability
    )
    keep = reachable_states(system.a_per_min, inputs)
    a = system.a_per_min[:, keep][:, :, keep]
    c = system.c[:, :, keep]
    boluses = [Bolus(b.t_min, b.amount_mg[:, keep]) for b in inputs.boluses]
    infusions = [
        Infusion(i.start_min, i.end_min, i.rate_mg_per_min[:, keep]) for i in inputs.infusions
    ]
    solution = solve(a, c, boluses, infusions, t_min)
    auc = solution.integral / 60.0
    return BatchOutput(
        conc_ng_per_ml=solution.values[:, 0],
        metabolite_conc_ng_per_ml=solution.values[:, 1] if system.has_metabolite else None,
        auc_ng_h_per_ml=np.asarray(auc[:, 0], dtype=np.float64),
        metabolite_auc_ng_h_per_ml=(
            np.asarray(auc[:, 1], dtype=np.float64) if system.has_metabolite else None
        ),
        sampling=system.sampling,
    )


def reachable_states(a_per_min: FloatArray, inputs: Inputs) -> IntArray:
    """States that any input can reach; the others stay empty, so dropping them is exact.

    Unused route depots would otherwise triple the cost of a three-compartment model.
    """
    dosed = np.zeros(a_per_min.shape[-1], dtype=bool)
    for b in inputs.boluses:
        dosed |= np.any(b.amount_mg != 0.0, axis=0)
    for i in inputs.infusions:
        dosed |= np.any(i.rate_mg_per_min != 0.0, axis=0)
    edges = np.any(a_per_min != 0.0, axis=0)  # edges[j, i]: state i feeds state j
    reached = dosed.copy()
    while True:
        grown = reached | np.any(edges[:, reached], axis=1)
        if np.array_equal(grown, reached):
            break
        reached = grown
    if not reached.any():
        reached[0] = True
    return np.flatnonzero(reached).astype(np.int64)


def check_dose_per_kg(regimen: Regimen, weight_kg: float) -> None:
    """Refuse any single dose above 15 mg/kg (see ketacare.pk.limits)."""
    for dose in regimen.doses:
        per_kg = dose.dose_mg / weight_kg
        if per_kg > limits.DOSE_MAX_MG_PER_KG:
            raise PkInputError(
                "dose_mg",
                f"a dose of {dose.dose_mg:g} mg is {per_kg:.1f} mg/kg at {weight_kg:g} kg; "
                f"at most {limits.DOSE_MAX_MG_PER_KG:g} mg/kg is accepted",
            )


def model_warnings(
    spec: ModelSpec,
    regimen: Regimen,
    weight_kg: float,
    age_years: float,
    sampling: str,
    bioavailability: float | None,
) -> tuple[str, ...]:
    """Flags for unusual but accepted inputs and for unconfirmed values the simulation used."""
    notes: list[str] = []
    low, high = spec.weight_range_kg
    if not low <= weight_kg <= high:
        notes.append(
            f"weight {weight_kg:g} kg is outside the {low:g}-{high:g} kg of the population "
            f"{spec.id} was built on"
        )
    low, high = spec.age_range_years
    if not low <= age_years <= high:
        notes.append(
            f"age {age_years:g} years is outside the {low:g}-{high:g} years of the population "
            f"{spec.id} was built on"
        )
    if bioavailability is not None:
        notes.append(f"bioavailability set to {bioavailability:g} instead of the model's value")
    for name in sorted(_used_parameters(spec, regimen, sampling)):
        note = spec.parameters[name].unconfirmed
        if note:
            notes.append(f"{spec.id} {name} is UNCONFIRMED: {note}")
    return tuple(notes)


def _used_parameters(spec: ModelSpec, regimen: Regimen, sampling: str) -> set[str]:
    used_routes = set(regimen.routes)
    idle = {
        inp.compartment
        for route in spec.routes.values()
        if route.name not in used_routes
        for inp in route.inputs
        if inp.compartment != spec.central
    }
    for route in spec.routes.values():
        if route.name in used_routes:
            idle -= {inp.compartment for inp in route.inputs}
    names: set[str] = set()
    for comp in spec.compartments:
        if comp.name not in idle and comp.volume:
            names.add(comp.volume)
    for t in spec.transfers:
        if t.source not in idle:
            names.add(t.param)
            if t.fraction:
                names.add(t.fraction)
    for route_name in used_routes:
        route = spec.routes[route_name]
        for inp in route.inputs:
            names.update(inp.fraction)
            names.update(inp.complement)
            if inp.duration:
                names.add(inp.duration)
        if route.decline_param:
            names.add(route.decline_param)
    if sampling == "venous" and spec.sampling == "arterial" and spec.venous_rate_param:
        names.add(spec.venous_rate_param)
    return names
