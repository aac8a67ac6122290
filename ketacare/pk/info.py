"""A compact description of each model for listings (``ketacare pk models``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketacare.pk.catalog import default_model_id, models
from ketacare.pk.spec import ModelSpec


@dataclass(frozen=True)
class RouteInfo:
    route: str
    bioavailability: float | None
    bioavailability_range: tuple[float, float] | None
    default: bool
    source: str


@dataclass(frozen=True)
class ModelInfo:
    id: str
    drug: str
    name: str
    routes: tuple[RouteInfo, ...]
    source: str
    sampling: str
    metabolite: str | None
    has_iiv: bool
    unconfirmed: tuple[str, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The stable listing entry: id, drug, routes, source."""
        return {
            "id": self.id,
            "drug": self.drug,
            "routes": [r.route for r in self.routes],
            "source": self.source,
        }


def describe(spec: ModelSpec) -> ModelInfo:
    routes = []
    for name in sorted(spec.routes):
        route = spec.routes[name]
        param = spec.parameters.get(route.bioavailability or "")
        routes.append(
            RouteInfo(
                route=name,
                bioavailability=None if param is None else param.value,
                bioavailability_range=None if param is None else param.range,
                default=default_model_id(spec.drug, name) == spec.id,
                source=route.source,
            )
        )
    return ModelInfo(
        id=spec.id,
        drug=spec.drug,
        name=spec.name,
        routes=tuple(routes),
        source=spec.citation,
        sampling=spec.sampling,
        metabolite=None if spec.metabolite is None else spec.metabolite.name,
        has_iiv=spec.has_iiv,
        unconfirmed=tuple(spec.unconfirmed()),
        notes=spec.notes,
    )


def list_models() -> list[ModelInfo]:
    """Every shipped model, racemic ketamine first, then esketamine, then S-ketamine."""
    order = {"ketamine": 0, "esketamine": 1, "s-ketamine": 2}
    specs = sorted(models().values(), key=lambda s: (order[s.drug], s.id))
    return [describe(s) for s in specs]
