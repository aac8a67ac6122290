"""Dosing regimens: boluses, zero-order infusions, Spravato devices, repeated doses."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ketacare.pk import limits
from ketacare.pk.errors import PkInputError
from ketacare.pk.spec import ROUTES


@dataclass(frozen=True)
class Dose:
    """One administration: ``dose_mg`` by ``route`` at ``t_min``, over ``over_min`` (IV only).

    ``over_min`` 0 is a bolus; an IV infusion with rate changes is several consecutive doses.
    """

    t_min: float
    route: str
    dose_mg: float
    over_min: float = 0.0

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise PkInputError(
                "route", f"unknown route {self.route!r}; choose one of {', '.join(ROUTES)}"
            )
        if not (math.isfinite(self.t_min) and self.t_min >= 0.0):
            raise PkInputError("t_min", f"dose time t_min must be >= 0 min, got {self.t_min:g}")
        if not (math.isfinite(self.dose_mg) and 0.0 < self.dose_mg <= limits.DOSE_MAX_MG):
            raise PkInputError(
                "dose_mg",
                f"dose_mg must be above 0 and at most {limits.DOSE_MAX_MG:g} mg, "
                f"got {self.dose_mg:g}",
            )
        if not (math.isfinite(self.over_min) and 0.0 <= self.over_min <= limits.INFUSION_MAX_MIN):
            raise PkInputError(
                "over_min",
                f"over_min must be between 0 and {limits.INFUSION_MAX_MIN:g} min, "
                f"got {self.over_min:g}",
            )
        if self.over_min > 0.0 and self.route != "iv":
            raise PkInputError(
                "over_min", f"over_min applies to IV infusions only, not route {self.route!r}"
            )

    @property
    def rate_mg_per_h(self) -> float:
        """Infusion rate, or inf for a bolus."""
        return math.inf if self.over_min == 0.0 else self.dose_mg / self.over_min * 60.0


@dataclass(frozen=True)
class Regimen:
    """An ordered set of doses of one drug."""

    doses: tuple[Dose, ...]

    def __post_init__(self) -> None:
        if not self.doses:
            raise PkInputError("regimen", "a regimen needs at least one dose")
        ordered = tuple(sorted(self.doses, key=lambda d: (d.t_min, d.route)))
        object.__setattr__(self, "doses", ordered)

    @classmethod
    def single(
        cls, route: str, dose_mg: float, over_min: float = 0.0, t_min: float = 0.0
    ) -> Regimen:
        return cls((Dose(t_min=t_min, route=route, dose_mg=dose_mg, over_min=over_min),))

    @classmethod
    def spravato(cls, devices: int, t_min: float = 0.0) -> Regimen:
        """A Spravato session: ``devices`` x 28 mg, 5 minutes apart (US label section 2)."""
        if not (1 <= devices <= limits.ESKETAMINE_MAX_DEVICES):
            raise PkInputError(
                "devices",
                f"devices must be 1 to {limits.ESKETAMINE_MAX_DEVICES} (28, 56 or 84 mg), "
                f"got {devices}",
            )
        return cls(
            tuple(
                Dose(
                    t_min=t_min + k * limits.ESKETAMINE_DEVICE_INTERVAL_MIN,
                    route="intranasal",
                    dose_mg=limits.ESKETAMINE_DEVICE_MG,
                )
                for k in range(devices)
            )
        )

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]]) -> Regimen:
        """From ``[{"t_min", "route", "dose_mg", "over_min"}, ...]`` (over_min optional)."""
        doses = []
        for i, event in enumerate(events):
            if not isinstance(event, Mapping):
                raise PkInputError("regimen", f"regimen event {i} is not an object")
            unknown = set(event) - {"t_min", "route", "dose_mg", "over_min"}
            if unknown:
                raise PkInputError(
                    "regimen", f"regimen event {i} has unknown keys: {', '.join(sorted(unknown))}"
                )
            try:
                doses.append(
                    Dose(
                        t_min=_number(event["t_min"], f"event {i} t_min"),
                        route=str(event["route"]),
                        dose_mg=_number(event["dose_mg"], f"event {i} dose_mg"),
                        over_min=_number(event.get("over_min", 0.0), f"event {i} over_min"),
                    )
                )
            except KeyError as exc:
                raise PkInputError("regimen", f"regimen event {i} lacks {exc.args[0]!r}") from None
        return cls(tuple(doses))

    @classmethod
    def from_json(cls, text: str) -> Regimen:
        try:
            events = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PkInputError("regimen", f"regimen is not valid JSON: {exc}") from None
        if not isinstance(events, list):
            raise PkInputError("regimen", "regimen JSON must be a list of dose events")
        return cls.from_events(events)

    def scaled(self, factor: float) -> Regimen:
        """Every dose multiplied by ``factor`` (dose-linearity checks)."""
        return Regimen(
            tuple(Dose(d.t_min, d.route, d.dose_mg * factor, d.over_min) for d in self.doses)
        )

    def __add__(self, other: Regimen) -> Regimen:
        return Regimen(self.doses + other.doses)

    @property
    def routes(self) -> tuple[str, ...]:
        return tuple(sorted({d.route for d in self.doses}))

    @property
    def total_mg(self) -> float:
        return sum(d.dose_mg for d in self.doses)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PkInputError("regimen", f"{what} must be a number, got {value!r}")
    return float(value)
