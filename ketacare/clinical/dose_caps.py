"""The ceiling a protocol's sources set on one session, in mg, and how it is stated.

A rule may cap the infusion rate (``max_rate_mg_per_h``: mg/h x the infusion's hours) and the
session's mg (``max_session_mg``); the lower of the two binds. A calculated dose above it is
lowered to it with a warning; a prescriber's dose above it is refused. Both messages name the
cap and its source, so nobody has to ask where a ceiling came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols.model import DeviceDose, Protocol
from ketacare.clinical.sources import cite


def _fmt(value: float | Decimal) -> str:
    return f"{float(value):g}"


@dataclass(frozen=True)
class SessionCap:
    """The binding cap: its mg for the session, what kind it is and its cited sources."""

    protocol: str
    kind: Literal["rate", "session"]
    value: float  # mg/h for a rate cap, mg for a session cap
    mg: Decimal
    duration_min: int | None
    source_keys: tuple[str, ...]

    @property
    def source(self) -> str:
        return cite(*self.source_keys)

    @property
    def limit_text(self) -> str:
        unit = "mg/h" if self.kind == "rate" else "mg"
        return f"{self.kind} cap of {_fmt(self.value)} {unit}"

    def amount_text(self, dose_mg: float | Decimal) -> str:
        """The dose as the cap measures it: mg over the infusion and mg/h, or mg."""
        if self.kind == "rate" and self.duration_min:
            rate = Decimal(str(dose_mg)) * 60 / self.duration_min
            rate = rate.quantize(Decimal("0.01"), ROUND_HALF_UP)
            return f"{_fmt(dose_mg)} mg over {self.duration_min} min, {_fmt(rate)} mg/h"
        return f"{_fmt(dose_mg)} mg"

    def note(self, dose_mg: float, *, capped: bool) -> str:
        """The words shown beside the dose: the cap, its source and whether it bound."""
        if not capped:
            return f"within the {self.limit_text} ({self.source})"
        if self.kind == "rate":
            return (
                f"rate capped at {_fmt(self.value)} mg/h ({self.source}): {_fmt(dose_mg)} mg "
                f"over {self.duration_min} min"
            )
        return f"dose capped at {_fmt(self.value)} mg a session ({self.source})"

    def refuse_above(self, field: str, dose_mg: Decimal, lead: str = "") -> None:
        """Refuse a prescriber's dose above the cap, naming the cap and its source."""
        if dose_mg <= self.mg:
            return
        lead = f"{lead} " if lead else ""
        raise ClinicalInputError(
            field,
            f"{lead}{self.amount_text(dose_mg)}: above the {self.limit_text} of protocol "
            f"{self.protocol} ({self.source})",
        )


def session_cap(protocol: Protocol) -> SessionCap | None:
    """The lower of the rule's rate cap (over the infusion) and session cap, or None."""
    rule = protocol.dose
    if isinstance(rule, DeviceDose):
        return None
    duration = protocol.infusion.duration_min if protocol.infusion else None
    caps: list[SessionCap] = []
    if rule.max_session_mg is not None:
        cap = rule.max_session_mg
        caps.append(
            SessionCap(
                protocol.id, "session", cap.value, Decimal(repr(cap.value)), duration, cap.sources
            )
        )
    if rule.max_rate_mg_per_h is not None and duration:
        cap = rule.max_rate_mg_per_h
        mg = Decimal(repr(cap.value)) * duration / 60
        caps.append(SessionCap(protocol.id, "rate", cap.value, mg, duration, cap.sources))
    return min(caps, key=lambda cap: cap.mg) if caps else None
