"""Output time grids, bounded so a request cannot exhaust memory."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ketacare.pk import limits
from ketacare.pk._types import FloatArray
from ketacare.pk.errors import PkInputError


def uniform_grid(until_min: float, step_min: float, start_min: float = 0.0) -> FloatArray:
    """start, start + step, ... until (inclusive), refused above 10 million points."""
    if not (math.isfinite(until_min) and until_min > start_min):
        raise PkInputError(
            "until_min", f"until_min must be a number above {start_min:g} min, got {until_min:g}"
        )
    if not (math.isfinite(step_min) and step_min > 0.0):
        raise PkInputError("step_min", f"step_min must be above 0 min, got {step_min:g}")
    intervals = (until_min - start_min) / step_min
    count = math.floor(intervals + 1e-9) + 1
    if count > limits.GRID_MAX_POINTS:
        raise PkInputError(
            "step_min",
            f"the grid would have {count:,} points; at most {limits.GRID_MAX_POINTS:,} "
            "are allowed (raise step_min or lower until_min)",
        )
    grid = start_min + step_min * np.arange(count, dtype=np.float64)
    if grid[-1] < until_min - 1e-9 * step_min:
        grid = np.append(grid, until_min)
        if grid.size > limits.GRID_MAX_POINTS:
            raise PkInputError("step_min", "the grid would exceed 10,000,000 points")
    return grid


def check_grid(t_min: Sequence[float] | FloatArray) -> FloatArray:
    """A copy of ``t_min`` as float64, refused unless 1-D, finite, >= 0 and strictly increasing."""
    grid = np.asarray(t_min, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise PkInputError("t_min", "the time grid must be a non-empty list of times")
    if grid.size > limits.GRID_MAX_POINTS:
        raise PkInputError(
            "t_min",
            f"the time grid has {grid.size:,} points; at most {limits.GRID_MAX_POINTS:,} allowed",
        )
    # Increasing from a first time >= 0 to a finite last time means every time is finite; a nan
    # fails the comparison. So one pass settles the usual, valid, grid.
    first, last = float(grid[0]), float(grid[-1])
    increasing = bool((grid[1:] > grid[:-1]).all())
    if first >= 0.0 and math.isfinite(last) and increasing:
        return grid.copy()
    if not np.all(np.isfinite(grid)) or first < 0.0:
        raise PkInputError("t_min", "grid times must be finite and >= 0 min")
    raise PkInputError("t_min", "grid times must be strictly increasing")
