"""Population simulation: published variability, covariate draws, chunking, percentiles."""

from __future__ import annotations

import numpy as np
import pytest

from ketacare.pk import (
    CovariateDistribution,
    Patient,
    PkInputError,
    Regimen,
    simulate,
    simulate_population,
    uniform_grid,
)
from ketacare.pk import population as pop
from ketacare.pk.catalog import get_model

GRID = uniform_grid(240.0, 2.0)
INFUSION = Regimen.single("iv", 35.0, over_min=40.0)


def test_drawn_random_effects_have_the_published_covariance() -> None:
    """Otto 2021 OMEGA BLOCK(2) for S-ketamine V and CL: sample covariance within 3 %."""
    etas = pop.draw_etas(get_model("otto2021"), 400_000, np.random.default_rng(3))
    sample = np.cov(np.vstack([etas["V1"], etas["CL"]]))
    np.testing.assert_allclose(sample, [[0.084177, 0.02261], [0.02261, 0.026048]], rtol=0.03)


def test_herd_cl_variability_shows_in_the_spread_of_auc() -> None:
    """AUC = dose / CL for a linear model, so log(AUC) has the SD of log(CL): CV 38.1 %."""
    result = simulate_population(
        "herd2007",
        Regimen.single("iv", 35.0),
        CovariateDistribution(70.0),
        20_000,
        uniform_grid(6000.0, 10.0),
        seed=11,
    )
    median = result.summaries["auc_ng_h_per_ml"].percentiles[50.0]
    p95 = result.summaries["auc_ng_h_per_ml"].percentiles[95.0]
    sd_log_cl = np.sqrt(np.log1p(0.381**2))
    assert np.log(p95 / median) == pytest.approx(1.645 * sd_log_cl, rel=0.05)


def test_model_without_variability_gives_the_typical_curve() -> None:
    result = simulate_population(
        "kamp2020", INFUSION, CovariateDistribution(70.0), 50, GRID, seed=1
    )
    typical = simulate("kamp2020", INFUSION, Patient(70.0), GRID)
    assert result.iiv_available is False
    for row in result.conc_percentiles_ng_per_ml:
        np.testing.assert_allclose(row, typical.conc_ng_per_ml, rtol=1e-12)


def test_weight_distribution_spreads_a_model_without_variability() -> None:
    result = simulate_population(
        "kamp2020",
        INFUSION,
        CovariateDistribution(70.0, weight_cv_percent=25.0),
        4000,
        GRID,
        seed=5,
    )
    cmax = result.summaries["cmax_ng_per_ml"].percentiles
    assert cmax[5.0] < 253.05 < cmax[95.0]


def test_results_do_not_depend_on_chunk_size() -> None:
    common = {"seed": 42}
    small = simulate_population(
        "perez_ruixo2021",
        Regimen.spravato(2),
        CovariateDistribution(70.0),
        2500,
        GRID,
        chunk_size=1024,
        **common,
    )
    whole = simulate_population(
        "perez_ruixo2021",
        Regimen.spravato(2),
        CovariateDistribution(70.0),
        2500,
        GRID,
        chunk_size=2500,
        **common,
    )
    np.testing.assert_array_equal(
        small.conc_percentiles_ng_per_ml, whole.conc_percentiles_ng_per_ml
    )
    assert small.metabolite_percentiles_ng_per_ml is not None


def test_same_seed_same_result_and_progress_reports() -> None:
    seen: list[tuple[int, int]] = []
    a = simulate_population(
        "otto2021",
        INFUSION,
        CovariateDistribution(70.0),
        3000,
        GRID,
        seed=9,
        chunk_size=1024,
        progress=lambda d, t: seen.append((d, t)),
    )
    b = simulate_population("otto2021", INFUSION, CovariateDistribution(70.0), 3000, GRID, seed=9)
    np.testing.assert_array_equal(a.conc_percentiles_ng_per_ml, b.conc_percentiles_ng_per_ml)
    assert seen == [(1024, 3000), (2048, 3000), (3000, 3000)]


def test_histogram_percentiles_match_exact_within_a_quarter_percent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exact = simulate_population(
        "herd2007", INFUSION, CovariateDistribution(70.0), 5000, GRID, seed=2
    )
    monkeypatch.setattr(pop, "_EXACT_BUDGET_VALUES", 1000)
    binned = simulate_population(
        "herd2007", INFUSION, CovariateDistribution(70.0), 5000, GRID, seed=2
    )
    assert exact.percentile_method == "exact"
    assert binned.percentile_method.startswith("histogram")
    e, b = exact.conc_percentiles_ng_per_ml[:, 1:], binned.conc_percentiles_ng_per_ml[:, 1:]
    # log bins 0.5 % wide, reported at their geometric centre: at most 0.25 % off
    assert np.max(np.abs(b - e) / e) < 0.0026


def test_tci_does_not_create_variability_beyond_a_bolus() -> None:
    """Linear PK: a regimen's relative spread at a time cannot exceed the bolus's at any time
    (Anesthesiology 2005;102:639). Compare the 5-95 % ratio at 60 min against the largest one of
    a bolus."""
    from ketacare.pk import tci_plasma

    tci = tci_plasma(200.0, 60.0, Patient(70.0), model_id="herd2007")
    grid = uniform_grid(60.0, 1.0)
    band = simulate_population(
        "herd2007", tci.regimen, CovariateDistribution(70.0), 3000, grid, seed=4
    ).conc_percentiles_ng_per_ml
    bolus = simulate_population(
        "herd2007",
        Regimen.single("iv", 20.0),
        CovariateDistribution(70.0),
        3000,
        uniform_grid(600.0, 1.0),
        seed=4,
    ).conc_percentiles_ng_per_ml
    assert band[2, -1] / band[0, -1] <= np.max(bolus[2, 1:] / bolus[0, 1:])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"n": 0}, "n"), ({"n": 2_000_000}, "n"), ({"percentiles": (5.0, 101.0)}, "percentiles")],
)
def test_population_refusals(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"n": 10}
    args.update(kwargs)
    n = args.pop("n")
    with pytest.raises(PkInputError) as info:
        simulate_population("kamp2020", INFUSION, CovariateDistribution(70.0), n, GRID, **args)  # type: ignore[arg-type]
    assert info.value.field == field


def test_covariate_distribution_refusals() -> None:
    with pytest.raises(PkInputError, match="weight_kg must be between 25 and 350"):
        CovariateDistribution(10.0)
    with pytest.raises(PkInputError, match="female_fraction must be 0-1"):
        CovariateDistribution(70.0, female_fraction=2.0)
