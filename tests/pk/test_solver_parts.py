"""The numerical parts on their own: matrix exponential, grids, summaries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm as scipy_expm

from ketacare.pk import summary
from ketacare.pk.expm import expm
from ketacare.pk.grid import uniform_grid


@pytest.mark.parametrize("scale", [1e-4, 0.05, 0.5, 3.0, 40.0, 2000.0])
def test_expm_matches_scipy_on_compartment_matrices(scale: float) -> None:
    """Random 6-state compartmental matrices (non-negative off-diagonal, draining columns)."""
    rng = np.random.default_rng(int(scale * 1000))
    k = rng.uniform(0.0, 1.0, size=(20, 6, 6))
    for m in k:
        np.fill_diagonal(m, 0.0)
        m[np.diag_indices(6)] = -(m.sum(axis=0) + rng.uniform(0.01, 0.5, size=6))
    a = k * scale
    ours = expm(a)
    theirs = np.array([scipy_expm(m) for m in a])
    assert np.max(np.abs(ours - theirs)) <= 1e-12 * max(1.0, np.abs(theirs).max())


def test_expm_of_a_defective_transit_chain_is_exact() -> None:
    """Two transit compartments with the same rate k: exp gives the k t e^{-kt} term."""
    k, t = 0.0995, 17.0
    a = np.array([[-k, 0.0], [k, -k]])
    e = expm(a * t)
    assert e[1, 0] == pytest.approx(k * t * np.exp(-k * t), rel=1e-13)
    assert e[0, 0] == pytest.approx(np.exp(-k * t), rel=1e-13)


def test_uniform_grid_includes_the_end_point() -> None:
    np.testing.assert_allclose(uniform_grid(1.0, 0.3), [0.0, 0.3, 0.6, 0.9, 1.0])
    assert uniform_grid(240.0, 1.0 / 60.0).size == 14_401


def test_time_above_interpolates_crossings() -> None:
    t = np.array([0.0, 10.0, 20.0])
    conc = np.array([[0.0, 100.0, 0.0]])
    assert summary.time_above(conc, t, 50.0)[0] == pytest.approx(10.0)
    assert summary.time_above(conc, t, 100.0)[0] == pytest.approx(0.0)
    assert summary.cmax(conc)[0] == 100.0
    assert summary.tmax(conc, t)[0] == 10.0
