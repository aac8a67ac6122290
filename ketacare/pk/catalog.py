"""The model library: loads the TOML files once and answers which model serves a drug and route."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ketacare.pk.errors import PkInputError
from ketacare.pk.spec import DRUGS, ROUTES, ModelSpec, spec_from_mapping

_DATA = "ketacare.pk.data"


@dataclass(frozen=True)
class Band:
    """A named concentration range drawn on plots, with its source."""

    name: str
    low_ng_per_ml: float
    high_ng_per_ml: float
    source: str


@cache
def models() -> dict[str, ModelSpec]:
    """Every model shipped with the engine, by id."""
    found: dict[str, ModelSpec] = {}
    folder = resources.files(_DATA).joinpath("models")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            spec = spec_from_mapping(tomllib.loads(entry.read_text(encoding="utf-8")))
            found[spec.id] = spec
    return found


@cache
def _defaults() -> dict[str, dict[str, str]]:
    raw = tomllib.loads(resources.files(_DATA).joinpath("defaults.toml").read_text("utf-8"))
    return {drug: {k: v for k, v in table.items() if k != "why"} for drug, table in raw.items()}


@cache
def bands() -> tuple[Band, ...]:
    """Concentration bands for plots (analgesia, dissociation, anaesthesia)."""
    raw = tomllib.loads(resources.files(_DATA).joinpath("bands.toml").read_text("utf-8"))
    return tuple(Band(**band) for band in raw["bands"])


def get_model(model_id: str) -> ModelSpec:
    """The model with this id, or a PkInputError listing the ids."""
    try:
        return models()[model_id]
    except KeyError:
        known = ", ".join(sorted(models()))
        raise PkInputError("model", f"unknown model {model_id!r}; known models: {known}") from None


def resolve_model(drug: str, route: str, model_id: str | None = None) -> ModelSpec:
    """The model for drug and route (the default one unless ``model_id`` is given), checked."""
    if drug not in DRUGS:
        raise PkInputError("drug", f"unknown drug {drug!r}; choose one of {', '.join(DRUGS)}")
    if route not in ROUTES:
        raise PkInputError("route", f"unknown route {route!r}; choose one of {', '.join(ROUTES)}")
    if model_id is None:
        table = _defaults()[drug]
        if route not in table:
            raise PkInputError(
                "route",
                f"no published {drug} model for route {route!r}; "
                f"{drug} routes: {', '.join(sorted(table))}",
            )
        model_id = table[route]
    spec = get_model(model_id)
    if spec.drug != drug:
        raise PkInputError("model", f"model {model_id!r} is a {spec.drug} model, not {drug}")
    if route not in spec.routes:
        raise PkInputError(
            "route",
            f"model {model_id!r} has no route {route!r}; "
            f"its routes: {', '.join(sorted(spec.routes))}",
        )
    return spec


def default_model_id(drug: str, route: str) -> str | None:
    """The default model id for drug and route, or None when none is published."""
    return _defaults().get(drug, {}).get(route)
