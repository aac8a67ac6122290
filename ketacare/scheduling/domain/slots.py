"""Free slots for one service: a chair or room, a performer and, when needed, a prescriber.

A slot is a block ``[start, start + duration + recovery + buffer)``:

- one resource of the service's kind (chair or room) is free for the whole block;
- a performer holding one of the service's roles is working (on site, not blocked) and
  performs nothing else during the procedure part ``[start, start + duration)``; they may
  watch a recovering patient while starting the next one;
- when the service needs a prescriber on site (Spravato REMS: during administration and
  monitoring), a prescriber is working on site and not blocked for the whole block. Presence
  is not exclusive: one prescriber on site covers any number of chairs and may perform other
  appointments meanwhile (the REMS asks for a prescriber on site, not one per patient);
- the patient has no other appointment overlapping the block;
- the block lies inside the site's opening hours, starts on the local step grid (every
  ``step_min`` minutes from local midnight, so 09:00, 09:15 ... in the site's zone) and not
  before ``not_before``.

Choices are deterministic: among free resources, and among able performers or prescribers,
the one with the fewest appointments on the local days the search window touches comes first
(work is spread over the day's chairs and staff), then the smaller id.
Every free resource gives its own slot (the front desk may pick the chair); the slots at one
start are ordered by that preference, so the first slot is the engine's choice.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols.service_types import ServiceType
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.scheduling.domain.hours import local_to_utc, zone
from ketacare.scheduling.domain.intervals import Interval, aware_utc, merge, subtract

ResourceKind = Literal["chair", "room"]
PRESCRIBER_ROLE = "prescriber"
DEFAULT_STEP_MIN = 15
_MAX_SERVICE_MIN = 24 * 60
_MAX_BUFFER_MIN = 240
_DAY_MIN = 24 * 60


def _minutes(value: int, field_name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ClinicalInputError(
            field_name, f"{value!r} must be a whole number of minutes from {low} to {high}"
        )


@dataclass(frozen=True)
class ServiceSpec:
    """What the engine needs of a bookable service (the app's Service row).

    ``min_monitored_min`` is the shortest procedure + recovery a rule allows (Spravato: 120
    min from the first device, SPRAVATO REMS, via ``ServiceType.min_chair_block_min``).
    """

    id: str
    duration_min: int
    performer_roles: frozenset[str]
    recovery_min: int = 0
    buffer_min: int = 0
    resource_kind: ResourceKind = "chair"
    prescriber_on_site: bool = False
    min_monitored_min: int | None = None

    def __post_init__(self) -> None:
        _minutes(self.duration_min, "duration_min", 1, _MAX_SERVICE_MIN)
        _minutes(self.recovery_min, "recovery_min", 0, _MAX_SERVICE_MIN)
        _minutes(self.buffer_min, "buffer_min", 0, _MAX_BUFFER_MIN)
        if self.resource_kind not in ("chair", "room"):
            raise ClinicalInputError(
                "resource_kind", f"{self.resource_kind!r} must be 'chair' or 'room'"
            )
        if not self.performer_roles:
            raise ClinicalInputError("performer_roles", "name at least one role that performs it")
        monitored = self.duration_min + self.recovery_min
        if self.min_monitored_min is not None and monitored < self.min_monitored_min:
            raise ClinicalInputError(
                "recovery_min",
                f"duration + recovery is {monitored} min; this service needs at least "
                f"{self.min_monitored_min} min from the start to the end of monitoring",
            )

    @classmethod
    def from_service_type(
        cls,
        service_type: ServiceType,
        *,
        duration_min: int,
        performer_roles: frozenset[str],
        recovery_min: int = 0,
        buffer_min: int = 0,
    ) -> ServiceSpec:
        """A spec that keeps the core's rules of ``service_type`` (chair, prescriber, block)."""
        return cls(
            id=service_type.id,
            duration_min=duration_min,
            performer_roles=performer_roles,
            recovery_min=recovery_min,
            buffer_min=buffer_min,
            resource_kind="chair" if service_type.needs_chair else "room",
            prescriber_on_site=service_type.needs_prescriber_on_site,
            min_monitored_min=service_type.min_chair_block_min,
        )

    @property
    def block_min(self) -> int:
        return self.duration_min + self.recovery_min + self.buffer_min


@dataclass(frozen=True)
class Resource:
    """A chair or room of the site, with the blocks already booked on it."""

    id: str
    kind: ResourceKind
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Staff:
    """A staff member at the site: ``working`` is their expanded hours there (leave already
    removed), ``busy`` the procedures they perform, ``blocked`` times on site but unavailable
    for anything (a meeting, a call away from the floor)."""

    id: str
    roles: frozenset[str]
    working: tuple[Interval, ...]
    busy: tuple[Interval, ...] = ()
    blocked: tuple[Interval, ...] = field(default=())


@dataclass(frozen=True)
class Slot:
    """A bookable block: ``end`` is the block's end (buffer included), ``procedure_end`` the
    end of the part the performer is taken."""

    start: datetime
    end: datetime
    procedure_end: datetime
    resource_id: str
    performer_id: str
    prescriber_id: str | None


class _Timeline:
    """Merged, sorted intervals with O(log n) "holds the block" and "touches the block"."""

    def __init__(self, intervals: Sequence[Interval]) -> None:
        self.parts = merge(intervals)
        self.starts = [part.start for part in self.parts]

    def _before(self, block: Interval) -> int:
        return bisect_right(self.starts, block.start) - 1

    def holds(self, block: Interval) -> bool:
        index = self._before(block)
        return index >= 0 and self.parts[index].contains(block)

    def clear(self, block: Interval) -> bool:
        index = max(self._before(block), 0)
        # Merged parts do not overlap: past the next one, none can reach the block.
        return not any(part.overlaps(block) for part in self.parts[index : index + 2])


def _count_in(busy: Sequence[Interval], window: Interval) -> int:
    return sum(interval.overlaps(window) for interval in busy)


def _grid_starts(
    opening: Sequence[Interval], tz: ZoneInfo, step_min: int, window: Interval
) -> list[datetime]:
    """Instants on the local step grid inside opening hours and the window, sorted.

    In a repeated hour (clocks going back) a grid time is offered at its first occurrence.
    """
    starts: set[datetime] = set()
    for part in opening:
        low, high = max(part.start, window.start), min(part.end, window.end)
        if low >= high:
            continue
        day: date = low.astimezone(tz).date()
        while day <= high.astimezone(tz).date():
            for minute in range(0, _DAY_MIN, step_min):
                at = time(minute // 60, minute % 60)
                instant = local_to_utc(day, at, tz, "start")
                if low <= instant < high:
                    starts.add(instant)
            day += timedelta(days=1)
    return sorted(starts)


def _ordered(counts: dict[str, int]) -> list[str]:
    return sorted(counts, key=lambda ident: (counts[ident], ident))


def _unique(ids: Sequence[str], field_name: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise ClinicalInputError(field_name, f"id {ident!r} appears twice")
        seen.add(ident)


def find_slots(
    service: ServiceSpec,
    window: Interval,
    *,
    opening: Sequence[Interval],
    resources: Sequence[Resource],
    staff: Sequence[Staff],
    patient_busy: Sequence[Interval],
    time_zone: str | ZoneInfo,
    step_min: int = DEFAULT_STEP_MIN,
    not_before: datetime | None = None,
) -> list[Slot]:
    """Every free slot of ``service`` starting inside ``window``, by start then preference."""
    tz = zone(time_zone)
    _minutes(step_min, "step_min", 1, 240)
    if _DAY_MIN % step_min:
        raise ClinicalInputError(
            "step_min", f"{step_min} must divide a day (1440 min) so the grid restarts each day"
        )
    _unique([resource.id for resource in resources], "resources")
    _unique([member.id for member in staff], "staff")
    if not_before is not None:
        floor = aware_utc(not_before, "not_before")
        if floor >= window.end:
            return []
        if floor > window.start:
            window = Interval(floor, window.end)
    days = Interval(
        *day_bounds_utc(
            window.start.astimezone(tz).date(),
            (window.end - timedelta(microseconds=1)).astimezone(tz).date(),
            tz,
        )
    )
    block_span = timedelta(minutes=service.block_min)
    procedure_span = timedelta(minutes=service.duration_min)
    open_line = _Timeline(opening)
    patient_line = _Timeline(patient_busy)
    own = [resource for resource in resources if resource.kind == service.resource_kind]
    resource_lines = {resource.id: _Timeline(resource.busy) for resource in own}
    resource_order = _ordered({r.id: _count_in(r.busy, days) for r in own})
    present = {m.id: _Timeline(subtract(m.working, m.blocked)) for m in staff}
    performing = {
        m.id: _Timeline(subtract(present[m.id].parts, m.busy))
        for m in staff
        if m.roles & service.performer_roles
    }
    counts = {m.id: _count_in(m.busy, days) for m in staff}
    performer_order = _ordered({ident: counts[ident] for ident in performing})
    prescriber_order = _ordered({m.id: counts[m.id] for m in staff if PRESCRIBER_ROLE in m.roles})
    slots: list[Slot] = []
    for start in _grid_starts(open_line.parts, tz, step_min, window):
        block = Interval(start, start + block_span)
        procedure = Interval(start, start + procedure_span)
        if not open_line.holds(block) or not patient_line.clear(block):
            continue
        performer = next((p for p in performer_order if performing[p].holds(procedure)), None)
        if performer is None:
            continue
        prescriber = None
        if service.prescriber_on_site:
            prescriber = next((p for p in prescriber_order if present[p].holds(block)), None)
            if prescriber is None:
                continue
        for resource_id in resource_order:
            if resource_lines[resource_id].clear(block):
                slots.append(
                    Slot(start, block.end, procedure.end, resource_id, performer, prescriber)
                )
    return slots
