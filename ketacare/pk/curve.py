"""``simulate``: one patient, one model, any regimen, any grid; the typed result and summaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ketacare.pk import summary
from ketacare.pk._types import FloatArray
from ketacare.pk.catalog import get_model
from ketacare.pk.engine import model_warnings, run_one
from ketacare.pk.grid import check_grid
from ketacare.pk.patient import Patient
from ketacare.pk.regimen import Regimen


@dataclass(frozen=True)
class Result:
    """A typical-patient concentration curve and its summaries.

    ``auc_ng_h_per_ml`` is exact over the grid span; ``cmax_ng_per_ml`` and ``tmax_min`` are read on
    the grid. ``metabolite_conc_ng_per_ml`` is None when the model has no metabolite.
    """

    model_id: str
    source: str
    sampling: str
    t_min: FloatArray
    conc_ng_per_ml: FloatArray
    auc_ng_h_per_ml: float
    metabolite_name: str | None = None
    metabolite_conc_ng_per_ml: FloatArray | None = None
    metabolite_auc_ng_h_per_ml: float | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cmax_ng_per_ml(self) -> float:
        return float(self.conc_ng_per_ml.max())

    @property
    def tmax_min(self) -> float:
        return float(self.t_min[int(self.conc_ng_per_ml.argmax())])

    def time_above_min(self, threshold_ng_per_ml: float) -> float:
        """Minutes at or above a concentration (linear between grid points)."""
        return float(summary.time_above(self.conc_ng_per_ml, self.t_min, threshold_ng_per_ml))

    def as_json(self) -> dict[str, Any]:
        """The stable JSON document of ``ketacare pk simulate --json``."""
        metabolite = self.metabolite_conc_ng_per_ml
        return {
            "t_min": self.t_min.tolist(),
            "conc_ng_per_ml": self.conc_ng_per_ml.tolist(),
            "metabolite_conc_ng_per_ml": None if metabolite is None else metabolite.tolist(),
            "cmax_ng_per_ml": self.cmax_ng_per_ml,
            "tmax_min": self.tmax_min,
            "auc_ng_h_per_ml": self.auc_ng_h_per_ml,
            "model": self.model_id,
            "source": self.source,
        }


def simulate(
    model_id: str,
    regimen: Regimen,
    patient: Patient,
    t_min_grid: Sequence[float] | FloatArray,
    *,
    sampling: str | None = None,
    bioavailability: float | None = None,
) -> Result:
    """Exact concentrations of ``regimen`` in a typical ``patient`` of model ``model_id``.

    ``sampling`` picks arterial or venous output where the model can give it (default: the site
    the model was fitted to); ``bioavailability`` overrides the route's fraction absorbed.
    """
    spec = get_model(model_id)
    grid = check_grid(t_min_grid)
    out = run_one(
        spec,
        regimen,
        patient,
        grid,
        sampling=sampling,
        bioavailability=bioavailability,
    )
    metabolite = out.metabolite_conc_ng_per_ml
    metabolite_auc = out.metabolite_auc_ng_h_per_ml
    return Result(
        model_id=spec.id,
        source=spec.citation,
        sampling=out.sampling,
        t_min=grid,
        conc_ng_per_ml=out.conc_ng_per_ml[0],
        auc_ng_h_per_ml=float(out.auc_ng_h_per_ml[0]),
        metabolite_name=None if spec.metabolite is None else spec.metabolite.name,
        metabolite_conc_ng_per_ml=None if metabolite is None else metabolite[0],
        metabolite_auc_ng_h_per_ml=None if metabolite_auc is None else float(metabolite_auc[0]),
        warnings=model_warnings(
            spec, regimen, patient.weight_kg, patient.age_years, out.sampling, bioavailability
        ),
    )
