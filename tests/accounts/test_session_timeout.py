"""Sessions end after 30 minutes idle and after 12 hours in all (NIST SP 800-63B AAL2)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import override_settings

from ketacare.accounts import session
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


@override_settings(KETACARE_SESSION_IDLE_SECONDS=60)
def test_with_a_60_second_time_out_a_user_active_every_59_seconds_stays_logged_in(
    cast: Cast,
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        statuses = []
        for _ in range(30):
            traveller.shift(dt.timedelta(seconds=59))
            statuses.append(client.get("/patients/").status_code)
        assert statuses == [200] * 30
        traveller.shift(dt.timedelta(seconds=61))
        response = client.get("/patients/")
    assert response["Location"] == "/accounts/login/?expired=1"
    assert AuditEvent.objects.get(action="auth.session_expired").data == {"reason": "idle"}


@override_settings(KETACARE_SESSION_IDLE_SECONDS=60)
def test_with_a_60_second_time_out_a_user_active_every_10_seconds_stays_logged_in(
    cast: Cast,
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        statuses = []
        for _ in range(60):  # ten minutes
            traveller.shift(dt.timedelta(seconds=10))
            statuses.append(client.get("/patients/").status_code)
    assert statuses == [200] * 60
    assert AuditEvent.objects.filter(action="auth.session_expired").count() == 0


@override_settings(KETACARE_SESSION_IDLE_SECONDS=300)
def test_the_last_activity_is_stored_to_a_tenth_of_the_idle_time_out(cast: Cast) -> None:
    """Activity 31 s after login is remembered (a tenth of 300 s is 30 s): 299 s later the
    user is still logged in, and 301 s after that last request logged out."""
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        traveller.shift(dt.timedelta(seconds=31))
        assert client.get("/patients/").status_code == 200
        traveller.shift(dt.timedelta(seconds=299))
        assert client.get("/patients/").status_code == 200
        traveller.shift(dt.timedelta(seconds=301))
        response = client.get("/patients/")
    assert response["Location"] == "/accounts/login/?expired=1"
    assert "_auth_user_id" not in client.session


def test_a_request_within_a_minute_does_not_rewrite_the_session_at_the_default(
    cast: Cast,
) -> None:
    """At 30 minutes idle the stored last activity is refreshed at most once a minute."""
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in(cast.nurse.user)
        stored = client.session[session.SEEN_AT]
        traveller.shift(dt.timedelta(seconds=59))
        client.get("/patients/")
        assert client.session[session.SEEN_AT] == stored
        traveller.shift(dt.timedelta(seconds=2))
        client.get("/patients/")
        assert client.session[session.SEEN_AT] == stored + 61
