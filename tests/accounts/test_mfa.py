"""TOTP second factor: enrolment, the code at login, replay refused, enrolment required."""

from __future__ import annotations

import datetime as dt

import pyotp
import time_machine
from django.test import Client, override_settings

from ketacare.accounts.models import TotpDevice
from ketacare.audit.models import AuditEvent
from tests.conftest import PASSWORD, Cast, logged_in

NOW = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # the hour New York falls back


def _enrol(client: Client) -> str:
    page = client.get("/accounts/mfa/enrol/")
    assert page.status_code == 200
    secret = TotpDevice.objects.get().secret
    assert secret in page.content.decode()
    response = client.post("/accounts/mfa/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def test_it_enrols_with_a_valid_code(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        client = logged_in(cast.nurse.user)
        _enrol(client)
    device = TotpDevice.objects.get(user=cast.nurse.user)
    assert device.confirmed_at == NOW
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled").count() == 1


def test_a_wrong_code_does_not_enrol(cast: Cast) -> None:
    client = logged_in(cast.nurse.user)
    client.get("/accounts/mfa/enrol/")
    response = client.post("/accounts/mfa/enrol/", {"code": "000000"})
    assert response.status_code == 400
    assert TotpDevice.objects.get().confirmed_at is None


def test_login_asks_for_the_code_and_refuses_a_replayed_one(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        secret = _enrol(logged_in(cast.nurse.user))
        traveller.shift(dt.timedelta(seconds=60))
        client = Client()
        client.post("/accounts/login/", {"email": "nina@example.com", "password": PASSWORD})
        assert client.get("/patients/")["Location"] == "/accounts/mfa/verify/"
        assert client.get("/api/v1/patients").status_code == 401
        code = pyotp.TOTP(secret).now()
        assert client.post("/accounts/mfa/verify/", {"code": code}).status_code == 302
        assert client.get("/patients/").status_code == 200
        # The same code again, from another browser within its 30 seconds: refused.
        other = Client()
        other.post("/accounts/login/", {"email": "nina@example.com", "password": PASSWORD})
        assert other.post("/accounts/mfa/verify/", {"code": code}).status_code == 400
        assert other.get("/patients/")["Location"] == "/accounts/mfa/verify/"
    assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == 1
    assert AuditEvent.objects.filter(action="auth.mfa_verified").count() == 1


@override_settings(KETACARE_REQUIRE_MFA=True)
def test_staff_must_enrol_when_required(cast: Cast) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": "nina@example.com", "password": PASSWORD})
    assert client.get("/patients/")["Location"] == "/accounts/mfa/enrol/"
    _enrol(client)
    # Then the recovery codes, once.
    assert client.get("/patients/")["Location"] == "/accounts/security/"
    assert client.post("/accounts/security/recovery-codes/").status_code == 200
    assert client.get("/patients/").status_code == 200


@override_settings(KETACARE_REQUIRE_MFA=True)
def test_patients_are_not_forced_to_enrol(cast: Cast) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": "dan@example.com", "password": PASSWORD})
    assert client.get(f"/patients/{cast.dan.pk}/").status_code == 200
