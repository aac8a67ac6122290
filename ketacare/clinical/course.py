"""The course a plan states: the protocol's own phases, then the maintenance that follows an
induction (for example six infusions in 2-3 weeks, then maintenance infusions)."""

from __future__ import annotations

from typing import Any

from ketacare.clinical.protocols import Protocol, load_protocols


def _fits_age(protocol: Protocol, age_years: int) -> bool:
    return protocol.age_min_years <= age_years <= (protocol.age_max_years or 120)


def follow_on(protocol: Protocol, age_years: int) -> Protocol | None:
    """The maintenance protocol for the same drug, route and indication after an induction."""
    if not protocol.schedule[0].phase.startswith("induction"):
        return None
    for other in load_protocols().values():
        if (
            other.schedule[0].phase.startswith("maintenance")
            and other.drug == protocol.drug
            and other.route == protocol.route
            and other.screening_option == protocol.screening_option
            and set(other.indication_codes) & set(protocol.indication_codes)
            and _fits_age(other, age_years)
        ):
            return other
    return None


def course(protocol: Protocol, age_years: int) -> list[dict[str, Any]]:
    """Every phase in order, each naming the protocol it comes from."""
    protocols = [protocol]
    maintenance = follow_on(protocol, age_years)
    if maintenance is not None:
        protocols.append(maintenance)
    return [
        {
            "protocol": p.id,
            "protocol_title": p.title,
            **phase.model_dump(mode="json", exclude={"internal_note"}),
        }
        for p in protocols
        for phase in p.schedule
    ]
