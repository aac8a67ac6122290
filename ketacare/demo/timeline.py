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

import heapq
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
        self._count = 0
        self._running: datetime | None = None

    def add(self, at: datetime, run: Callable[[], object]) -> None:
        """Schedule an event; while replaying, an event may schedule later ones (what comes
        next depends on what the services answered)."""
        if at >= self.now:
            raise ValueError(f"a demo event at {at.isoformat()} would not be in the past")
        if self._running is not None and at < self._running:
            raise ValueError(f"a demo event at {at.isoformat()} would be before the one running")
        heapq.heappush(self._events, _Event(at, self._count, run))
        self._count += 1

    def visit(self, start: datetime, step_minutes: int = 2) -> Visit:
        return Visit(self, start, step_minutes)

    def replay(self) -> int:
        """Run every event with the clock at its time; returns how many ran."""
        ran = 0
        while self._events:
            event = heapq.heappop(self._events)
            self._running = event.at
            with time_machine.travel(event.at, tick=False):
                event.run()
            ran += 1
        self._running = None
        return ran


class Visit:
    """Steps of one sitting (a registration, a first visit), a few minutes apart."""

    def __init__(self, timeline: Timeline, start: datetime, step_minutes: int) -> None:
        self._timeline = timeline
        self._at = start
        self._step = timedelta(minutes=step_minutes)

    def then(self, run: Callable[[], object]) -> None:
        self._timeline.add(self._at, run)
        self._at += self._step
