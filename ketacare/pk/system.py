"""Turn a model and individual parameters into the matrices of x' = A x + u, y = C x.

States are amounts (mg) in the model's compartments; A is per minute. Output rows give
concentrations in ng/mL: the parent in the central compartment and, where the model has one, the
metabolite. A venous output adds, per output, a first-order delay state
C_ven' = k (C_art - C_ven) (pharmacokinetics.md section 4.1), fed by the arterial concentration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def build_system(
    spec: ModelSpec, params: Mapping[str, FloatArray], sampling: str | None = None
) -> LinearSystem:
    """The linear system of ``spec`` for N patients (params arrays of shape (N,))."""
    site = resolve_sampling(spec, sampling)
    n_pat = next(iter(params.values())).size
    names = [c.name for c in spec.compartments]
    volumes = {c.name: params[c.volume] for c in spec.compartments if c.volume is not None}
    n_base = len(names)
    has_met = spec.metabolite is not None
    n_out = 2 if has_met else 1
    venous = site == "venous" and spec.sampling == "arterial"
    n_states = n_base + (n_out if venous else 0)
    a = np.zeros((n_pat, n_states, n_states))

    for t in spec.transfers:
        i = names.index(t.source)
        if t.kind == "clearance":
            k = params[t.param] / volumes[t.source]
        elif t.kind == "rate":
            k = params[t.param]
        elif t.kind == "transit":
            k = t.chain / params[t.param]
        else:  # flow between two compartments, both directions
            assert t.target is not None
            j = names.index(t.target)
            forward = params[t.param] / volumes[t.source]
            back = params[t.param] / volumes[t.target]
            a[:, i, i] -= forward
            a[:, j, i] += forward
            a[:, j, j] -= back
            a[:, i, j] += back
            continue
        a[:, i, i] -= k
        if t.target is not None:
            share = params[t.fraction] if t.fraction is not None else 1.0
            a[:, names.index(t.target), i] += k * share

    read = [(names.index(spec.central), volumes[spec.central], 1.0)]
    if spec.metabolite is not None:
        met = spec.metabolite
        read.append((names.index(met.compartment), volumes[met.compartment], met.mass_factor))
    c = np.zeros((n_pat, n_out, n_states))
    state_names = list(names)
    for row, (index, volume, factor) in enumerate(read):
        to_conc = NG_PER_ML_PER_MG_PER_L * factor / volume
        if venous:
            assert spec.venous_rate_param is not None
            k_ven = params[spec.venous_rate_param]
            v = n_base + row
            # state v holds the venous concentration in ng/mL
            a[:, v, index] += k_ven * to_conc
            a[:, v, v] -= k_ven
            c[:, row, v] = 1.0
            state_names.append(f"venous_{row}")
        else:
            c[:, row, index] = to_conc
    return LinearSystem(
        a_per_min=a,
        c=c,
        state_names=tuple(state_names),
        sampling=site,
        has_metabolite=has_met,
    )
