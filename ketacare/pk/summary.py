"""Exposure summaries of concentration curves, vectorised over patients.

Cmax and Tmax are read on the output grid (a finer grid gives a finer Tmax); AUC comes exact from
the solver; time above a threshold interpolates linearly between grid points.
"""

from __future__ import annotations

import numpy as np

from ketacare.pk._types import FloatArray


def cmax(conc: FloatArray) -> FloatArray:
    """Highest value of each curve, shape (N,) for conc (N, P)."""
    return np.asarray(conc.max(axis=-1), dtype=np.float64)


def tmax(conc: FloatArray, t_min: FloatArray) -> FloatArray:
    """Grid time of the first highest value of each curve."""
    return np.asarray(t_min[np.argmax(conc, axis=-1)], dtype=np.float64)


def time_above(conc: FloatArray, t_min: FloatArray, threshold: float) -> FloatArray:
    """Minutes each curve spends at or above ``threshold`` (linear between grid points)."""
    if conc.shape[-1] < 2:
        return np.zeros(conc.shape[:-1])
    lo, hi = conc[..., :-1], conc[..., 1:]
    dt = np.diff(t_min)
    both = (lo >= threshold) & (hi >= threshold)
    crossing = (lo >= threshold) != (hi >= threshold)
    span = np.where(crossing, np.abs(hi - lo), 1.0)
    upper = np.maximum(lo, hi)
    part = np.where(crossing, (upper - threshold) / span, 0.0)
    return np.asarray((np.where(both, 1.0, part) * dt).sum(axis=-1), dtype=np.float64)
