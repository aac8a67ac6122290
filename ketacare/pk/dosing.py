"""Turn a regimen into the boluses and zero-order inputs of the linear system.

Each route sends fixed shares of a dose to compartments (a depot, the central compartment, a gut
depot on the way to the liver), as a bolus, as the IV infusion the dose asks for, or as a
zero-order input over the route's duration (Perez-Ruixo Dsw/Dpo, Simons D1/D2). For a device route
(Spravato) each 28-mg device is its own input and the 2nd and later devices of a session get the
reduced nasal fraction (Perez-Ruixo 2021 Table 3: x0.62).

``dose_parts`` reads the regimen against the model once (no patient values yet);
``regimen_inputs`` turns the parts into per-patient arrays for the batch solver and
``one_patient_inputs`` into plain floats for the single-curve path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ketacare.pk import limits
from ketacare.pk._types import FloatArray
from ketacare.pk.errors import PkInputError
from ketacare.pk.linear import Bolus, Infusion, StateBolus, StateInfusion
from ketacare.pk.regimen import Dose, Regimen
from ketacare.pk.spec import ModelSpec, Route


@dataclass(frozen=True)
class Inputs:
    boluses: tuple[Bolus, ...]
    infusions: tuple[Infusion, ...]


class Factor(NamedTuple):
    """A parameter in a dose share, multiplied by ``decline`` when set (a later device)."""

    name: str
    decline: str | None = None


class DosePart(NamedTuple):
    """A share of one dose (or one device) into one state, before patient values are known.

    share = prod(fractions) * prod(1 - complements). It enters over ``over_min`` (the dose's own
    IV infusion length, 0 for a bolus) unless the route gives a zero-order ``duration`` parameter.
    """

    t_min: float
    state: int
    mg: float
    fractions: tuple[Factor, ...]
    complements: tuple[Factor, ...]
    over_min: float
    duration: str | None


def dose_parts(spec: ModelSpec, regimen: Regimen) -> list[DosePart]:
    """Every (dose or device, route input) pair of ``regimen``, checked against the model."""
    for dose in regimen.doses:
        if dose.route not in spec.routes:
            raise PkInputError(
                "route",
                f"model {spec.id!r} has no route {dose.route!r}; "
                f"its routes: {', '.join(sorted(spec.routes))}",
            )
    parts: list[DosePart] = []
    device_position = _device_positions(spec, regimen)
    for index, dose in enumerate(regimen.doses):
        route = spec.routes[dose.route]
        for part_mg, position in _parts(route, dose, device_position.get(index)):
            for inp in route.inputs:
                parts.append(
                    DosePart(
                        t_min=dose.t_min,
                        state=spec.compartment_index(inp.compartment),
                        mg=part_mg,
                        fractions=_factors(inp.fraction, route, position),
                        complements=_factors(inp.complement, route, position),
                        over_min=dose.over_min,
                        duration=inp.duration,
                    )
                )
    return parts


def bioavailability_params(spec: ModelSpec, regimen: Regimen, fraction: float) -> list[str]:
    """The parameters a ``bioavailability`` override replaces, or a PkInputError."""
    if not 0.0 < fraction <= 1.0:
        raise PkInputError(
            "bioavailability", f"bioavailability must be in (0, 1], got {fraction:g}"
        )
    names: list[str] = []
    for route_name in regimen.routes:
        name = spec.routes[route_name].bioavailability
        if name is None:
            raise PkInputError(
                "bioavailability", f"route {route_name!r} has no bioavailability to override"
            )
        names.append(name)
    return names


def regimen_inputs(
    spec: ModelSpec,
    params: Mapping[str, FloatArray],
    regimen: Regimen,
    n_states: int,
    bioavailability: float | None = None,
) -> Inputs:
    """Boluses and infusions (amounts per patient) for every dose of ``regimen``."""
    parts = dose_parts(spec, regimen)
    values = dict(params)
    if bioavailability is not None:
        for name in bioavailability_params(spec, regimen, bioavailability):
            values[name] = np.full_like(values[name], bioavailability)
    n_pat = next(iter(values.values())).size
    boluses: list[Bolus] = []
    infusions: list[Infusion] = []
    for part in parts:
        share = np.ones(n_pat)
        for f in part.fractions:
            share = share * _factor_values(f, values)
        for f in part.complements:
            share = share * (1.0 - _factor_values(f, values))
        amount = np.zeros((n_pat, n_states))
        amount[:, part.state] = part.mg * share
        duration = part.over_min if part.duration is None else _duration(values, part.duration)
        if duration > 0.0:
            infusions.append(Infusion(part.t_min, part.t_min + duration, amount / duration))
        else:
            boluses.append(Bolus(part.t_min, amount))
    return Inputs(tuple(boluses), tuple(infusions))


def one_patient_inputs(
    parts: Sequence[DosePart], values: Mapping[str, float]
) -> tuple[list[StateBolus], list[StateInfusion]]:
    """``regimen_inputs`` for one patient in plain floats, each input naming the state it enters."""
    boluses: list[StateBolus] = []
    infusions: list[StateInfusion] = []
    for part in parts:
        share = 1.0
        for f in part.fractions:
            share *= _factor_value(f, values)
        for f in part.complements:
            share *= 1.0 - _factor_value(f, values)
        amount = part.mg * share
        duration = part.over_min if part.duration is None else values[part.duration]
        if duration > 0.0:
            infusions.append(
                StateInfusion(part.t_min, part.t_min + duration, part.state, amount / duration)
            )
        else:
            boluses.append(StateBolus(part.t_min, part.state, amount))
    return boluses, infusions


def _duration(values: Mapping[str, FloatArray], name: str) -> float:
    durations = values[name]
    if not np.all(durations == durations[0]):
        raise PkInputError("regimen", f"zero-order duration {name} must be the same for everyone")
    return float(durations[0])


def _factors(names: tuple[str, ...], route: Route, position: int | None) -> tuple[Factor, ...]:
    """The named parameters; for a 2nd or later device the declining one carries the decline."""
    if not names:
        return ()
    later = bool(position) and route.decline_param is not None
    return tuple(
        Factor(name, route.decline_param if later and name == route.declining_param else None)
        for name in names
    )


def _factor_values(factor: Factor, values: Mapping[str, FloatArray]) -> FloatArray:
    if factor.decline is None:
        return values[factor.name]
    return values[factor.name] * values[factor.decline]


def _factor_value(factor: Factor, values: Mapping[str, float]) -> float:
    if factor.decline is None:
        return values[factor.name]
    return values[factor.name] * values[factor.decline]


def _parts(route: Route, dose: Dose, first_position: int | None) -> list[tuple[float, int | None]]:
    """The dose split into devices (with their position in the session), or the whole dose."""
    if route.device_mg is None or first_position is None:
        return [(dose.dose_mg, None)]
    count = round(dose.dose_mg / route.device_mg)
    return [(route.device_mg, first_position + k) for k in range(count)]


def _device_positions(spec: ModelSpec, regimen: Regimen) -> dict[int, int]:
    """For each device-route dose, the position of its first device in its session (0-based)."""
    positions: dict[int, int] = {}
    for route in spec.routes.values():
        if route.device_mg is None:
            continue
        last_t: float | None = None
        in_session = 0
        for index, dose in enumerate(regimen.doses):
            if dose.route != route.name:
                continue
            count = dose.dose_mg / route.device_mg
            if abs(count - round(count)) > 1e-9 or round(count) < 1:
                raise PkInputError(
                    "dose_mg",
                    f"{spec.drug} {route.name} doses are whole {route.device_mg:g}-mg devices "
                    f"(28, 56 or 84 mg), got {dose.dose_mg:g} mg",
                )
            if last_t is None or dose.t_min - last_t >= limits.ESKETAMINE_SESSION_GAP_MIN:
                in_session = 0
            positions[index] = in_session
            in_session += round(count)
            last_t = dose.t_min
            if in_session > limits.ESKETAMINE_MAX_DEVICES:
                raise PkInputError(
                    "devices",
                    f"a session is at most {limits.ESKETAMINE_MAX_DEVICES} devices "
                    f"({limits.ESKETAMINE_MAX_DEVICES * limits.ESKETAMINE_DEVICE_MG:g} mg); "
                    f"devices less than {limits.ESKETAMINE_SESSION_GAP_MIN:g} min apart "
                    "count as one session",
                )
    return positions
