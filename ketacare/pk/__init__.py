"""Pharmacokinetic engine for ketamine, esketamine and S-ketamine (pure numpy, no Django).

Public API (units are in the names; times in minutes, doses in mg, concentrations in ng/mL)::

    from ketacare.pk import Patient, Regimen, simulate, uniform_grid

    result = simulate(
        "kamp2020",                                   # model id (see list_models())
        Regimen.single("iv", dose_mg=35.0, over_min=40.0),
        Patient(weight_kg=70.0, age_years=40.0),
        uniform_grid(until_min=240.0, step_min=1.0),
    )
    result.conc_ng_per_ml, result.cmax_ng_per_ml, result.tmax_min, result.auc_ng_h_per_ml

- ``list_models()``, ``get_model(id)``, ``resolve_model(drug, route, model_id=None)``: the
  published models, as data with their sources (``ketacare/pk/data/models/*.toml``).
- ``Regimen`` / ``Dose``: boluses, IV infusions (``over_min``), Spravato devices
  (``Regimen.spravato(devices)``), repeated doses, ``Regimen.from_json``.
- ``simulate(...) -> Result``: one typical patient, exact on any grid, with ``sampling`` arterial or
  venous where the model allows it and an optional ``bioavailability`` override.
- ``simulate_population(...) -> PopulationResult``: N virtual patients with the model's
  inter-individual variability and covariate distributions, in memory-bounded chunks.
- ``tci_plasma(...) -> TciResult`` and ``step_down_scheme(...)``: plasma-targeted infusion
  (Jacobs 1990) with a maximum rate, and a few-rate manual scheme for plain pumps.
- ``plot_result`` / ``plot_population``: PNG or SVG with concentration bands.
- Every refusal raises ``PkInputError`` (a ``ValueError`` with ``.field``).

Attributes load lazily so that importing ``ketacare.cli.pk`` stays cheap (no numpy).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketacare.pk.catalog import get_model, models, resolve_model
    from ketacare.pk.curve import Result, simulate
    from ketacare.pk.errors import PkInputError
    from ketacare.pk.grid import uniform_grid
    from ketacare.pk.info import ModelInfo, list_models
    from ketacare.pk.patient import Patient
    from ketacare.pk.plots import plot_population, plot_result
    from ketacare.pk.population import (
        CovariateDistribution,
        PopulationResult,
        simulate_population,
    )
    from ketacare.pk.regimen import Dose, Regimen
    from ketacare.pk.spec import ModelSpec
    from ketacare.pk.tci import StepDownScheme, TciResult, step_down_scheme, tci_plasma

_WHERE: dict[str, str] = {
    "get_model": "catalog",
    "models": "catalog",
    "resolve_model": "catalog",
    "PkInputError": "errors",
    "uniform_grid": "grid",
    "ModelInfo": "info",
    "list_models": "info",
    "Patient": "patient",
    "plot_population": "plots",
    "plot_result": "plots",
    "CovariateDistribution": "population",
    "PopulationResult": "population",
    "simulate_population": "population",
    "Dose": "regimen",
    "Regimen": "regimen",
    "Result": "curve",
    "simulate": "curve",
    "ModelSpec": "spec",
    "StepDownScheme": "tci",
    "TciResult": "tci",
    "step_down_scheme": "tci",
    "tci_plasma": "tci",
}

__all__ = [
    "CovariateDistribution",
    "Dose",
    "ModelInfo",
    "ModelSpec",
    "Patient",
    "PkInputError",
    "PopulationResult",
    "Regimen",
    "Result",
    "StepDownScheme",
    "TciResult",
    "get_model",
    "list_models",
    "models",
    "plot_population",
    "plot_result",
    "resolve_model",
    "simulate",
    "simulate_population",
    "step_down_scheme",
    "tci_plasma",
    "uniform_grid",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ketacare.pk' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ketacare.pk.{module}"), name)
