"""The demo calendar on other days of the week: seeded on a Thursday (the prescriber at Back
Bay) or a Saturday (a short day), every service still has appointments before and after today,
nothing is double-booked and the plans keep their intervals. A module of its own: the other's
seeded clinic lives for its whole module."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ketacare.demo.seed import seed_demo
from ketacare.scheduling.models import Service

from .calendar_checks import (
    appointments,
    assert_nothing_double_booked,
    assert_plan_sessions_keep_their_intervals,
    local,
)


@pytest.mark.django_db
@pytest.mark.parametrize("today", [dt.date(2026, 11, 26), dt.date(2026, 11, 28)])
def test_on_a_thursday_or_a_saturday_too_every_service_is_booked_in_both_weeks(
    today: dt.date,
) -> None:
    noon = dt.datetime.combine(today, dt.time(17), tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False):
        seed_demo()
    rows = appointments()
    weeks = {(a.service.name, local(a.start_at).date() < today) for a in rows}
    services = Service.objects.filter(clinic__slug="demo").values_list("name", flat=True)
    assert len(services) == 11
    assert weeks == {(name, past) for name in services for past in (True, False)}
    assert_nothing_double_booked(rows)
    assert_plan_sessions_keep_their_intervals(rows)
    assert len([a for a in rows if a.course_number and a.patient.mrn == "KC000005"]) == 6
