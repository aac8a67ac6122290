"""Exact solution of x' = A x + u(t) for piecewise-constant inputs, vectorised over patients.

Between two input changes (a bolus, the start or end of an infusion) the input u is constant, so
x(s + tau) = x* + exp(A tau) (x(s) - x*) with x* = -A^-1 u, the state the system would settle to.
That is the exact discretisation of pharmacokinetics.md section 4.4 written around the steady
state. On a uniform grid of step h the outputs at s + delta + k h are C x* + (C Phi^k) exp(A delta)
(x(s) - x*) with Phi = exp(A h); the row table C Phi^k is built by repeated doubling, so a
14 401-point curve costs a few batched matrix products instead of a Python loop over time. Any
other grid uses one batched matrix exponential per point. The area under each output over the
grid span is exact too: the integral of x over a segment is x* L + A^-1 (x(e) - x(s)).

All times are minutes, amounts mg, and the output matrix C turns amounts into the reported
concentration unit. Nothing here knows about drugs or models.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ketacare.pk._types import FloatArray
from ketacare.pk.expm import expm

#: Budget (float64 values) for the per-chunk row tables and per-point exponentials.
_CHUNK_VALUES = 4_000_000


@dataclass(frozen=True)
class Bolus:
    """An instantaneous amount (N, n) added to the states at ``t_min``."""

    t_min: float
    amount_mg: FloatArray


@dataclass(frozen=True)
class Infusion:
    """A constant input (N, n) in mg/min into the states from ``start_min`` to ``end_min``."""

    start_min: float
    end_min: float
    rate_mg_per_min: FloatArray


class StateBolus(NamedTuple):
    """One patient's ``amount_mg`` added to state ``state`` at ``t_min``."""

    t_min: float
    state: int
    amount_mg: float


class StateInfusion(NamedTuple):
    """One patient's constant input into state ``state`` from ``start_min`` to ``end_min``."""

    start_min: float
    end_min: float
    state: int
    rate_mg_per_min: float


@dataclass(frozen=True)
class LinearSolution:
    """Outputs (N, m, P) on the grid and their exact integral (N, m) over the grid span (min)."""

    values: FloatArray
    integral: FloatArray


def is_uniform(t_min: FloatArray) -> bool:
    """True when the grid has one step (to 1e-9 of it), so the uniform-grid paths apply."""
    if t_min.size < 3:
        return True
    steps = np.diff(t_min)
    step = (t_min[-1] - t_min[0]) / (t_min.size - 1)
    tolerance = 1e-9 * max(step, 1e-300)
    return bool(steps.max() - step <= tolerance and step - steps.min() <= tolerance)


def breakpoints(
    bolus_times: Iterable[float],
    infusion_spans: Iterable[tuple[float, float]],
    t_first: float,
    t_last: float,
) -> list[float]:
    """Sorted times at which the input changes, with both ends of the grid.

    Inputs after ``t_last`` cannot change the outputs and are left out; infusions are cut there.
    """
    times = {t_first, t_last}
    times.update(t for t in bolus_times if t <= t_last)
    for start, end in infusion_spans:
        if start < t_last and end > start:
            times.add(start)
            times.add(min(end, t_last))
    return sorted(times)


