"""Plots are written as real PNG or SVG files with labelled axes and the bands in range."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketacare.pk import (
    CovariateDistribution,
    Patient,
    PkInputError,
    Regimen,
    plot_population,
    plot_result,
    simulate,
    simulate_population,
    tci_plasma,
    uniform_grid,
)
from ketacare.pk.plots import plot_tci

GRID = uniform_grid(240.0, 1.0)


def test_curve_svg_has_axes_bands_and_legend(tmp_path: Path) -> None:
    result = simulate("kamp2020", Regimen.single("iv", 35.0, over_min=40.0), Patient(70.0), GRID)
    svg = plot_result(result, tmp_path / "c.svg").read_text()
    assert "time (min)" in svg and "concentration (ng/mL)" in svg
    assert "dissociation 100-250 ng/mL" in svg and "analgesia 70-160 ng/mL" in svg
    assert "anaesthesia" not in svg  # 1200 ng/mL is far above this curve


def test_population_png(tmp_path: Path) -> None:
    result = simulate_population(
        "otto2021",
        Regimen.single("iv", 20.0, over_min=30.0),
        CovariateDistribution(70.0),
        500,
        GRID,
        seed=1,
    )
    path = plot_population(result, tmp_path / "p.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_tci_svg_shows_the_target(tmp_path: Path) -> None:
    svg = plot_tci(tci_plasma(200.0, 60.0, Patient(70.0)), tmp_path / "t.svg").read_text()
    assert "target" in svg and "rate (mg/h)" in svg


def test_other_extensions_are_refused(tmp_path: Path) -> None:
    result = simulate("kamp2020", Regimen.single("iv", 10.0), Patient(70.0), GRID)
    with pytest.raises(PkInputError, match=r"must end in \.png or \.svg"):
        plot_result(result, tmp_path / "c.pdf")
