"""Recovery codes: ten, shown once after enrolment, stored salted and hashed, each accepted
once in place of the TOTP code; replacing them needs the password."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pyotp
import time_machine
from django.test import Client

from ketacare.accounts import session
from ketacare.accounts.models import LoginFailure, RecoveryCode, TotpDevice
from ketacare.audit.models import AuditEvent
from tests.accounts.second_factor import enrol, password_login, recovery_codes
from tests.conftest import PASSWORD, Cast, logged_in

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
CODES = "/accounts/security/recovery-codes/"
SHOWN = re.compile(r'<code class="secret">([0-9a-f]{5}-[0-9a-f]{5})</code>')


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_after_enrolment_the_codes_are_created_and_shown_once(cast: Cast) -> None:
    client = logged_in(cast.nurse.user)
    client.get("/accounts/mfa/enrol/")
    secret = TotpDevice.objects.get().secret
    enrolled = client.post("/accounts/mfa/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert enrolled["Location"] == "/"
    assert client.session[session.CODES_DUE] is True
    # Every page leads to the Security page until the codes exist.
    assert client.get("/")["Location"] == "/accounts/security/"
    assert client.get("/patients/")["Location"] == "/accounts/security/"
    page = client.get("/accounts/security/").content.decode()
    assert "You have no recovery codes yet." in page
    assert 'name="codes-password"' not in page

    response = client.post(CODES)
    assert response.status_code == 200
    shown = SHOWN.findall(response.content.decode())
    assert len(shown) == 10
    assert len(set(shown)) == 10
    assert "They are shown only now" in response.content.decode()
    assert client.get("/patients/").status_code == 200
    assert "10 of 10 recovery codes left." in client.get("/accounts/security/").content.decode()
    # Stored only as salted SHA-256: no code in the clear, no two salts alike.
    rows = list(RecoveryCode.objects.filter(user=cast.nurse.user))
    assert len(rows) == 10
    assert len({row.salt for row in rows}) == 10
    for code in shown:
        assert not any(code.replace("-", "") in str(v) for row in rows for v in vars(row).values())
    # Each code shown is the SHA-256 of exactly one row's salt and code.
    assert [
        sum(row.code_sha256 == _sha256(f"{row.salt}:{code.replace('-', '')}") for row in rows)
        for code in shown
    ] == [1] * 10
    event = AuditEvent.objects.get(action="auth.recovery_codes_created")
    assert (event.actor_id, event.data) == (
        cast.nurse.user.pk,
        {"count": 10, "unused_codes_replaced": 0},
    )


def test_a_recovery_code_stands_in_for_the_totp_code_once(cast: Cast) -> None:
    enrol(cast.nurse)
    codes = recovery_codes(cast.nurse)
    client = password_login("nina@example.com")
    # Typed in capitals with spaces around it: still the code.
    response = client.post("/accounts/mfa/verify/", {"code": f"  {codes[3].upper()} "})
    assert response.status_code == 302
    assert client.session[session.MFA_OK] is True
    page = client.get("/patients/").content.decode()
    assert "You used a recovery code: 9 of 10 left." in page
    assert "9 of 10 recovery codes left." in client.get("/accounts/security/").content.decode()
    used = AuditEvent.objects.get(action="auth.mfa_recovery_used")
    assert used.data == {"left": 9}
    assert AuditEvent.objects.get(action="auth.mfa_verified").data == {"method": "recovery_code"}

    again = password_login("nina@example.com")
    refused = again.post("/accounts/mfa/verify/", {"code": codes[3]})
    assert refused.status_code == 400
    assert "That code is not right or was already used." in refused.content.decode()
    assert again.session[session.MFA_OK] is False
    assert _count("auth.mfa_failed") == 1
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


def test_replacing_the_codes_needs_the_password(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        enrol(cast.nurse)
        old = recovery_codes(cast.nurse)
        client = logged_in(cast.nurse.user)
        page = client.get("/accounts/security/").content.decode()
        assert 'name="codes-password"' in page

        missing = client.post(CODES)
        assert missing.status_code == 400
        assert "Enter your password to replace your recovery codes." in missing.content.decode()
        # A missing password is no guess: nothing is counted.
        assert LoginFailure.objects.count() == 0

        wrong = client.post(CODES, {"codes-password": "not the password"})
        assert wrong.status_code == 400
        assert "That password is not right." in wrong.content.decode()
        assert LoginFailure.objects.count() == 2  # the account and the address
        assert _count("auth.reauth_failed") == 1

        replaced = client.post(CODES, {"codes-password": PASSWORD})
        assert replaced.status_code == 200
        new = SHOWN.findall(replaced.content.decode())
        assert len(new) == 10
        assert set(new).isdisjoint(old)
        # The old codes no longer work; a new one does.
        login = password_login("nina@example.com")
        assert login.post("/accounts/mfa/verify/", {"code": old[0]}).status_code == 400
        assert login.post("/accounts/mfa/verify/", {"code": new[0]}).status_code == 302
    assert RecoveryCode.objects.filter(user=cast.nurse.user).count() == 10
    assert [e.data for e in AuditEvent.objects.filter(action="auth.recovery_codes_created")] == [
        {"count": 10, "unused_codes_replaced": 0},
        {"count": 10, "unused_codes_replaced": 10},
    ]


def test_there_are_no_codes_without_a_second_factor(cast: Cast) -> None:
    client = logged_in(cast.nurse.user)
    response = client.post(CODES)
    assert response["Location"] == "/accounts/security/"
    page = client.get("/accounts/security/").content.decode()
    assert "Set up a second factor first: recovery codes stand in for it." in page
    assert RecoveryCode.objects.count() == 0
    assert _count("auth.recovery_codes_created") == 0


def test_recovery_codes_need_a_login(cast: Cast) -> None:
    response = Client().post(CODES)
    assert response["Location"] == f"/accounts/login/?next={CODES}"
    assert RecoveryCode.objects.count() == 0
