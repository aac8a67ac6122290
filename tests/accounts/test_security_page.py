"""The Security page: the second factor's state, recovery codes, and turning it off only with
the password and a current code (throttled like the second factor)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client, override_settings

from ketacare.accounts.models import LoginFailure, RecoveryCode, TotpDevice
from ketacare.audit.models import AuditEvent
from tests.accounts.second_factor import enrol, next_code, recovery_codes
from tests.conftest import PASSWORD, Cast, logged_in

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # 07:00 in Boston
SECURITY = "/accounts/security/"
RESET = "/accounts/security/reset/"
NOT_RIGHT = "The password or the code is not right. Nothing was changed."


def _count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def _reset(password: str, code: str) -> dict[str, str]:
    return {"reset-password": password, "reset-code": code}


def test_the_header_links_to_the_security_page(cast: Cast) -> None:
    page = logged_in(cast.nurse.user).get("/patients/").content.decode()
    assert '<a href="/accounts/security/">Security</a>' in page


def test_without_a_second_factor_it_offers_to_set_one_up(cast: Cast) -> None:
    response = logged_in(cast.nurse.user).get(SECURITY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Off: logging in needs only the password." in page
    assert '<a class="button" href="/accounts/mfa/enrol/">Set up a second factor</a>' in page
    assert "Turn off the second factor" not in page


def test_it_shows_since_when_the_second_factor_is_on_and_the_codes_left(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        enrol(cast.nurse)
        recovery_codes(cast.nurse)
        page = logged_in(cast.nurse.user).get(SECURITY).content.decode()
    assert "On since 22 Nov 2026, 07:00" in page
    assert "10 of 10 recovery codes left." in page
    assert 'name="reset-password"' in page


def test_an_enrolled_user_opening_the_enrolment_page_is_sent_to_security(cast: Cast) -> None:
    enrol(cast.nurse)
    client = logged_in(cast.nurse.user)
    assert client.get("/accounts/mfa/enrol/")["Location"] == SECURITY
    assert "A second factor is already enrolled" in client.get(SECURITY).content.decode()


def test_turning_it_off_needs_the_password_and_a_current_code(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        totp = enrol(cast.nurse)
        codes = recovery_codes(cast.nurse)
        client = logged_in(cast.nurse.user)
        wrong_password = client.post(RESET, _reset("not my password", next_code(totp)))
        wrong_code = client.post(RESET, _reset(PASSWORD, "123456"))
        assert (wrong_password.status_code, wrong_code.status_code) == (400, 400)
        assert NOT_RIGHT in wrong_password.content.decode()
        assert NOT_RIGHT in wrong_code.content.decode()
        assert TotpDevice.objects.filter(user=cast.nurse.user).count() == 1
        assert _count("auth.reauth_failed") == 2

        done = client.post(RESET, _reset(PASSWORD, codes[0]))
        assert done["Location"] == SECURITY
        page = client.get(SECURITY).content.decode()
    assert "The second factor is off: logging in needs only the password." in page
    assert "Off: logging in needs only the password." in page
    assert TotpDevice.objects.count() == 0
    assert RecoveryCode.objects.count() == 0
    assert LoginFailure.objects.count() == 0
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor_id == cast.nurse.user.pk
    assert event.data == {
        "method": "recovery_code",
        "enrolled_at": "2026-11-22T12:00:00+00:00",
        "unused_recovery_codes_removed": 10,
    }
    # The next login asks only for the password.
    again = Client()
    again.post("/accounts/login/", {"email": "nina@example.com", "password": PASSWORD})
    assert again.get("/patients/").status_code == 200


def test_a_totp_code_turns_it_off_too(cast: Cast) -> None:
    totp = enrol(cast.nurse)
    client = logged_in(cast.nurse.user)
    assert client.post(RESET, _reset(PASSWORD, next_code(totp)))["Location"] == SECURITY
    assert AuditEvent.objects.get(action="auth.mfa_reset").data["method"] == "totp"
    assert TotpDevice.objects.count() == 0


def test_re_entering_the_password_and_code_is_throttled(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        totp = enrol(cast.nurse)
        client = logged_in(cast.nurse.user)
        statuses = [
            client.post(RESET, _reset(f"guess number {n}", "123456")).status_code for n in range(5)
        ]
        assert statuses == [400, 400, 400, 400, 429]
        right = client.post(RESET, _reset(PASSWORD, next_code(totp)))
        assert right.status_code == 429
        assert (
            "The second factor is locked until 07:01:00 (60 seconds from now): until then even "
            "the right code is refused."
        ) in right.content.decode()
    assert TotpDevice.objects.filter(user=cast.nurse.user).count() == 1
    assert (_count("auth.reauth_failed"), _count("auth.mfa_locked")) == (5, 1)
    assert _count("auth.mfa_throttled") == 1
    assert _count("auth.mfa_reset") == 0


@override_settings(KETACARE_REQUIRE_MFA=True)
def test_after_turning_it_off_staff_are_sent_to_enrol_again(cast: Cast) -> None:
    totp = enrol(cast.nurse)
    client = logged_in(cast.nurse.user)
    page = client.get(SECURITY).content.decode()
    assert "you will be asked to set up a new one" in page
    assert client.post(RESET, _reset(PASSWORD, next_code(totp)))["Location"] == SECURITY
    assert client.get("/patients/")["Location"] == "/accounts/mfa/enrol/"


def test_a_form_with_a_field_missing_changes_nothing(cast: Cast) -> None:
    enrol(cast.nurse)
    client = logged_in(cast.nurse.user)
    response = client.post(RESET, {"reset-password": PASSWORD})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert TotpDevice.objects.count() == 1
    assert LoginFailure.objects.count() == 0


def test_the_security_pages_need_a_login(cast: Cast) -> None:
    anonymous = Client()
    assert anonymous.get(SECURITY)["Location"] == f"/accounts/login/?next={SECURITY}"
    assert anonymous.post(RESET, _reset(PASSWORD, "123456"))["Location"] == (
        f"/accounts/login/?next={RESET}"
    )
