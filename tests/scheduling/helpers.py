"""A small clinic for scheduling tests: New York, chairs, nurses, a prescriber, hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from ketacare.scheduling.domain.course import SlotFinder
from ketacare.scheduling.domain.hours import DayException, expand_hours
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Resource, ServiceSpec, Slot, Staff, find_slots

NY = "America/New_York"
NURSE = frozenset({"nurse"})
INFUSION = ServiceSpec(
    "ketamine_infusion", 40, NURSE, recovery_min=60, buffer_min=15, resource_kind="chair"
)
FIRST_DAY, LAST_DAY = date(2026, 2, 23), date(2026, 5, 31)


def hours(
    days: Sequence[int] = range(5), exceptions: Sequence[DayException] = ()
) -> list[Interval]:
    pattern = {day: [(time(9), time(17))] for day in days}
    return expand_hours(pattern, exceptions, NY, FIRST_DAY, LAST_DAY)


def finder(
    opening: list[Interval],
    service: ServiceSpec = INFUSION,
    patient_busy: Sequence[Interval] = (),
) -> SlotFinder:
    """The earliest slot in a range, from ``find_slots`` (what the app will pass)."""

    def earliest(not_before: datetime, before: datetime) -> Slot | None:
        slots = find_slots(
            service,
            Interval(not_before, before),
            opening=opening,
            resources=(Resource("c1", "chair"),),
            staff=(Staff("n1", NURSE, working=tuple(opening)),),
            patient_busy=patient_busy,
            time_zone=NY,
        )
        return slots[0] if slots else None

    return earliest


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    """Local New York wall time as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(NY)).astimezone(UTC)
