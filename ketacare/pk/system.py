"""Turn a model and individual parameters into the matrices of x' = A x + u, y = C x.

States are amounts (mg) in the model's compartments; A is per minute. Output rows give
concentrations in ng/mL: the parent in the central compartment and, where the model has one, the
metabolite. A venous output adds, per output, a first-order delay state
C_ven' = k (C_art - C_ven) (pharmacokinetics.md section 4.1), fed by the arterial concentration.

The structure (which entry of A and C gets which product of parameters) is worked out once per
call by ``layout`` and then evaluated either for N patients at once (``build_system``, arrays) or
for one patient (``one_patient_matrices``, plain floats), so both paths read the model the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ketacare.pk._types import FloatArray
from ketacare.pk.errors import PkInputError
from ketacare.pk.spec import ModelSpec
from ketacare.pk.units import NG_PER_ML_PER_MG_PER_L


@dataclass(frozen=True)
class LinearSystem:
    """A (N, n, n) per minute, C (N, m, n) amounts -> ng/mL; output 0 is the parent drug."""

    a_per_min: FloatArray
    c: FloatArray
    state_names: tuple[str, ...]
    sampling: str
    has_metabolite: bool


#: ``(row, col, scale, numerator, denominator, share)``: the entry (row, col) of A or C gains
#: scale * numerator / denominator * share, each name a parameter and None meaning 1. A plain
#: tuple because a single curve builds a few dozen of them per call.
Term = tuple[int, int, float, str | None, str | None, str | None]


class Layout(NamedTuple):
    """Where each parameter enters A (``a_terms``) and C (``c_terms``) for one sampling site.

    ``states`` are the model states the layout keeps (indices into compartments, then venous
    delay states), numbered 0 .. n_states-1 in the terms in that order.
    """

    states: tuple[int, ...]
    n_out: int
    a_terms: tuple[Term, ...]
    c_terms: tuple[Term, ...]
    sampling: str
    has_metabolite: bool

    @property
    def n_states(self) -> int:
        return len(self.states)


def resolve_sampling(spec: ModelSpec, sampling: str | None) -> str:
    """The sampling site the output will be, or a PkInputError when the model cannot give it."""
    if sampling is None or sampling == spec.sampling:
        return spec.sampling
    if sampling not in ("arterial", "venous"):
        raise PkInputError("sampling", f"sampling must be 'arterial' or 'venous', not {sampling!r}")
    if spec.sampling == "arterial" and sampling == "venous" and spec.venous_rate_param:
        return "venous"
    if spec.sampling == "unspecified":
        raise PkInputError(
            "sampling",
            f"model {spec.id!r} does not state where its samples were drawn; omit --sampling",
        )
    raise PkInputError(
        "sampling",
        f"model {spec.id!r} was fitted to {spec.sampling} samples; "
        f"{sampling} output is not available from it",
    )


def layout(
    spec: ModelSpec, sampling: str | None = None, dosed: Collection[int] | None = None
) -> Layout:
    """The terms of A and C for ``spec`` read at ``sampling`` (checked, see resolve_sampling).

    With ``dosed`` (compartment indices that receive a dose) only the states those doses can
    reach along the transfers are kept: the others stay empty whatever the parameters, so
    leaving them out is exact, and a single curve then never assembles unused route depots.
    """
    site = resolve_sampling(spec, sampling)
    at: dict[str, int] = {}
    volume: dict[str, str | None] = {}
    for k, comp in enumerate(spec.compartments):
        at[comp.name] = k
        volume[comp.name] = comp.volume
    read = [(at[spec.central], volume[spec.central], 1.0)]
    if spec.metabolite is not None:
        met = spec.metabolite
        read.append((at[met.compartment], volume[met.compartment], met.mass_factor))
    venous = site == "venous" and spec.sampling == "arterial"
    n_base = len(spec.compartments)
    n_all = n_base + (len(read) if venous else 0)
    if dosed is None:
        keep = list(range(n_all))
    else:
        edges = []
        for t in spec.transfers:
            if t.target is not None:
                edges.append((at[t.source], at[t.target]))
                if t.kind == "flow":  # a flow also runs back
                    edges.append((at[t.target], at[t.source]))
        if venous:
            edges += [(index, n_base + row) for row, (index, _, _) in enumerate(read)]
        keep = _reach(edges, dosed)
    new = {state: k for k, state in enumerate(keep)}

    a_terms: list[Term] = []
    for t in spec.transfers:
        if at[t.source] not in new:
            continue
        i = new[at[t.source]]
        if t.kind == "flow":  # both directions, each rate the flow over the volume it leaves
            assert t.target is not None
            j = new[at[t.target]]
            a_terms += [
                (i, i, -1.0, t.param, volume[t.source], None),
                (j, i, 1.0, t.param, volume[t.source], None),
                (j, j, -1.0, t.param, volume[t.target], None),
                (i, j, 1.0, t.param, volume[t.target], None),
            ]
            continue
        if t.kind == "clearance":
            scale, numerator, denominator = 1.0, t.param, volume[t.source]
        elif t.kind == "rate":
            scale, numerator, denominator = 1.0, t.param, None
        else:  # transit: chain / mean transit time
            scale, numerator, denominator = float(t.chain), None, t.param
        a_terms.append((i, i, -scale, numerator, denominator, None))
        if t.target is not None:
            a_terms.append((new[at[t.target]], i, scale, numerator, denominator, t.fraction))

    c_terms: list[Term] = []
    for row, (index, vol, factor) in enumerate(read):
        if index not in new:
            continue
        to_conc = NG_PER_ML_PER_MG_PER_L * factor
        if venous:
            assert spec.venous_rate_param is not None
            k_ven = spec.venous_rate_param
            v = new[n_base + row]  # holds the venous concentration in ng/mL
            a_terms += [(v, new[index], to_conc, k_ven, vol, None), (v, v, -1.0, k_ven, None, None)]
            c_terms.append((row, v, 1.0, None, None, None))
        else:
            c_terms.append((row, new[index], to_conc, None, vol, None))
    return Layout(
        states=tuple(keep),
        n_out=len(read),
        a_terms=tuple(a_terms),
        c_terms=tuple(c_terms),
        sampling=site,
        has_metabolite=spec.metabolite is not None,
    )


def _reach(edges: list[tuple[int, int]], dosed: Collection[int]) -> list[int]:
    """The dosed states and every state an edge (source, target) leads to from them, sorted."""
    feeds: dict[int, list[int]] = {}
    for source, target in edges:
        feeds.setdefault(source, []).append(target)
    reached = set(dosed)
    todo = list(reached)
    while todo:
        for target in feeds.get(todo.pop(), ()):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    return sorted(reached) or [0]


def build_system(
    spec: ModelSpec, params: Mapping[str, FloatArray], sampling: str | None = None
) -> LinearSystem:
    """The linear system of ``spec`` for N patients (params arrays of shape (N,))."""
    shape = layout(spec, sampling)
    n_pat = next(iter(params.values())).size
    a = np.zeros((n_pat, shape.n_states, shape.n_states))
    for term in shape.a_terms:
        a[:, term[0], term[1]] += _term_values(term, params, n_pat)
    c = np.zeros((n_pat, shape.n_out, shape.n_states))
    for term in shape.c_terms:
        c[:, term[0], term[1]] += _term_values(term, params, n_pat)
    names = [comp.name for comp in spec.compartments]
    names += [f"venous_{row}" for row in range(shape.n_states - len(names))]
    return LinearSystem(
        a_per_min=a,
        c=c,
        state_names=tuple(names),
        sampling=shape.sampling,
        has_metabolite=shape.has_metabolite,
    )


def one_patient_matrices(
    shape: Layout, params: Mapping[str, float]
) -> tuple[FloatArray, FloatArray]:
    """A (n, n) and C (m, n) of one patient.

    Assembled in plain Python floats: for one patient a few dozen scalar products cost less
    than as many numpy calls.
    """
    n_states = len(shape.states)
    a = [[0.0] * n_states for _ in range(n_states)]
    for row, col, scale, numerator, denominator, share in shape.a_terms:
        a[row][col] += _term_value(scale, numerator, denominator, share, params)
    c = [[0.0] * n_states for _ in range(shape.n_out)]
    for row, col, scale, numerator, denominator, share in shape.c_terms:
        c[row][col] += _term_value(scale, numerator, denominator, share, params)
    return np.array(a), np.array(c)


def _term_values(term: Term, params: Mapping[str, FloatArray], n_pat: int) -> FloatArray:
    _, _, scale, numerator, denominator, share = term
    value = np.full(n_pat, scale)
    if numerator is not None:
        value = value * params[numerator]
    if denominator is not None:
        value = value / params[denominator]
    if share is not None:
        value = value * params[share]
    return value


def _term_value(
    scale: float,
    numerator: str | None,
    denominator: str | None,
    share: str | None,
    params: Mapping[str, float],
) -> float:
    value = scale
    if numerator is not None:
        value *= params[numerator]
    if denominator is not None:
        value /= params[denominator]
    if share is not None:
        value *= params[share]
    return value