def solve(
    a_per_min: FloatArray,
    c: FloatArray,
    boluses: Sequence[Bolus],
    infusions: Sequence[Infusion],
    t_min: FloatArray,
) -> LinearSolution:
    """Outputs C x(t) on the grid ``t_min`` for x(-inf) = 0 and the given inputs.

    ``a_per_min`` is (N, n, n), ``c`` is (N, m, n). Inputs after the last grid time are ignored;
    inputs before the first grid time are integrated (the state starts empty at the first input).
    """
    n_pat, n_states = a_per_min.shape[0], a_per_min.shape[-1]
    n_out = c.shape[1]
    grid = np.asarray(t_min, dtype=np.float64)
    t_first, t_last = float(grid[0]), float(grid[-1])

    breaks = np.array(
        breakpoints(
            (b.t_min for b in boluses),
            ((i.start_min, i.end_min) for i in infusions),
            t_first,
            t_last,
        ),
        dtype=np.float64,
    )
    n_seg = breaks.size
    lengths = np.append(np.diff(breaks), 0.0)

    bolus_at = np.zeros((n_seg, n_pat, n_states))
    for b in boluses:
        if b.t_min <= t_last:
            bolus_at[int(np.searchsorted(breaks, b.t_min))] += b.amount_mg
    rate_on = np.zeros((n_seg, n_pat, n_states))
    for inf in infusions:
        if inf.start_min < t_last and inf.end_min > inf.start_min:
            first = int(np.searchsorted(breaks, inf.start_min))
            last = int(np.searchsorted(breaks, min(inf.end_min, t_last)))
            rate_on[first:last] += inf.rate_mg_per_min

    seg_of_point = np.searchsorted(breaks, grid, side="right") - 1
    starts = np.searchsorted(seg_of_point, np.arange(n_seg), side="left")
    ends = np.searchsorted(seg_of_point, np.arange(n_seg), side="right")
    uniform = is_uniform(grid)
    step = (t_last - t_first) / (grid.size - 1) if grid.size > 1 else 0.0
    deltas = np.where(ends > starts, grid[np.minimum(starts, grid.size - 1)] - breaks, 0.0)

    # One batched call for exp(A L) of every segment, exp(A delta) of every segment and Phi.
    exps = _exp_of_multiples(a_per_min, np.concatenate([lengths, deltas, [step]]))
    exp_len, exp_delta, phi = exps[:, :n_seg], exps[:, n_seg : 2 * n_seg], exps[:, -1]
    a_inv = np.linalg.inv(a_per_min)
    c_a_inv = c @ a_inv

    rows: FloatArray | None = None
    if uniform and grid.size > 1:
        rows = _row_table(c, phi, int((ends - starts).max()))

    values = np.zeros((n_pat, n_out, grid.size))
    integral = np.zeros((n_pat, n_out))
    x = np.zeros((n_pat, n_states))
    for i in range(n_seg):
        x = x + bolus_at[i]
        active = bool(np.any(rate_on[i]))
        x_star = -np.einsum("pij,pj->pi", a_inv, rate_on[i]) if active else np.zeros_like(x)
        dev = x - x_star
        lo, hi = int(starts[i]), int(ends[i])
        if hi > lo:
            base = np.einsum("pmj,pj->pm", c, x_star)[:, :, None]
            if rows is not None:
                shifted = np.einsum("pij,pj->pi", exp_delta[:, i], dev)
                block = rows[:, : hi - lo].reshape(n_pat, (hi - lo) * n_out, n_states)
                moved = (block @ shifted[:, :, None]).reshape(n_pat, hi - lo, n_out)
                values[:, :, lo:hi] = base + moved.transpose(0, 2, 1)
            else:
                values[:, :, lo:hi] = base + _outputs_any_grid(
                    a_per_min, c, dev, grid[lo:hi] - breaks[i]
                )
        x_end = x_star + np.einsum("pij,pj->pi", exp_len[:, i], dev)
        if lengths[i] > 0.0 and breaks[i] >= t_first:
            integral += np.einsum("pmj,pj->pm", c, x_star) * lengths[i]
            integral += np.einsum("pmj,pj->pm", c_a_inv, x_end - x)
        x = x_end
    return LinearSolution(values=values, integral=integral)


def _exp_of_multiples(a_per_min: FloatArray, scalars: FloatArray) -> FloatArray:
    """exp(A s) for each scalar s, shaped (N, len(scalars), n, n); each distinct s computed once."""
    n_pat, n_states = a_per_min.shape[0], a_per_min.shape[-1]
    distinct, where = np.unique(scalars, return_inverse=True)
    nonzero = distinct != 0.0
    table = np.broadcast_to(np.eye(n_states), (n_pat, distinct.size, n_states, n_states)).copy()
    if nonzero.any():
        table[:, nonzero] = expm(a_per_min[:, None] * distinct[nonzero][None, :, None, None])
    return np.asarray(table[:, where], dtype=np.float64)


def _row_table(c: FloatArray, phi: FloatArray, count: int) -> FloatArray:
    """C Phi^k for k = 0 .. count-1, shaped (N, count, m, n), by doubling."""
    n_pat, n_out, n_states = c.shape
    rows = np.empty((n_pat, max(count, 1) * n_out, n_states))
    rows[:, :n_out] = c
    power = phi
    filled = 1
    while filled < count:
        take = min(filled, count - filled)
        # one (take*m x n) @ (n x n) product per patient: far faster than tiny stacked products
        np.matmul(
            rows[:, : take * n_out], power, out=rows[:, filled * n_out : (filled + take) * n_out]
        )
        filled += take
        if filled < count:
            power = power @ power
    return rows.reshape(n_pat, max(count, 1), n_out, n_states)


def _outputs_any_grid(
    a_per_min: FloatArray, c: FloatArray, dev: FloatArray, offsets: FloatArray
) -> FloatArray:
    """C exp(A tau) dev for each offset tau, in chunks of bounded memory; (N, m, len(offsets))."""
    n_pat, n_states = dev.shape
    out = np.empty((n_pat, c.shape[1], offsets.size))
    chunk = max(1, _CHUNK_VALUES // max(1, n_pat * n_states * n_states))
    for lo in range(0, offsets.size, chunk):
        taus = offsets[lo : lo + chunk]
        exps = expm(a_per_min[:, None] * taus[None, :, None, None])
        moved = np.einsum("pkij,pj->pki", exps, dev)
        out[:, :, lo : lo + chunk] = np.einsum("pmi,pki->pmk", c, moved)
    return out
