"""Published models as data: the typed form of the TOML files under ``ketacare/pk/data/models``.

A model is a set of compartments (with volumes where a concentration is read), transfers between
them (clearances, intercompartmental flows, first-order rates, transit chains), parameters (value,
unit, source, covariate effects, inter-individual variability), and routes (which compartments a
dose enters, with which fraction and over how long). Every parameter carries its source; values the
reference marks unconfirmed carry an ``unconfirmed`` note that the CLI and docs show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Transform = Literal["log", "logit"]
WeightScaling = Literal["none", "allometric", "per_kg"]
TransferKind = Literal["clearance", "flow", "rate", "transit"]
Sampling = Literal["arterial", "venous", "unspecified"]

#: Units a parameter may have and the factor to the engine's units (L, L/min, 1/min, min).
UNIT_FACTORS: dict[str, float] = {
    "L": 1.0,
    "L/kg": 1.0,
    "L/h": 1.0 / 60.0,
    "L/min": 1.0,
    "1/h": 1.0 / 60.0,
    "1/min": 1.0,
    "h": 60.0,
    "min": 1.0,
    "fraction": 1.0,
}
RACES: tuple[str, ...] = ("non_asian", "asian", "japanese")
DRUGS: tuple[str, ...] = ("ketamine", "esketamine", "s-ketamine")
ROUTES: tuple[str, ...] = ("iv", "im", "intranasal", "sublingual", "oral")


@dataclass(frozen=True)
class AgeEffect:
    """Additive change of a parameter per year of age above a threshold (e.g. Qh, Perez-Ruixo)."""

    above_years: float
    slope_per_year: float
    source: str


@dataclass(frozen=True)
class Parameter:
    """One typical value with its unit, source and covariate model."""

    name: str
    value: float
    unit: str
    source: str
    weight_scaling: WeightScaling = "none"
    weight_exponent: float = 1.0
    reference_weight_kg: float = 70.0
    age_effect: AgeEffect | None = None
    race_factors: Mapping[str, float] = field(default_factory=dict)
    transform: Transform = "log"
    unconfirmed: str | None = None
    range: tuple[float, float] | None = None
    note: str | None = None

    @property
    def factor_to_engine(self) -> float:
        return UNIT_FACTORS[self.unit]


@dataclass(frozen=True)
class IivBlock:
    """Between-subject variability: a covariance matrix of etas on the transformed scale."""

    params: tuple[str, ...]
    covariance: tuple[tuple[float, ...], ...]
    source: str
    unconfirmed: str | None = None


@dataclass(frozen=True)
class Compartment:
    name: str
    volume: str | None = None


@dataclass(frozen=True)
class Transfer:
    """Mass flux out of ``source``; ``target`` None means eliminated.

    clearance: CL/V_source; flow: Q/V each way between source and target; rate: k;
    transit: chain/MTT. ``fraction`` (a parameter) sends that share to target, the rest is lost.
    """

    kind: TransferKind
    source: str
    param: str
    target: str | None = None
    fraction: str | None = None
    chain: int = 1


@dataclass(frozen=True)
class RouteInput:
    """Where a share of a dose goes: fraction = prod(fraction) * prod(1 - complement)."""

    compartment: str
    fraction: tuple[str, ...] = ()
    complement: tuple[str, ...] = ()
    duration: str | None = None


@dataclass(frozen=True)
class Route:
    name: str
    source: str
    inputs: tuple[RouteInput, ...]
    bioavailability: str | None = None
    device_mg: float | None = None
    declining_param: str | None = None
    decline_param: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Metabolite:
    name: str
    compartment: str
    mass_factor: float
    mass_factor_source: str


@dataclass(frozen=True)
class ModelSpec:
    """A published population model, ready to be turned into a linear system."""

    id: str
    drug: str
    name: str
    citation: str
    evidence: str
    sampling: Sampling
    sampling_source: str
    population: str
    weight_range_kg: tuple[float, float]
    age_range_years: tuple[float, float]
    compartments: tuple[Compartment, ...]
    transfers: tuple[Transfer, ...]
    parameters: Mapping[str, Parameter]
    routes: Mapping[str, Route]
    iiv: tuple[IivBlock, ...]
    central: str
    metabolite: Metabolite | None
    venous_rate_param: str | None
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return self.citation

    @property
    def has_iiv(self) -> bool:
        return bool(self.iiv)

    def compartment_index(self, name: str) -> int:
        for i, comp in enumerate(self.compartments):
            if comp.name == name:
                return i
        raise KeyError(name)

    def unconfirmed(self) -> list[str]:
        """Every unconfirmed value of the model, as 'name: why' lines."""
        lines = [f"{p.name}: {p.unconfirmed}" for p in self.parameters.values() if p.unconfirmed]
        lines += [f"IIV {', '.join(b.params)}: {b.unconfirmed}" for b in self.iiv if b.unconfirmed]
        return lines


class SpecError(ValueError):
    """A model data file that does not describe a valid model."""


def spec_from_mapping(data: Mapping[str, Any]) -> ModelSpec:
    """Build and check a ModelSpec from parsed TOML (or any mapping of the same shape)."""
    try:
        spec = _build(data)
    except (KeyError, TypeError) as exc:
        raise SpecError(f"model {data.get('id', '?')!r}: missing or malformed {exc}") from exc
    _check(spec)
    return spec


def _build(data: Mapping[str, Any]) -> ModelSpec:
    params = {name: _parameter(name, raw) for name, raw in data["parameters"].items()}
    iiv = [_block(raw) for raw in data.get("iiv_blocks", [])]
    for name, raw in data["parameters"].items():
        if "iiv" in raw:
            iiv.append(_single_iiv(name, raw["iiv"], params[name].transform))
    metabolite = None
    if "metabolite" in data:
        raw_met = data["metabolite"]
        metabolite = Metabolite(
            name=raw_met["name"],
            compartment=raw_met["compartment"],
            mass_factor=float(raw_met.get("mass_factor", 1.0)),
            mass_factor_source=raw_met["mass_factor_source"],
        )
    routes = {name: _route(name, raw) for name, raw in data["routes"].items()}
    return ModelSpec(
        id=data["id"],
        drug=data["drug"],
        name=data["name"],
        citation=data["citation"],
        evidence=data["evidence"],
        sampling=data["sampling"],
        sampling_source=data["sampling_source"],
        population=data["population"],
        weight_range_kg=_pair(data["weight_range_kg"]),
        age_range_years=_pair(data["age_range_years"]),
        compartments=tuple(
            Compartment(name=c["name"], volume=c.get("volume")) for c in data["compartments"]
        ),
        transfers=tuple(
            Transfer(
                kind=t["kind"],
                source=t["from"],
                param=t["param"],
                target=t.get("to"),
                fraction=t.get("fraction"),
                chain=int(t.get("chain", 1)),
            )
            for t in data["transfers"]
        ),
        parameters=params,
        routes=routes,
        iiv=tuple(iiv),
        central=data["central"],
        metabolite=metabolite,
        venous_rate_param=data.get("venous_rate_param"),
        notes=tuple(data.get("notes", ())),
    )


def _pair(raw: Any) -> tuple[float, float]:
    low, high = raw
    return float(low), float(high)


def _parameter(name: str, raw: Mapping[str, Any]) -> Parameter:
    age = raw.get("age")
    return Parameter(
        name=name,
        value=float(raw["value"]),
        unit=raw["unit"],
        source=raw["source"],
        weight_scaling=raw.get("weight", "none"),
        weight_exponent=float(raw.get("weight_exponent", 1.0)),
        reference_weight_kg=float(raw.get("reference_weight_kg", 70.0)),
        age_effect=None
        if age is None
        else AgeEffect(
            above_years=float(age["above_years"]),
            slope_per_year=float(age["slope_per_year"]),
            source=age["source"],
        ),
        race_factors={k: float(v) for k, v in raw.get("race_factor", {}).items()},
        transform=raw.get("transform", "log"),
        unconfirmed=raw.get("unconfirmed"),
        range=None if "range" not in raw else _pair(raw["range"]),
        note=raw.get("note"),
    )


def _single_iiv(name: str, raw: Mapping[str, Any], transform: Transform) -> IivBlock:
    if "omega2" in raw:
        variance = float(raw["omega2"])
    elif "cv_percent" in raw:
        if transform != "log":
            raise SpecError(f"{name}: a CV % describes log-normal variability only")
        variance = math.log1p((float(raw["cv_percent"]) / 100.0) ** 2)
    elif "sd" in raw:
        variance = float(raw["sd"]) ** 2
    else:
        raise SpecError(f"{name}: iiv needs omega2, cv_percent or sd")
    return IivBlock(
        params=(name,),
        covariance=((variance,),),
        source=raw["source"],
        unconfirmed=raw.get("unconfirmed"),
    )


def _block(raw: Mapping[str, Any]) -> IivBlock:
    return IivBlock(
        params=tuple(raw["params"]),
        covariance=tuple(tuple(float(v) for v in row) for row in raw["covariance"]),
        source=raw["source"],
        unconfirmed=raw.get("unconfirmed"),
    )


def _route(name: str, raw: Mapping[str, Any]) -> Route:
    return Route(
        name=name,
        source=raw["source"],
        inputs=tuple(
            RouteInput(
                compartment=i["compartment"],
                fraction=tuple(i.get("fraction", ())),
                complement=tuple(i.get("complement", ())),
                duration=i.get("duration"),
            )
            for i in raw["inputs"]
        ),
        bioavailability=raw.get("bioavailability"),
        device_mg=None if "device_mg" not in raw else float(raw["device_mg"]),
        declining_param=raw.get("declining_param"),
        decline_param=raw.get("decline_param"),
        note=raw.get("note"),
    )


def _check(spec: ModelSpec) -> None:
    def fail(message: str) -> None:
        raise SpecError(f"model {spec.id!r}: {message}")

    if spec.drug not in DRUGS:
        fail(f"drug {spec.drug!r} is not one of {DRUGS}")
    if spec.sampling not in ("arterial", "venous", "unspecified"):
        fail(f"sampling {spec.sampling!r} unknown")
    names = [c.name for c in spec.compartments]
    if len(set(names)) != len(names):
        fail("duplicate compartment names")
    known = set(names)
    params = spec.parameters

    def need_param(name: str | None, where: str) -> None:
        if name is not None and name not in params:
            fail(f"{where} refers to unknown parameter {name!r}")

    for p in params.values():
        if p.unit not in UNIT_FACTORS:
            fail(f"parameter {p.name} has unknown unit {p.unit!r}")
        if not p.source.strip():
            fail(f"parameter {p.name} has no source")
        if p.weight_scaling not in ("none", "allometric", "per_kg"):
            fail(f"parameter {p.name}: weight scaling {p.weight_scaling!r} unknown")
        if p.transform not in ("log", "logit"):
            fail(f"parameter {p.name}: transform {p.transform!r} unknown")
        if p.transform == "logit" and not (p.unit == "fraction" and 0.0 < p.value < 1.0):
            fail(f"parameter {p.name}: logit needs a fraction strictly between 0 and 1")
        if p.value <= 0.0:
            fail(f"parameter {p.name} must be positive")
        for race in p.race_factors:
            if race not in ("asian", "japanese"):
                fail(f"parameter {p.name}: race factor {race!r} unknown")
    for comp in spec.compartments:
        need_param(comp.volume, f"compartment {comp.name}")
    if spec.central not in known:
        fail(f"central compartment {spec.central!r} unknown")
    for t in spec.transfers:
        if t.kind not in ("clearance", "flow", "rate", "transit"):
            fail(f"transfer kind {t.kind!r} unknown")
        if t.source not in known or (t.target is not None and t.target not in known):
            fail(f"transfer {t.source}->{t.target} names an unknown compartment")
        need_param(t.param, f"transfer {t.source}->{t.target}")
        need_param(t.fraction, f"transfer {t.source}->{t.target}")
        volume_needed = [t.source] + ([t.target] if t.kind == "flow" and t.target else [])
        if t.kind in ("clearance", "flow"):
            for comp_name in volume_needed:
                if spec.compartments[names.index(comp_name)].volume is None:
                    fail(f"{t.kind} from {comp_name} needs a compartment volume")
        if t.kind == "flow" and t.target is None:
            fail("a flow needs a target compartment")
    for route in spec.routes.values():
        if route.name not in ROUTES:
            fail(f"route {route.name!r} unknown")
        need_param(route.bioavailability, f"route {route.name}")
        need_param(route.declining_param, f"route {route.name}")
        need_param(route.decline_param, f"route {route.name}")
        for inp in route.inputs:
            if inp.compartment not in known:
                fail(f"route {route.name} doses unknown compartment {inp.compartment!r}")
            for name in (*inp.fraction, *inp.complement, inp.duration):
                need_param(name, f"route {route.name}")
    seen: set[str] = set()
    for block in spec.iiv:
        for name in block.params:
            need_param(name, "iiv")
            if name in seen:
                fail(f"parameter {name} has variability twice")
            seen.add(name)
        size = len(block.params)
        if len(block.covariance) != size or any(len(r) != size for r in block.covariance):
            fail(f"iiv block {block.params} covariance is not {size}x{size}")
    for route in spec.routes.values():
        for inp in route.inputs:
            if inp.duration in seen:
                fail(f"zero-order duration {inp.duration} must not vary between patients")
    if spec.metabolite is not None:
        if spec.metabolite.compartment not in known:
            fail("metabolite compartment unknown")
        if spec.compartments[names.index(spec.metabolite.compartment)].volume is None:
            fail("metabolite compartment needs a volume")
    if spec.compartments[names.index(spec.central)].volume is None:
        fail("central compartment needs a volume")
    need_param(spec.venous_rate_param, "venous_rate_param")
