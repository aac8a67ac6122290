"""Whether one chosen block can be booked: the rule it breaks, or the booking it clashes with.

``find_slots`` offers starts on the grid; a booking names its own start (a walk-in at 10:07,
a start the front desk typed), its chair and its performer, so it is checked here with the
same rules: the block inside opening hours, the performer working for the procedure and
holding a role that performs the service, and no overlap with the chair's blocks, the
performer's procedures or the patient's other appointments; a prescriber on site for the
whole block when the service needs one (presence is not exclusive, see ``slots.py``).

Rule breaks (``rules``) are bad input for this service (HTTP 422); clashes (``conflicts``)
mean the time is taken (HTTP 409). Each names the field it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.scheduling.domain.intervals import Interval, covers, overlaps_any
from ketacare.scheduling.domain.slots import PRESCRIBER_ROLE, Resource, ServiceSpec, Staff


@dataclass(frozen=True)
class BlockCheck:
    block: Interval
    procedure: Interval
    rules: dict[str, str]
    conflicts: dict[str, str]
    prescriber_id: str | None

    @property
    def ok(self) -> bool:
        return not self.rules and not self.conflicts


def check_block(
    service: ServiceSpec,
    start: datetime,
    *,
    opening: Sequence[Interval],
    resource: Resource,
    performer: Staff,
    staff: Sequence[Staff],
    patient_busy: Sequence[Interval],
) -> BlockCheck:
    """Every rule and clash of booking ``service`` at ``start`` on ``resource`` with
    ``performer``; ``staff`` are the site's other staff (for the prescriber on site)."""
    block = Interval(start, start + timedelta(minutes=service.block_min))
    procedure = Interval(start, start + timedelta(minutes=service.duration_min))
    rules: dict[str, str] = {}
    conflicts: dict[str, str] = {}
    if resource.kind != service.resource_kind:
        rules["resource"] = f"this service needs a {service.resource_kind}, not a {resource.kind}"
    if not covers(opening, block):
        rules["start"] = (
            "the whole block (procedure, recovery and buffer) must fall within the site's "
            "opening hours"
        )
    if not performer.roles & service.performer_roles:
        rules["performer"] = (
            "must hold a role that performs this service: "
            f"{', '.join(sorted(service.performer_roles))}"
        )
    elif not covers(performer.working, procedure) or overlaps_any(performer.blocked, procedure):
        rules["performer"] = "is not working at this site for the whole procedure"
    if overlaps_any(resource.busy, block):
        conflicts["resource"] = "the chair or room is booked for part of this block"
    if overlaps_any(performer.busy, procedure):
        conflicts["performer"] = "the performer has another procedure at this time"
    if overlaps_any(patient_busy, block):
        conflicts["patient"] = "the patient has another appointment overlapping this block"
    prescriber_id = None
    if service.prescriber_on_site:
        on_site = [
            member
            for member in sorted(staff, key=lambda m: m.id)
            if PRESCRIBER_ROLE in member.roles
            and covers(member.working, block)
            and not overlaps_any(member.blocked, block)
        ]
        if on_site:
            # The performer, when they are a prescriber on site; else the first by id.
            ids = [member.id for member in on_site]
            prescriber_id = performer.id if performer.id in ids else ids[0]
        else:
            conflicts["prescriber_on_site"] = (
                "no prescriber is rostered on site for the whole block (SPRAVATO REMS)"
            )
    return BlockCheck(block, procedure, rules, conflicts, prescriber_id)
