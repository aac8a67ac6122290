"""Exact solution for one patient as a sum of exponentials in the eigenbasis of A.

With A = V diag(lambda) V^-1 (pharmacokinetics.md section 4.3) the modal state z = V^-1 x obeys n
independent equations z_k' = lambda_k z_k + (V^-1 u)_k. Between two input changes u is constant,
so z_k(s + tau) = z*_k + e^{lambda_k tau} (z_k(s) - z*_k) with z*_k = -(V^-1 u)_k / lambda_k, and
the outputs are y = (C V) z. The curve over a whole segment is then one small matrix product of
(C V) scaled by the departures z(s) - z* with a table of e^{lambda tau}; on a long uniform grid
e^{lambda (delta + (j K + r) h)} = e^{lambda (delta + j K h)} e^{lambda r h} factorises that table
into two of about sqrt(points) exponentials each, so a 14 401-point curve needs a few hundred
exponentials and one batched matrix product. The area over a segment of length L is exact too: the
integral of z is z* L + (z(s) - z*) expm1(lambda L) / lambda.

This is the single-curve fast path. It declines (``solve_modal`` returns None) when the eigenbasis
cannot be trusted to the engine's accuracy: complex or non-negative eigenvalues, or an
ill-conditioned V, which is what equal eigenvalues (a defective A, such as Simons 2022's two
transit compartments with one rate) and nearly equal ones give. The caller then uses the
exact-discretisation solver in ``linear``, which needs no eigenbasis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ketacare.pk._types import FloatArray
from ketacare.pk.linear import StateBolus, StateInfusion, breakpoints, is_uniform

#: Largest accepted condition number of the eigenvector matrix (estimated as n max|V^-1|).
#: Cancellation between modes leaves about 3e-16 x condition of the curve's peak (measured with
#: an absorption rate approaching a disposition eigenvalue), so 2000 keeps the fast path within
#: 1e-12 of the peak. Shipped models stay below 850 over 25-350 kg; equal or nearly equal
#: eigenvalues (Simons 2022's transit chain, a depot rate crossing a disposition rate) exceed it.
MAX_CONDITION = 2e3

#: Budget (float64 values) for one table of exponentials; longer grids are done in blocks.
_CHUNK_VALUES = 4_000_000

#: Up to this many grid points the exponentials are taken point by point; a longer uniform grid
#: factorises them (see ``_uniform_run``).
_DIRECT_POINTS = 256


class Modes(NamedTuple):
    """Eigenvalues lambda (n,) per minute, V^-1 (n, n) and the modal outputs C V (m, n)."""

    rates: FloatArray
    to_modes: FloatArray
    outputs: FloatArray


class ModalSolution(NamedTuple):
    """Outputs (m, P) on the grid and their exact integral (m,) over the grid span (min)."""

    values: FloatArray
    integral: FloatArray


def eigenmodes(a_per_min: FloatArray, c: FloatArray) -> Modes | None:
    """The eigenbasis of A (n, n) with outputs C (m, n), or None when it is not trustworthy.

    numpy returns unit eigenvectors, so n max|V^-1| is the 1-norm condition number of V to
    within a factor sqrt(n) either way: one reduction instead of two norms.
    """
    try:
        rates, vectors = np.linalg.eig(a_per_min)
        if rates.dtype.kind == "c" or not rates.max() < 0.0:
            return None
        inverse = np.linalg.inv(vectors)
    except np.linalg.LinAlgError:
        return None
    if not np.abs(inverse).max() * rates.size <= MAX_CONDITION:  # also refuses nan
        return None
    return Modes(rates=rates, to_modes=inverse, outputs=c @ vectors)


def solve_modal(
    a_per_min: FloatArray,
    c: FloatArray,
    boluses: Sequence[StateBolus],
    infusions: Sequence[StateInfusion],
    t_min: FloatArray,
) -> ModalSolution | None:
    """Outputs C x(t) on ``t_min`` for x(-inf) = 0, or None when A has no usable eigenbasis.

    Same contract as ``linear.solve`` for one patient: inputs after the last grid time are
    ignored, inputs before the first grid time are integrated.
    """
    modes = eigenmodes(a_per_min, c)
    if modes is None:
        return None
    t_first, t_last = float(t_min[0]), float(t_min[-1])
    breaks = breakpoints(
        (b.t_min for b in boluses),
        ((i.start_min, i.end_min) for i in infusions),
        t_first,
        t_last,
    )
    kicks, inflow = _modal_inputs(modes, breaks, boluses, infusions)
    # The area counts from the first grid time; segments before it are dose history only.
    steady, departures, area = _carry(modes.rates.tolist(), breaks, kicks, inflow, t_first)
    return ModalSolution(
        values=_on_grid(modes, breaks, steady, departures, t_min),
        integral=modes.outputs @ area,
    )


def _modal_inputs(
    modes: Modes,
    breaks: list[float],
    boluses: Sequence[StateBolus],
    infusions: Sequence[StateInfusion],
) -> tuple[list[list[float]], list[list[float]]]:
    """Per segment: the modal amounts its boluses add at its start (V^-1 b) and the modal rate
    of its infusions (V^-1 u). Each input enters one state j, so it adds a multiple of column j
    of V^-1: a few scalar products per input, in plain floats."""
    t_last = breaks[-1]
    at = {t: k for k, t in enumerate(breaks)}
    columns = modes.to_modes.T.tolist()  # columns[j]: the modes a unit amount in state j excites
    kicks = [[0.0] * len(columns) for _ in breaks]
    inflow = [[0.0] * len(columns) for _ in breaks]
    for b in boluses:
        if b.t_min <= t_last:
            _add_scaled(kicks[at[b.t_min]], b.amount_mg, columns[b.state])
    for i in infusions:
        if i.start_min < t_last and i.end_min > i.start_min:
            for k in range(at[i.start_min], at[min(i.end_min, t_last)]):
                _add_scaled(inflow[k], i.rate_mg_per_min, columns[i.state])
    return kicks, inflow


def _add_scaled(total: list[float], factor: float, vector: list[float]) -> None:
    """total += factor * vector, in place."""
    for k, value in enumerate(vector):
        total[k] += factor * value


def _carry(
    rates: list[float],
    breaks: list[float],
    kicks: list[list[float]],
    inflow: list[list[float]],
    t_first: float,
) -> tuple[FloatArray, FloatArray, list[float]]:
    """Per segment, shaped (segments, n): the steady state z* = -(V^-1 u) / lambda of its input
    and the departure z(s) - z* at its start; and the integral of z from ``t_first`` on.

    n scalar recurrences z(s_next) = z* + e^{lambda L} (z(s) - z*) over a handful of segments:
    plain floats, as numpy calls on vectors of a few modes would cost more.
    """
    n_modes = len(rates)
    lengths = [end - start for start, end in pairwise(breaks)] + [0.0]
    z = [0.0] * n_modes
    area = [0.0] * n_modes
    steady_rows, departure_rows = [], []
    for start, length, kick, flow in zip(breaks, lengths, kicks, inflow, strict=True):
        steady, departure = [0.0] * n_modes, [0.0] * n_modes
        counted = start >= t_first
        for k, rate in enumerate(rates):
            steady[k] = s = -flow[k] / rate
            departure[k] = d = z[k] + kick[k] - s
            grown = math.expm1(rate * length)  # e^{lambda L} - 1
            z[k] = s + d + grown * d
            if counted:
                area[k] += s * length + d * grown / rate
        steady_rows.append(steady)
        departure_rows.append(departure)
    return np.array(steady_rows), np.array(departure_rows), area


def _on_grid(
    modes: Modes,
    breaks: list[float],
    steady: FloatArray,
    departures: FloatArray,
    t_min: FloatArray,
) -> FloatArray:
    """Outputs (m, P): on each segment C V z* plus C V diag(departure) e^{lambda tau}."""
    if t_min.size > _DIRECT_POINTS and is_uniform(t_min):
        return _on_uniform_grid(modes, breaks, steady, departures, t_min)
    return _on_any_grid(modes, breaks, steady, departures, t_min)


def _on_any_grid(
    modes: Modes,
    breaks: list[float],
    steady: FloatArray,
    departures: FloatArray,
    t_min: FloatArray,
) -> FloatArray:
    """Any grid: each point looks up its segment, then one exponential per point and mode.

    A fixed number of vector operations per block of the grid, however many segments there are.
    """
    starts = np.array(breaks)
    # modes along the first axis: every elementwise step below runs along the points
    steady_t, departures_t = steady.T, departures.T
    values = np.empty((modes.outputs.shape[0], t_min.size))
    block = max(1, _CHUNK_VALUES // modes.rates.size)
    for lo in range(0, t_min.size, block):
        times = t_min[lo : lo + block]
        segment = starts.searchsorted(times, "right") - 1
        state = np.exp(np.multiply.outer(modes.rates, times - starts.take(segment)))
        state *= departures_t.take(segment, 1)
        state += steady_t.take(segment, 1)
        np.matmul(modes.outputs, state, out=values[:, lo : lo + block])
    return values


def _on_uniform_grid(
    modes: Modes,
    breaks: list[float],
    steady: FloatArray,
    departures: FloatArray,
    t_min: FloatArray,
) -> FloatArray:
    """A long uniform grid, run by run (the points of one segment), without an exponential per
    point: with i = j K + r, e^{lambda (delta + i h)} = e^{lambda (delta + j K h)} e^{lambda r h}.

    One table holds e^{lambda r h} for r < K, K about the square root of the longest run; each
    run adds one exponential per mode and block of K points and one matrix product. Each value
    is a product of two correctly rounded exponentials: the accuracy of the direct form. The
    weights of a segment (m, n + 1) are C V diag(departure) and the level C V z*, which an
    extra rate 0 (a row of ones in every table) picks up.
    """
    step = (float(t_min[-1]) - float(t_min[0])) / (t_min.size - 1)
    bounds = np.searchsorted(t_min, breaks).tolist() + [t_min.size]
    rates = np.append(modes.rates, 0.0)
    width = math.isqrt(max(hi - lo for lo, hi in pairwise(bounds)) - 1) + 1
    weights = np.concatenate(
        (modes.outputs * departures[:, None, :], (steady @ modes.outputs.T)[:, :, None]), axis=2
    )
    scaled = weights[:, :, :, None] * _progression(rates, np.arange(width) * step)  # (s, m, n+1, K)
    block_offsets = np.arange(width + 1) * (step * width)
    values = np.empty((modes.outputs.shape[0], t_min.size))
    for k, (lo, hi) in enumerate(pairwise(bounds)):
        if hi > lo:
            first = float(t_min[lo]) - breaks[k]
            blocks = _progression(rates, block_offsets[: -(-(hi - lo) // width)] + first)
            _fill_run(values[:, lo:hi], blocks.T, scaled[k])
    return values


def _fill_run(out: FloatArray, blocks: FloatArray, scaled: FloatArray) -> None:
    """out (m, R) = block j of K points: blocks[j] (n + 1,) @ scaled (m, n + 1, K), in place;
    the last block may be partial."""
    n_out, size = out.shape
    width = scaled.shape[-1]
    full = size // width
    if full:
        target = out[:, : full * width].reshape(n_out, full, width, copy=False)
        np.matmul(blocks[:full], scaled, out=target)
    if full < blocks.shape[0]:
        np.matmul(blocks[full], scaled[:, :, : size - full * width], out=out[:, full * width :])


def _progression(rates: FloatArray, offsets: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """e^{rate tau} for every rate and offset tau, shaped (rates, offsets)."""
    table: FloatArray = np.exp(np.multiply.outer(rates, offsets))
    return table
