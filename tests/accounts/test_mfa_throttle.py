"""Wrong second-factor codes lock the account and the client address for a growing time;
while locked even the right code is refused; NIST SP 800-63B 5.2.2 caps it at 100 in a row."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, override_settings

from ketacare.accounts import session
from ketacare.accounts.apps import check_mfa_settings
from ketacare.accounts.models import LoginFailure
from ketacare.audit.models import AuditEvent
from tests.accounts.second_factor import enrol, next_code, password_login, recovery_codes
from tests.conftest import Cast

# 07:00 in Boston (EST); the clinic's time zone is America/New_York.
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
WRONG = "000000"
VERIFY = "/accounts/mfa/verify/"


def _count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def _locks() -> list[tuple[str, int | None]]:
    return [
        (e.data["scope"], e.data["seconds"])
        for e in AuditEvent.objects.filter(action="auth.mfa_locked").order_by("id")
    ]


def _wrong(client: Client, times: int, code: str = WRONG) -> list[int]:
    return [client.post(VERIFY, {"code": code}).status_code for _ in range(times)]


def test_five_wrong_codes_lock_the_second_factor_for_a_minute_even_for_the_right_code(
    cast: Cast,
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        totp = enrol(cast.nurse)
        traveller.shift(dt.timedelta(seconds=30))
        client = password_login("nina@example.com")
        assert _wrong(client, 5) == [400, 400, 400, 400, 429]
        right = client.post(VERIFY, {"code": totp.now()})
        assert right.status_code == 429
        page = right.content.decode()
        assert (
            "Too many wrong codes or passwords in a row. The second factor is locked until "
            "07:01:30 (60 seconds from now): until then even the right code is refused."
        ) in page
        assert 'name="code"' not in page
        assert client.session[session.MFA_OK] is False
        assert client.get("/patients/")["Location"] == VERIFY
        # Reloading the page says the same, and counts nothing.
        traveller.shift(dt.timedelta(seconds=59))
        reloaded = client.get(VERIFY)
        assert reloaded.status_code == 200
        assert "locked until 07:01:30 (1 second from now)" in reloaded.content.decode()
        traveller.shift(dt.timedelta(seconds=1))
        assert client.post(VERIFY, {"code": totp.now()}).status_code == 302
        assert client.get("/patients/").status_code == 200
    assert (_count("auth.mfa_failed"), _count("auth.mfa_throttled")) == (5, 1)
    assert _locks() == [("account", 60)]
    assert _count("auth.mfa_verified") == 1
    # The right code cleared the count: no failures are left on record.
    assert LoginFailure.objects.count() == 0


@override_settings(
    KETACARE_MFA_LOCK_SECONDS=60, KETACARE_MFA_LOCK_MAX_SECONDS=240, KETACARE_MFA_FAILURES_PER_IP=50
)
def test_each_further_lock_lasts_twice_as_long_up_to_the_cap(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        totp = enrol(cast.nurse)
        client = password_login("nina@example.com")
        for seconds in (60, 120, 240, 240):
            assert _wrong(client, 5)[-1] == 429
            traveller.shift(dt.timedelta(seconds=seconds - 1))
            assert client.post(VERIFY, {"code": next_code(totp)}).status_code == 429
            traveller.shift(dt.timedelta(seconds=1))
        assert client.post(VERIFY, {"code": next_code(totp)}).status_code == 302
    assert _locks() == [("account", 60), ("account", 120), ("account", 240), ("account", 240)]
    assert (_count("auth.mfa_failed"), _count("auth.mfa_throttled")) == (20, 4)


def test_wrong_recovery_codes_count_toward_the_same_lock(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        enrol(cast.nurse)
        codes = recovery_codes(cast.nurse)
        client = password_login("nina@example.com")
        assert _wrong(client, 3) == [400, 400, 400]
        assert _wrong(client, 2, code="aaaaa-bbbbb") == [400, 429]
        # A real recovery code is refused too while locked, and stays unused.
        assert client.post(VERIFY, {"code": codes[0]}).status_code == 429
    assert _locks() == [("account", 60)]
    assert _count("auth.mfa_recovery_used") == 0


@override_settings(KETACARE_MFA_FAILURES_PER_IP=4)
def test_an_address_trying_codes_for_several_accounts_is_locked(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        enrol(cast.nurse)
        enrol(cast.prescriber)
        owner = enrol(cast.owner)
        assert _wrong(password_login("nina@example.com"), 2) == [400, 400]
        assert _wrong(password_login("bob@example.com"), 2) == [400, 429]
        here = password_login("alice@example.com")
        refused = here.post(VERIFY, {"code": next_code(owner)})
        assert refused.status_code == 429
        assert (
            "Too many wrong codes or passwords in a row from this network address. The second "
            "factor is locked until 07:01:00"
        ) in refused.content.decode()
        # Alice from another address is not locked: the lock is on the address.
        elsewhere = password_login("alice@example.com", REMOTE_ADDR="192.0.2.7")
        assert elsewhere.post(VERIFY, {"code": next_code(owner)}).status_code == 302
    assert _locks() == [("address", 60)]


def test_a_right_code_clears_the_count(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        totp = enrol(cast.nurse)
        traveller.shift(dt.timedelta(seconds=30))
        first = password_login("nina@example.com")
        assert _wrong(first, 4) == [400, 400, 400, 400]
        assert first.post(VERIFY, {"code": totp.now()}).status_code == 302
        traveller.shift(dt.timedelta(seconds=30))
        second = password_login("nina@example.com")
        assert _wrong(second, 4) == [400, 400, 400, 400]
        assert second.post(VERIFY, {"code": totp.now()}).status_code == 302
    assert _count("auth.mfa_failed") == 8
    assert _locks() == []


@override_settings(KETACARE_MFA_MAX_FAILURES=10)
def test_after_the_most_wrong_codes_in_a_row_only_an_operator_unlocks_it(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        totp = enrol(cast.nurse)
        client = password_login("nina@example.com")
        assert _wrong(client, 5)[-1] == 429
        traveller.shift(dt.timedelta(seconds=60))
        assert _wrong(client, 5)[-1] == 429
        # A week later, from a new login: still locked.
        traveller.shift(dt.timedelta(days=7))
        client = password_login("nina@example.com")
        refused = client.post(VERIFY, {"code": totp.now()})
        assert refused.status_code == 429
        assert (
            "Too many wrong codes or passwords in a row: the second factor of this account is "
            "locked and will not unlock by itself. Ask your clinic's administrator to "
            "unlock it."
        ) in refused.content.decode()
        call_command("mfa_unlock", "NINA@example.com")
        assert capsys.readouterr().out == (
            "Second factor of nina@example.com unlocked (10 wrong attempts cleared).\n"
        )
        assert client.post(VERIFY, {"code": totp.now()}).status_code == 302
    assert _locks() == [("account", 60), ("account", None)]
    unlocked = AuditEvent.objects.get(action="auth.mfa_unlocked")
    assert unlocked.actor_label == "system: ketacare manage mfa_unlock"
    assert unlocked.data == {"for_user": "nina@example.com", "failures": 10}


def test_with_the_default_settings_the_101st_wrong_code_in_a_row_is_refused(cast: Cast) -> None:
    """NIST SP 800-63B 5.2.2: no more than 100 consecutive failed attempts on one account."""
    with time_machine.travel(NOW, tick=False) as traveller:
        totp = enrol(cast.nurse)
        client = password_login("nina@example.com")
        statuses = []
        for _ in range(100):
            statuses.append(client.post(VERIFY, {"code": WRONG}).status_code)
            if statuses[-1] == 429:
                # Wait out the lock (at most an hour), from a new login: the session idled out.
                traveller.shift(dt.timedelta(hours=1))
                client = password_login("nina@example.com")
        traveller.shift(dt.timedelta(days=30))
        client = password_login("nina@example.com")
        assert client.post(VERIFY, {"code": WRONG}).status_code == 429
        assert client.post(VERIFY, {"code": totp.now()}).status_code == 429
    # The account locks at every 5th failure: 1, 2, 4, ... 32 minutes, then an hour each,
    # then for good; the address at every 20th, never for good.
    hour = ("account", 3600)
    assert _locks() == [
        *[("account", 60), ("account", 120), ("account", 240), ("account", 480)],
        ("address", 60),
        *[("account", 960), ("account", 1920), hour, hour],
        ("address", 120),
        *[hour] * 4,
        ("address", 240),
        *[hour] * 4,
        ("address", 480),
        *[hour] * 3,
        ("account", None),
        ("address", 960),
    ]
    assert statuses.count(429) == 20
    assert _count("auth.mfa_failed") == 100
    assert _count("auth.mfa_throttled") == 2


def test_digits_from_other_scripts_are_a_wrong_code_not_a_crash(cast: Cast) -> None:
    enrol(cast.nurse)
    client = password_login("nina@example.com")
    response = client.post(VERIFY, {"code": "١٢٣٤٥٦"})
    assert response.status_code == 400
    assert "That code is not right or was already used." in response.content.decode()


@override_settings(KETACARE_MFA_MAX_FAILURES=101)
def test_it_refuses_to_start_allowing_more_than_100_wrong_codes_in_a_row() -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        check_mfa_settings()
    assert str(refused.value) == (
        "KETACARE_MFA_MAX_FAILURES must be at most 100 (NIST SP 800-63B 5.2.2), got 101"
    )
