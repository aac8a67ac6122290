"""The chair board of a site: each active chair with today's session on it, its phase label
(with "Ready for discharge"), the next check due and the open alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import NotPermitted, NotVisible
from ketacare.sessions import charting, discharge, queries

from .steps import CONFIRMED, dosed, ready
from .world import Chair, infusion, open_chair


def _board(chair: Chair, now=None):
    return queries.board(chair.nurse, chair.day.site.pk, now=now)


def _rows(chair: Chair, now=None):
    return [
        (
            row.resource.name,
            row.initials,
            row.view.phase_label if row.view else None,
            row.view.next_check if row.view else None,
            row.view.next_check_at if row.view else None,
            [a.code for a in row.view.open_alerts] if row.view else None,
        )
        for row in _board(chair, now)
    ]


@pytest.mark.django_db
def test_the_board_through_a_session(day, clock) -> None:
    chair = open_chair(day, clock)
    assert chair.appointment.resource.name == "Chair 1"
    empty = [("Chair 2", "", None, None, None, None), ("Chair 3", "", None, None, None, None)]
    chair.at(-4)
    assert _rows(chair) == [("Chair 1", "D.D.", "Pre-dose", "", None, []), *empty]

    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.vitals(10, systolic_mmhg=185, diastolic_mmhg=100)
    chair.at(12)
    (first, *rest) = _rows(chair)
    assert first == (
        "Chair 1",
        "D.D.",
        "Dosing",
        "Next vitals at minute 20 (every 10 min).",
        chair.at(20),
        ["bp_elevated_recheck"],
    )
    assert rest == empty

    chair.vitals(14)
    charting.alert_acknowledge(chair.nurse, chair.session.pk, code="bp_elevated_recheck", t_min=10)
    assert _rows(chair)[0][5] == []


@pytest.mark.django_db
def test_a_chair_ready_for_discharge_then_discharged(day, clock) -> None:
    chair = open_chair(day, clock)
    ready(chair)
    chair.at(100)
    assert _rows(chair)[0][:3] == ("Chair 1", "D.D.", "Ready for discharge")
    discharge.discharge_record(
        chair.nurse, chair.session.pk, left_with_name="Dana Dawson", **CONFIRMED
    )
    assert _rows(chair)[0] == ("Chair 1", "D.D.", "Discharged", "", None, [])
    # Tomorrow the chair is free again.
    tomorrow = chair.at(100) + timedelta(days=1)
    assert [row.view for row in _board(chair, tomorrow)] == [None, None, None]


@pytest.mark.django_db
def test_observing_but_not_yet_ready(day, clock) -> None:
    chair = open_chair(day, clock)
    dosed(chair)
    chair.vitals(55)
    row = _board(chair)[0]
    assert (row.view.phase_label, row.view.next_check_at) == ("Observing", chair.at(70))


@pytest.mark.django_db
def test_the_board_is_audited_and_needs_the_session_read_permission(day, clock) -> None:
    chair = open_chair(day, clock)
    _board(chair)
    event = AuditEvent.objects.get(action="session.board")
    assert (event.actor_id, event.data) == (
        chair.cast.nurse.user_id,
        {"site": chair.day.site.pk, "sessions": 1},
    )
    with pytest.raises(NotPermitted):
        queries.board(chair.cast.actor(chair.cast.front_desk), chair.day.site.pk)
    with pytest.raises(NotVisible):
        queries.board(chair.cast.actor(chair.cast.outsider), chair.day.site.pk)
    assert AuditEvent.objects.filter(action="session.board").count() == 1
