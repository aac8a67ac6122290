"""Simulate one model: N patients at once (``run_batch``) or one typical patient (``run_one``).

Both go parameters -> linear system -> inputs -> exact solution and give the same curves to
rounding. ``run_batch`` works on arrays of patients and the exact discretisation of ``linear``;
``run_one`` is the path of a single ``simulate`` call, where per-patient array overhead would
dominate: plain floats up to the matrices, then the modal sum of exponentials of ``modal``, and the
batch solver for N = 1 when A has no trustworthy eigenbasis (equal transit rates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ketacare.pk import limits
from ketacare.pk._types import FloatArray, IntArray
from ketacare.pk.dosing import (
    Inputs,
    bioavailability_params,
    dose_parts,
    one_patient_inputs,
    regimen_inputs,
)
from ketacare.pk.errors import PkInputError
from ketacare.pk.individual import Covariates, parameter_values, typical_values
from ketacare.pk.linear import Bolus, Infusion, StateBolus, StateInfusion, solve
from ketacare.pk.modal import ModalSolution, solve_modal
from ketacare.pk.patient import Patient
from ketacare.pk.regimen import Regimen
from ketacare.pk.spec import ModelSpec
from ketacare.pk.system import Layout, build_system, layout, one_patient_matrices


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


def run_one(
    spec: ModelSpec,
    regimen: Regimen,
    patient: Patient,
    t_min: FloatArray,
    *,
    sampling: str | None = None,
    bioavailability: float | None = None,
) -> BatchOutput:
    """``run_batch`` for one typical patient (no random effects), as a batch of one.

    Same parameters, system and inputs as the batch path, assembled in plain floats over the
    states the doses reach; solved as a sum of exponentials when A has a well-conditioned
    eigenbasis, else (equal or nearly equal rates) by the batch solver for N = 1.
    """
    check_dose_per_kg(regimen, patient.weight_kg)
    shape, a, c, boluses, infusions = _one_patient_problem(
        spec, regimen, patient, sampling, bioavailability
    )
    solution = solve_modal(a, c, boluses, infusions, t_min)
    if solution is None:
        solution = _solve_as_batch(a, c, boluses, infusions, t_min)
    # A compartmental system fed non-negative inputs never holds a negative amount; where terms
    # cancel (just after a dose into a depot or a transit chain) rounding can give -1e-17 x peak.
    np.maximum(solution.values, 0.0, out=solution.values)
    auc = solution.integral / 60.0
    return BatchOutput(
        conc_ng_per_ml=solution.values[None, 0],
        metabolite_conc_ng_per_ml=solution.values[None, 1] if shape.has_metabolite else None,
        auc_ng_h_per_ml=auc[None, 0],
        metabolite_auc_ng_h_per_ml=auc[None, 1] if shape.has_metabolite else None,
        sampling=shape.sampling,
    )


def _one_patient_problem(
    spec: ModelSpec,
    regimen: Regimen,
    patient: Patient,
    sampling: str | None,
    bioavailability: float | None,
) -> tuple[Layout, FloatArray, FloatArray, list[StateBolus], list[StateInfusion]]:
    """The layout, A, C and the inputs of one patient, numbered over the states doses reach."""
    parts = dose_parts(spec, regimen)
    values = typical_values(spec, patient)
    if bioavailability is not None:
        for name in bioavailability_params(spec, regimen, bioavailability):
            values[name] = bioavailability
    boluses, infusions = one_patient_inputs(parts, values)
    dosed = {b.state for b in boluses if b.amount_mg != 0.0}
    dosed.update(i.state for i in infusions if i.rate_mg_per_min != 0.0)
    shape = layout(spec, sampling, dosed)
    a, c = one_patient_matrices(shape, values)
    at = {state: k for k, state in enumerate(shape.states)}
    return (
        shape,
        a,
        c,
        [StateBolus(b.t_min, at[b.state], b.amount_mg) for b in boluses if b.state in at],
        [
            StateInfusion(i.start_min, i.end_min, at[i.state], i.rate_mg_per_min)
            for i in infusions
            if i.state in at
        ],
    )


def _solve_as_batch(
    a_per_min: FloatArray,
    c: FloatArray,
    boluses: Sequence[StateBolus],
    infusions: Sequence[StateInfusion],
    t_min: FloatArray,
) -> ModalSolution:
    """The exact-discretisation solver for a batch of one (A without a usable eigenbasis)."""
    n_states = a_per_min.shape[0]

    def into(state: int, amount: float) -> FloatArray:
        vector = np.zeros((1, n_states))
        vector[0, state] = amount
        return vector

    solution = solve(
        a_per_min[None],
        c[None],
        [Bolus(b.t_min, into(b.state, b.amount_mg)) for b in boluses],
        [Infusion(i.start_min, i.end_min, into(i.state, i.rate_mg_per_min)) for i in infusions],
        t_min,
    )
    return ModalSolution(values=solution.values[0], integral=solution.integral[0])


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
