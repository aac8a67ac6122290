"""The demo's history on a clock set back.

Every seeded event is scheduled at its own time and then run through the services with the
clock at that time, all events in one chronological order across patients and clinics. So each
audit chain is appended in time order (its rows' ``seq`` and ``occurred_at`` agree), and every
stored time (registration, intake, score, plan, alert, audit row) is when it happened in the
story rather than the moment the demo was seeded.

time-machine moves the clock of the whole process, and only while one event runs: ``ketacare
seed`` runs alone (the web server and the worker are other processes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

import time_machine


@dataclass(order=True, frozen=True)
class _Event:
    at: datetime
    order: int
    run: Callable[[], object] = field(compare=False)


def local(day: date, tz: tzinfo, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time of a clinic's day (daytime hours: never a DST gap)."""
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


class Timeline:
    """Events to replay in time order; ties keep the order they were scheduled in."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._events: list[_Event] = []

    def add(self, at: datetime, run: Callable[[], object]) -> None:
        if at >= self.now:
            raise ValueError(f"a demo event at {at.isoformat()} would not be in the past")
        self._events.append(_Event(at, len(self._events), run))

    def visit(self, start: datetime, step_minutes: int = 2) -> Visit:
        return Visit(self, start, step_minutes)

    def replay(self) -> int:
        """Run every event with the clock at its time; returns how many ran."""
        for event in sorted(self._events):
            with time_machine.travel(event.at, tick=False):
                event.run()
        return len(self._events)


class Visit:
    """Steps of one sitting (a registration, a first visit), a few minutes apart."""

    def __init__(self, timeline: Timeline, start: datetime, step_minutes: int) -> None:
        self._timeline = timeline
        self._at = start
        self._step = timedelta(minutes=step_minutes)

    def then(self, run: Callable[[], object]) -> None:
        self._timeline.add(self._at, run)
        self._at += self._step
