"""Reads and checks of the demo's appointments that the calendar tests share."""

from __future__ import annotations

import datetime as dt
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

from ketacare.clinical import get_protocol
from ketacare.scheduling.models import Appointment

BOSTON = ZoneInfo("America/New_York")


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(BOSTON)


def appointments() -> list[Appointment]:
    return list(
        Appointment.objects.filter(clinic__slug="demo")
        .select_related("service", "site", "patient", "performer", "resource", "plan")
        .order_by("start_at", "pk")
    )


def _overlap(a: Appointment, b: Appointment, ends: str) -> bool:
    return a.start_at < getattr(b, ends) and b.start_at < getattr(a, ends)


def assert_nothing_double_booked(rows: list[Appointment]) -> None:
    active = [a for a in rows if a.is_active]
    for a, b in combinations(active, 2):
        assert not (a.resource_id == b.resource_id and _overlap(a, b, "end_at")), (a, b)
        assert not (a.patient_id == b.patient_id and _overlap(a, b, "end_at")), (a, b)
        same = a.performer_id == b.performer_id
        assert not (same and _overlap(a, b, "procedure_end_at")), (a, b)


def assert_plan_sessions_keep_their_intervals(rows: list[Appointment]) -> None:
    by_course: dict[tuple[object, str], list[Appointment]] = {}
    for a in rows:
        if a.is_active and a.plan is not None:
            by_course.setdefault((a.patient_id, a.plan.protocol_id), []).append(a)
    # Every signed plan but the one waiting for its course (nine of ten).
    assert len(by_course) == 9
    for (_, protocol_id), sessions in by_course.items():
        limits = get_protocol(protocol_id).limits
        assert limits.min_interval_hours is not None
        least = dt.timedelta(hours=limits.min_interval_hours.value)
        for earlier, later in pairwise(sessions):
            assert later.start_at - earlier.start_at >= least, (earlier, later)
