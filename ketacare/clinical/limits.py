"""Limits across a course: hours between sessions, sessions per phase, mg per day and week.

A proposed session is checked against the sessions already given on the same protocol. The
spacing and the number of sessions in a phase are schedules a prescriber may exceed with a
reason (a missed dose, a longer induction); the cumulative mg in any 24 hours and any 7 days are
ceilings nobody overrides. Windows are rolling and half-open ([start, start + 24 h)): two doses
exactly 24 hours apart fall in different days. Every limit is cited in the protocol file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from ketacare.clinical.dosing import DOSE_MAX_MG
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.protocols.model import CitedValue, Protocol
from ketacare.clinical.sources import cite

LimitCode = Literal["min_interval", "max_sessions_in_phase", "max_mg_per_day", "max_mg_per_week"]
DAY = timedelta(hours=24)
WEEK = timedelta(days=7)
#: An override reason must say something: at least this many characters, three of them letters.
OVERRIDE_REASON_MIN_CHARS = 10
_OVERRIDE_REASON_MIN_LETTERS = 3


@dataclass(frozen=True)
class GivenSession:
    """One session of the course: when (time-zone aware), how many mg, in which phase."""

    at: datetime
    dose_mg: float
    phase: str


@dataclass(frozen=True)
class LimitViolation:
    """One limit the proposed session breaks: both numbers, their unit in words, the source."""

    code: LimitCode
    limit: float
    value: float
    message: str
    source: str
    overridable: bool


@dataclass(frozen=True)
class LimitCheck:
    """Every limit the proposed session breaks; ``override_reason`` once a person overrode."""

    violations: tuple[LimitViolation, ...]
    override_reason: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def _fmt(value: float | Decimal) -> str:
    return f"{float(value):g}"


def _when(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


def _validate(protocol: Protocol, session: GivenSession, field: str) -> None:
    at = session.at
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ClinicalInputError(
            f"{field}.at", f"{at!r} has no time zone: give an aware date-time (e.g. UTC)"
        )
    dose = session.dose_mg
    if not (isinstance(dose, int | float) and math.isfinite(dose) and 0 < dose <= DOSE_MAX_MG):
        raise ClinicalInputError(
            f"{field}.dose_mg", f"{dose!r} must be above 0 and at most {DOSE_MAX_MG:g} mg"
        )
    phases = [phase.phase for phase in protocol.schedule]
    if session.phase not in phases:
        raise ClinicalInputError(
            f"{field}.phase",
            f"{session.phase!r} is not a phase of protocol {protocol.id}; phases: "
            + ", ".join(repr(phase) for phase in phases),
        )


def _min_interval(
    protocol: Protocol, history: Sequence[GivenSession], proposed: GivenSession
) -> LimitViolation | None:
    limit = protocol.limits.min_interval_hours
    if limit is None or not history:
        return None
    nearest = min(history, key=lambda given: abs(given.at - proposed.at))
    gap_h = abs(nearest.at - proposed.at) / timedelta(hours=1)
    if gap_h >= limit.value:
        return None
    return LimitViolation(
        "min_interval",
        limit.value,
        round(gap_h, 2),
        f"{_fmt(round(gap_h, 2))} h from the session at {_when(nearest.at)}, less than the "
        f"minimum {_fmt(limit.value)} h between sessions of protocol {protocol.id}",
        cite(*limit.sources),
        overridable=True,
    )


def _max_sessions(
    protocol: Protocol, history: Sequence[GivenSession], proposed: GivenSession
) -> LimitViolation | None:
    phase = next(phase for phase in protocol.schedule if phase.phase == proposed.phase)
    if phase.sessions is None:
        return None
    number = 1 + sum(given.phase == phase.phase for given in history)
    if number <= phase.sessions:
        return None
    return LimitViolation(
        "max_sessions_in_phase",
        phase.sessions,
        number,
        f"session {number} of phase '{phase.phase}' is beyond its {phase.sessions} sessions "
        f"(protocol {protocol.id})",
        cite(*phase.sources),
        overridable=True,
    )


def _heaviest_window(
    history: Sequence[GivenSession], proposed: GivenSession, width: timedelta
) -> tuple[Decimal, datetime]:
    """The most mg in any window of ``width`` that holds the proposed session, and its start.

    The heaviest such window starts at one of the sessions inside (proposed - width, proposed].
    """
    sessions = (*history, proposed)
    starts = {given.at for given in sessions if proposed.at - width < given.at <= proposed.at}
    best: tuple[Decimal, datetime] | None = None
    for start in sorted(starts):
        total = sum(
            (
                Decimal(repr(given.dose_mg))
                for given in sessions
                if start <= given.at < start + width
            ),
            Decimal(0),
        )
        if best is None or total > best[0]:
            best = (total, start)
    assert best is not None  # the proposed session starts a window of its own
    return best


def _max_mg(
    protocol: Protocol,
    history: Sequence[GivenSession],
    proposed: GivenSession,
    code: Literal["max_mg_per_day", "max_mg_per_week"],
) -> LimitViolation | None:
    limit: CitedValue | None = getattr(protocol.limits, code)
    if limit is None:
        return None
    width, span = (DAY, "24 hours") if code == "max_mg_per_day" else (WEEK, "7 days")
    total, start = _heaviest_window(history, proposed, width)
    if total <= Decimal(repr(limit.value)):
        return None
    per = "day" if code == "max_mg_per_day" else "7 days"
    return LimitViolation(
        code,
        limit.value,
        float(total),
        f"{_fmt(total)} mg in the {span} from {_when(start)}, above the maximum "
        f"{_fmt(limit.value)} mg per {per} of protocol {protocol.id}",
        cite(*limit.sources),
        overridable=False,
    )


def check_proposed_session(
    protocol: Protocol, history: Sequence[GivenSession], proposed: GivenSession
) -> LimitCheck:
    """Every limit of ``protocol`` that ``proposed`` would break, given the course so far."""
    for index, given in enumerate(history):
        _validate(protocol, given, f"history[{index}]")
    _validate(protocol, proposed, "proposed")
    found = (
        _min_interval(protocol, history, proposed),
        _max_sessions(protocol, history, proposed),
        _max_mg(protocol, history, proposed, "max_mg_per_day"),
        _max_mg(protocol, history, proposed, "max_mg_per_week"),
    )
    return LimitCheck(tuple(violation for violation in found if violation is not None))


def _listed(violations: Sequence[LimitViolation]) -> str:
    return "; ".join(f"{violation.message} ({violation.source})" for violation in violations)


def accept_session(
    protocol: Protocol,
    history: Sequence[GivenSession],
    proposed: GivenSession,
    *,
    override_reason: str | None = None,
) -> LimitCheck:
    """The check of a session that may go ahead; ``ClinicalInputError`` when it may not.

    A limit nobody overrides refuses the session (field ``proposed``); a schedule limit needs
    ``override_reason`` (field ``override_reason``). Each message lists every violation.
    """
    check = check_proposed_session(protocol, history, proposed)
    if check.ok:
        return check
    hard = [violation for violation in check.violations if not violation.overridable]
    if hard:
        raise ClinicalInputError(
            "proposed", f"refused, a limit that cannot be overridden: {_listed(check.violations)}"
        )
    reason = " ".join((override_reason or "").split())
    letters = sum(character.isalpha() for character in reason)
    if len(reason) < OVERRIDE_REASON_MIN_CHARS or letters < _OVERRIDE_REASON_MIN_LETTERS:
        raise ClinicalInputError(
            "override_reason",
            f"a reason of at least {OVERRIDE_REASON_MIN_CHARS} characters is needed to "
            f"override: {_listed(check.violations)}",
        )
    return replace(check, override_reason=reason)
