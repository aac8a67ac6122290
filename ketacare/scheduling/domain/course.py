"""Proposed dates for a course's sessions (an induction series booked in one step).

Each session takes the earliest free slot on or after the earliest moment the protocol allows:

- the phase's interval is counted in calendar days of the site's zone (a session on Monday
  and one on Thursday are 3 days apart whatever the hour): the next session falls on a local
  day from ``interval_days_min`` to ``interval_days_max`` days after the previous one (a
  fractional bound narrows: the minimum rounds up, the maximum down);
- it is at least the protocol's ``min_interval_hours`` after the previous session, and its
  dose keeps every rolling 24-hour and 7-day window within ``max_mg_per_day`` and
  ``max_mg_per_week`` (``ketacare.clinical.limits``); each placed session is checked back
  with ``check_proposed_session``.

When no slot exists before the maximum interval ends, the proposal stops there and says
which session could not be placed and why: the interval is never stretched silently (a
prescriber may choose to, with a reason, when booking). Nothing is saved: the caller shows
the proposal for adjustment.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.limits import DAY, WEEK, GivenSession, check_proposed_session
from ketacare.clinical.protocols.model import CitedValue, Protocol, SchedulePhase
from ketacare.clinical.sources import cite
from ketacare.lib.clinic_time import local_midnight_utc
from ketacare.scheduling.domain.hours import zone
from ketacare.scheduling.domain.intervals import aware_utc
from ketacare.scheduling.domain.slots import Slot

#: The earliest free slot starting in ``[not_before, before)``, or None.
SlotFinder = Callable[[datetime, datetime], Slot | None]
#: How far the first session of a course without a previous one is searched.
DEFAULT_FIRST_SEARCH_DAYS = 28
_MAX_SESSIONS = 60


@dataclass(frozen=True)
class ProposedSession:
    """Session ``number`` of the phase (1 = its first), the slot chosen and the allowed range."""

    number: int
    slot: Slot
    not_before: datetime
    before: datetime


@dataclass(frozen=True)
class Unplaced:
    """The first session that found no slot, the range searched, the reason in words and
    the citation of the rule that bounds the range."""

    number: int
    not_before: datetime
    before: datetime
    reason: str
    source: str


@dataclass(frozen=True)
class CourseProposal:
    protocol_id: str
    phase: str
    sessions: tuple[ProposedSession, ...]
    unplaced: Unplaced | None

    @property
    def complete(self) -> bool:
        return self.unplaced is None


def _phase(protocol: Protocol, name: str) -> SchedulePhase:
    for phase in protocol.schedule:
        if phase.phase == name:
            return phase
    names = ", ".join(repr(phase.phase) for phase in protocol.schedule)
    raise ClinicalInputError("phase", f"{name!r} is not a phase of {protocol.id}; phases: {names}")


def _mg_floor(
    history: Sequence[GivenSession], dose_mg: float, limit: CitedValue | None, width: timedelta
) -> datetime | None:
    """The earliest instant a dose of ``dose_mg`` fits the rolling ``width`` window.

    The heaviest window holding a new session at t sums the sessions in (t - width, t]; the
    oldest sessions must fall out of it until the rest and the new dose fit the limit.
    """
    if limit is None:
        return None
    # Decimal of the repr, as ``clinical.limits`` sums, so both agree to the last digit.
    room = Decimal(repr(limit.value)) - Decimal(repr(dose_mg))
    ordered = sorted(history, key=lambda given: given.at)
    remaining = sum((Decimal(repr(given.dose_mg)) for given in ordered), Decimal(0))
    floor = None
    for given in ordered:
        if remaining <= room:
            break
        remaining -= Decimal(repr(given.dose_mg))
        floor = given.at + width
    return floor


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _bounds(
    protocol: Protocol,
    phase: SchedulePhase,
    history: Sequence[GivenSession],
    dose_mg: float,
    first_earliest: datetime,
    tz: ZoneInfo,
    first_search_days: int,
) -> tuple[datetime, datetime, str, str]:
    """The allowed ``[not_before, before)`` for the next session, the rule and its source."""
    limits = protocol.limits
    floors = [first_earliest]
    for floor in (
        _mg_floor(history, dose_mg, limits.max_mg_per_day, DAY),
        _mg_floor(history, dose_mg, limits.max_mg_per_week, WEEK),
    ):
        if floor is not None:
            floors.append(floor)
    if not history:
        not_before = max(floors)
        before = local_midnight_utc(
            not_before.astimezone(tz).date() + timedelta(days=first_search_days), tz
        )
        rule = f"the {first_search_days} days searched for a first session"
        return not_before, before, rule, "ketacare scheduling: search horizon"
    last = max(history, key=lambda given: given.at)
    assert phase.interval_days_min is not None and phase.interval_days_max is not None
    last_day = last.at.astimezone(tz).date()
    days_min = math.ceil(phase.interval_days_min)
    days_max = math.floor(phase.interval_days_max)
    floors.append(local_midnight_utc(last_day + timedelta(days=days_min), tz))
    if limits.min_interval_hours is not None:
        floors.append(last.at + timedelta(hours=limits.min_interval_hours.value))
    before = local_midnight_utc(last_day + timedelta(days=days_max + 1), tz)
    rule = (
        f"the interval of {phase.interval_days_min:g}-{phase.interval_days_max:g} days after "
        f"the session at {_when(last.at, tz)} (phase '{phase.phase}' of {protocol.id})"
    )
    return max(floors), before, rule, cite(*phase.sources)


def propose_course(
    protocol: Protocol,
    phase: str,
    sessions_to_book: int,
    first_earliest: datetime,
    slot_finder: SlotFinder,
    *,
    dose_mg: float,
    time_zone: str | ZoneInfo,
    history: Sequence[GivenSession] = (),
    first_search_days: int = DEFAULT_FIRST_SEARCH_DAYS,
) -> CourseProposal:
    """Up to ``sessions_to_book`` sessions of ``phase`` after ``history`` (the sessions of
    the course already given or booked on ``protocol``), the first not before
    ``first_earliest``."""
    tz = zone(time_zone)
    start = aware_utc(first_earliest, "first_earliest")
    chosen = _phase(protocol, phase)
    in_phase = sum(given.phase == phase for given in history)
    if isinstance(sessions_to_book, bool) or not isinstance(sessions_to_book, int):
        raise ClinicalInputError("sessions_to_book", f"{sessions_to_book!r} must be a whole number")
    most = _MAX_SESSIONS if chosen.sessions is None else chosen.sessions - in_phase
    if not 1 <= sessions_to_book <= most:
        raise ClinicalInputError(
            "sessions_to_book",
            f"{sessions_to_book} must be from 1 to {most} (phase '{phase}' of {protocol.id}: "
            f"{chosen.sessions if chosen.sessions is not None else 'open-ended'} sessions, "
            f"{in_phase} already given or booked)",
        )
    if chosen.interval_days_min is None and (history or sessions_to_book > 1):
        raise ClinicalInputError(
            "phase",
            f"phase '{phase}' of {protocol.id} states no interval between sessions: the "
            "prescriber sets each date",
        )
    if not 1 <= first_search_days <= 366:
        raise ClinicalInputError("first_search_days", f"{first_search_days} must be 1 to 366")
    # Validates the history and the dose the way the limits do (field names included).
    check_proposed_session(protocol, history, GivenSession(start, dose_mg, phase))
    course = list(history)
    placed: list[ProposedSession] = []
    for offset in range(sessions_to_book):
        number = in_phase + offset + 1
        not_before, before, rule, source = _bounds(
            protocol, chosen, course, dose_mg, start, tz, first_search_days
        )
        slot = slot_finder(not_before, before) if not_before < before else None
        if slot is None:
            reason = (
                f"no free slot from {_when(not_before, tz)} to {_when(before, tz)} "
                f"({tz.key}), {rule}"
                if not_before < before
                else f"the limits allow nothing before {_when(not_before, tz)} ({tz.key}), "
                f"after the end of {rule}"
            )
            unplaced = Unplaced(number, not_before, before, reason, source)
            return CourseProposal(protocol.id, phase, tuple(placed), unplaced)
        if not not_before <= slot.start < before:
            raise ClinicalInputError(
                "slot_finder", f"returned {slot.start.isoformat()}, outside the range asked"
            )
        session = GivenSession(slot.start, dose_mg, phase)
        check = check_proposed_session(protocol, course, session)
        if not check.ok:
            reason = "; ".join(violation.message for violation in check.violations)
            source = "; ".join(violation.source for violation in check.violations)
            unplaced = Unplaced(number, not_before, before, reason, source)
            return CourseProposal(protocol.id, phase, tuple(placed), unplaced)
        course.append(session)
        placed.append(ProposedSession(number, slot, not_before, before))
    return CourseProposal(protocol.id, phase, tuple(placed), None)


def check_course_dates(
    protocol: Protocol,
    phase: str,
    starts: Sequence[datetime],
    *,
    dose_mg: float,
    time_zone: str | ZoneInfo,
    not_before: datetime,
    history: Sequence[GivenSession] = (),
) -> dict[int, str]:
    """The sessions (by index) of dates chosen by a person that break the rules a proposal
    keeps: each in the range ``_bounds`` allows after the one before, and within the limits.
    A first session without history may fall on any day of the next year from ``not_before``.
    """
    tz = zone(time_zone)
    chosen = _phase(protocol, phase)
    course = list(history)
    problems: dict[int, str] = {}
    for index, at in enumerate(starts):
        start = aware_utc(at, f"starts[{index}]")
        if chosen.interval_days_min is None and course:
            problems[index] = (
                f"phase '{phase}' of {protocol.id} states no interval between sessions: the "
                "prescriber sets each date, one booking at a time"
            )
            break
        low, high, rule, source = _bounds(protocol, chosen, course, dose_mg, not_before, tz, 366)
        if not low <= start < high:
            problems[index] = (
                f"{_when(start, tz)} is outside {rule}: from {_when(low, tz)} to before "
                f"{_when(high, tz)} ({source})"
            )
            break
        session = GivenSession(start, dose_mg, phase)
        check = check_proposed_session(protocol, course, session)
        if not check.ok:
            problems[index] = "; ".join(
                f"{violation.message} ({violation.source})" for violation in check.violations
            )
            break
        course.append(session)
    return problems
