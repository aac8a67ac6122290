"""Concentration-time plots (PNG or SVG by file extension) with the reference bands.

Bands are the racemic ketamine ranges of ``data/bands.toml`` (analgesia, dissociation,
anaesthesia, Zanos 2018 Table 1); only bands that reach into the plotted range are drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ketacare.pk.catalog import bands
from ketacare.pk.errors import PkInputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ketacare.pk._types import FloatArray
    from ketacare.pk.curve import Result
    from ketacare.pk.population import PopulationResult
    from ketacare.pk.tci import TciResult

_BAND_COLOURS = {"analgesia": "#4c9f70", "dissociation": "#e0a526", "anaesthesia": "#c0392b"}


def plot_result(result: Result, path: str | Path, title: str | None = None) -> Path:
    """Plot one curve (and its metabolite, if any) to ``path``."""
    fig, ax = _figure()
    ax.plot(result.t_min, result.conc_ng_per_ml, color="#1f4e79", lw=2, label="plasma")
    top = result.cmax_ng_per_ml
    if result.metabolite_conc_ng_per_ml is not None:
        ax.plot(
            result.t_min,
            result.metabolite_conc_ng_per_ml,
            color="#7f3f98",
            lw=1.5,
            ls="--",
            label=result.metabolite_name or "metabolite",
        )
        top = max(top, float(result.metabolite_conc_ng_per_ml.max()))
    _finish(ax, result.t_min, top, title or f"{result.model_id} ({result.sampling})")
    return _save(fig, path)


def plot_population(result: PopulationResult, path: str | Path, title: str | None = None) -> Path:
    """Plot the median and the outer percentile band of a population to ``path``."""
    fig, ax = _figure()
    p = result.conc_percentiles_ng_per_ml
    low, high = min(result.percentiles), max(result.percentiles)
    ax.fill_between(
        result.t_min,
        p[result.percentiles.index(low)],
        p[result.percentiles.index(high)],
        color="#1f4e79",
        alpha=0.25,
        label=f"{low:g}th-{high:g}th percentile",
    )
    if 50.0 in result.percentiles:
        ax.plot(
            result.t_min, p[result.percentiles.index(50.0)], color="#1f4e79", lw=2, label="median"
        )
    _finish(
        ax,
        result.t_min,
        float(p.max()),
        title or f"{result.model_id}: {result.n:,} virtual patients",
    )
    return _save(fig, path)


def plot_tci(result: TciResult, path: str | Path, title: str | None = None) -> Path:
    """Plot the predicted plasma curve of a TCI with its target and rate schedule."""
    fig, ax = _figure()
    ax.plot(result.t_min, result.conc_ng_per_ml, color="#1f4e79", lw=2, label="plasma (TCI)")
    ax.axhline(result.target_ng_per_ml, color="#333333", ls=":", lw=1, label="target")
    rates = ax.twinx()
    rates.step(result.start_min, result.rate_mg_per_h, where="post", color="#999999", lw=1)
    rates.set_ylabel("rate (mg/h)")
    top = max(float(result.conc_ng_per_ml.max()), result.target_ng_per_ml)
    _finish(ax, result.t_min, top, title or f"{result.model_id}: plasma TCI")
    return _save(fig, path)


def _figure() -> tuple[object, Axes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    return fig, ax


def _finish(ax: Axes, t_min: FloatArray, top_ng_per_ml: float, title: str) -> None:
    y_top = max(top_ng_per_ml * 1.15, 1.0)
    for band in bands():
        if band.low_ng_per_ml < y_top:
            ax.axhspan(
                band.low_ng_per_ml,
                min(band.high_ng_per_ml, y_top),
                color=_BAND_COLOURS.get(band.name, "#999999"),
                alpha=0.12,
                label=f"{band.name} {band.low_ng_per_ml:g}-{band.high_ng_per_ml:g} ng/mL (racemic)",
            )
    ax.set_xlim(float(t_min[0]), float(t_min[-1]))
    ax.set_ylim(0.0, y_top)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("concentration (ng/mL)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)


def _save(fig: object, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".png", ".svg"):
        plt.close(fig)  # type: ignore[arg-type]
        raise PkInputError("plot", f"plot file must end in .png or .svg, got {target.name!r}")
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(target, format=suffix[1:])  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return target
