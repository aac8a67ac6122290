"""Sessions end after 30 minutes idle and after 12 hours in all (NIST SP 800-63B AAL2)."""

from __future__ import annotations

import datetime as dt

import time_machine

from ketacare.audit.models import AuditEvent
from tests.conftest import Cast, logged_in

START = dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC)  # the night New York springs forward


def test_it_ends_a_session_idle_for_more_than_30_minutes(cast: Cast) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        traveller.shift(dt.timedelta(minutes=29, seconds=59))
        assert client.get("/patients/").status_code == 200
        traveller.shift(dt.timedelta(minutes=30, seconds=1))
        response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?expired=1"
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action="auth.session_expired").get()
    assert event.data == {"reason": "idle"}
    assert event.actor_id == cast.nurse.user.pk


def test_it_ends_an_active_session_after_12_hours(cast: Cast) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        for _ in range(24):  # active every 29 minutes: never idle
            traveller.shift(dt.timedelta(minutes=29))
            assert client.get("/patients/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))  # 12 h 05 min after login
        response = client.get("/patients/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired").get().data == {
        "reason": "absolute"
    }


def test_the_api_answers_401_when_the_session_expired(cast: Cast) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/api/v1/patients")
    assert response.status_code == 401
