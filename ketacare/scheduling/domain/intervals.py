"""Half-open time intervals ``[start, end)`` of aware instants, and the set algebra on them.

Every scheduling rule (free chair, working nurse, patient not double-booked) reduces to
"does this block lie inside the free time and overlap nothing busy", so that algebra lives in
one place. Instants are normalised to UTC: a naive time would silently mean the server's zone.
Half-open means back-to-back appointments (one ends 10:00, the next starts 10:00) do not clash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ketacare.clinical.errors import ClinicalInputError


def aware_utc(value: datetime, field: str) -> datetime:
    """``value`` in UTC; a naive date-time is refused (it would mean the server's zone)."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ClinicalInputError(
            field, f"{value!r} has no time zone: give an aware date-time (e.g. UTC)"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True, order=True)
class Interval:
    """``[start, end)`` in UTC; ``end`` must lie after ``start``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = aware_utc(self.start, "start")
        end = aware_utc(self.end, "end")
        if end <= start:
            raise ClinicalInputError(
                "end", f"{end.isoformat()} must be after start {start.isoformat()}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def of_minutes(cls, start: datetime, minutes: int) -> Interval:
        return cls(start, start + timedelta(minutes=minutes))

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / timedelta(minutes=1)

    def overlaps(self, other: Interval) -> bool:
        """True when the two share an instant (touching ends do not overlap)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined into one."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(free: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """The parts of ``free`` that no ``busy`` interval touches, merged and sorted."""
    busy_merged = merge(busy)
    left: list[Interval] = []
    for part in merge(free):
        cursor = part.start
        for taken in busy_merged:
            if taken.end <= cursor or taken.start >= part.end:
                continue
            if taken.start > cursor:
                left.append(Interval(cursor, taken.start))
            cursor = max(cursor, taken.end)
            if cursor >= part.end:
                break
        if cursor < part.end:
            left.append(Interval(cursor, part.end))
    return left


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    """The instants in both sets (e.g. a nurse's hours within the site's opening hours)."""
    other = merge(second)
    common: list[Interval] = []
    for part in merge(first):
        for piece in other:
            start, end = max(part.start, piece.start), min(part.end, piece.end)
            if start < end:
                common.append(Interval(start, end))
    return merge(common)


def covers(intervals: Iterable[Interval], block: Interval) -> bool:
    """True when one stretch of ``intervals`` (once merged) holds the whole ``block``."""
    return any(part.contains(block) for part in merge(intervals))


def overlaps_any(intervals: Iterable[Interval], block: Interval) -> bool:
    return any(interval.overlaps(block) for interval in intervals)
