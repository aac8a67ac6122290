"""Turn a regimen into the boluses and zero-order inputs of the linear system.

Each route sends fixed shares of a dose to compartments (a depot, the central compartment, a gut
depot on the way to the liver), as a bolus, as the IV infusion the dose asks for, or as a
zero-order input over the route's duration (Perez-Ruixo Dsw/Dpo, Simons D1/D2). For a device route
(Spravato) each 28-mg device is its own input and the 2nd and later devices of a session get the
reduced nasal fraction (Perez-Ruixo 2021 Table 3: x0.62).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ketacare.pk import limits
from ketacare.pk._types import FloatArray
from ketacare.pk.errors import PkInputError
from ketacare.pk.linear import Bolus, Infusion
from ketacare.pk.regimen import Dose, Regimen
from ketacare.pk.spec import ModelSpec, Route


@dataclass(frozen=True)
class Inputs:
    boluses: tuple[Bolus, ...]
    infusions: tuple[Infusion, ...]


def regimen_inputs(
    spec: ModelSpec,
    params: Mapping[str, FloatArray],
    regimen: Regimen,
    n_states: int,
    bioavailability: float | None = None,
) -> Inputs:
    """Boluses and infusions (amounts per patient) for every dose of ``regimen``."""
    for dose in regimen.doses:
        if dose.route not in spec.routes:
            raise PkInputError(
                "route",
                f"model {spec.id!r} has no route {dose.route!r}; "
                f"its routes: {', '.join(sorted(spec.routes))}",
            )
    values = dict(params)
    if bioavailability is not None:
        _override_bioavailability(spec, regimen, values, bioavailability)
    n_pat = next(iter(values.values())).size
    boluses: list[Bolus] = []
    infusions: list[Infusion] = []
    device_position = _device_positions(spec, regimen)
    for index, dose in enumerate(regimen.doses):
        route = spec.routes[dose.route]
        for part_mg, position in _parts(route, dose, device_position.get(index)):
            for inp in route.inputs:
                share = np.ones(n_pat)
                for name in inp.fraction:
                    share = share * _device_value(route, values, name, position)
                for name in inp.complement:
                    share = share * (1.0 - _device_value(route, values, name, position))
                amount = np.zeros((n_pat, n_states))
                amount[:, spec.compartment_index(inp.compartment)] = part_mg * share
                duration = (
                    dose.over_min if inp.duration is None else _duration(values, inp.duration)
                )
                if duration > 0.0:
                    infusions.append(Infusion(dose.t_min, dose.t_min + duration, amount / duration))
                else:
                    boluses.append(Bolus(dose.t_min, amount))
    return Inputs(tuple(boluses), tuple(infusions))


def _override_bioavailability(
    spec: ModelSpec, regimen: Regimen, values: dict[str, FloatArray], fraction: float
) -> None:
    if not 0.0 < fraction <= 1.0:
        raise PkInputError(
            "bioavailability", f"bioavailability must be in (0, 1], got {fraction:g}"
        )
    for route_name in regimen.routes:
        name = spec.routes[route_name].bioavailability
        if name is None:
            raise PkInputError(
                "bioavailability", f"route {route_name!r} has no bioavailability to override"
            )
        values[name] = np.full_like(values[name], fraction)


def _duration(values: Mapping[str, FloatArray], name: str) -> float:
    durations = values[name]
    if not np.all(durations == durations[0]):
        raise PkInputError("regimen", f"zero-order duration {name} must be the same for everyone")
    return float(durations[0])


def _device_value(
    route: Route, values: Mapping[str, FloatArray], name: str, position: int | None
) -> FloatArray:
    value = values[name]
    if position and name == route.declining_param and route.decline_param is not None:
        return value * values[route.decline_param]
    return value


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
