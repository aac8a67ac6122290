"""Logging in by email, throttling failures, and the audit trail of both."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from ketacare.accounts import session
from ketacare.accounts.models import LoginFailure
from ketacare.audit.models import AuditEvent
from tests.conftest import PASSWORD, Cast


def _login(client: Client, email: str, password: str) -> object:
    return client.post("/accounts/login/", {"email": email, "password": password})


def test_it_logs_in_by_email_any_case_and_lands_on_the_patient_list(cast: Cast) -> None:
    client = Client()
    response = _login(client, "  Nina@Example.COM ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/patients/"
    event = AuditEvent.objects.filter(action="auth.login").get()
    assert event.actor_id == cast.nurse.user.pk
    assert event.data == {"second_factor": "none"}


def test_it_starts_a_new_session_key_at_login(cast: Cast) -> None:
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    _login(client, "nina@example.com", PASSWORD)
    assert client.session.session_key != before
    assert client.session[session.MFA_OK] is True


def test_patient_lands_on_own_record(cast: Cast) -> None:
    client = Client()
    _login(client, "dan@example.com", PASSWORD)
    assert client.get("/")["Location"] == f"/patients/{cast.dan.pk}/"


def test_wrong_password_is_refused_without_saying_which_part(cast: Cast) -> None:
    client = Client()
    response = _login(client, "nina@example.com", "wrong password here")
    assert response.status_code == 400
    assert "The email or password is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session
    unknown = _login(Client(), "nobody@example.com", "wrong password here")
    assert unknown.status_code == 400
    assert "The email or password is not right." in unknown.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", outcome="failure").count() == 2


@override_settings(KETACARE_LOGIN_FAILURES_PER_EMAIL=3)
def test_it_throttles_an_email_after_repeated_failures_even_with_the_right_password(
    cast: Cast,
) -> None:
    for _ in range(3):
        assert _login(Client(), "nina@example.com", "nope nope nope").status_code == 400
    client = Client()
    response = _login(client, "nina@example.com", PASSWORD)
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1
    # Another account is not locked by someone guessing at this one.
    assert _login(Client(), "bob@example.com", PASSWORD).status_code == 302


@override_settings(KETACARE_LOGIN_FAILURES_PER_EMAIL=3, KETACARE_LOGIN_WINDOW_SECONDS=900)
def test_the_throttle_is_temporary(cast: Cast, time_machine: object) -> None:
    import datetime as dt

    traveller = time_machine  # type: ignore[assignment]
    traveller.move_to(dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    for _ in range(3):
        _login(Client(), "nina@example.com", "nope nope nope")
    assert _login(Client(), "nina@example.com", PASSWORD).status_code == 400
    traveller.move_to(dt.datetime(2026, 11, 22, 12, 15, 1, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    assert _login(Client(), "nina@example.com", PASSWORD).status_code == 302


@override_settings(KETACARE_LOGIN_FAILURES_PER_IP=4, KETACARE_LOGIN_FAILURES_PER_EMAIL=100)
def test_it_throttles_an_address_that_tries_many_accounts(cast: Cast) -> None:
    for n in range(4):
        _login(Client(), f"guess{n}@example.com", "nope nope nope")
    assert _login(Client(), "nina@example.com", PASSWORD).status_code == 400


def test_failures_are_stored_as_keyed_hashes_not_emails(cast: Cast) -> None:
    _login(Client(), "nina@example.com", "nope nope nope")
    keys = list(LoginFailure.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(len(k) == 64 and "nina" not in k for k in keys)


def test_success_clears_the_email_failures(cast: Cast) -> None:
    _login(Client(), "nina@example.com", "nope nope nope")
    _login(Client(), "nina@example.com", PASSWORD)
    # The per-address failure stays; the per-email one is cleared.
    assert LoginFailure.objects.count() == 1


def test_logout_needs_post_and_ends_the_session(cast: Cast, as_role: object) -> None:
    client = as_role("nurse")  # type: ignore[operator]
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=cast.nurse.user.pk).count() == 1


def test_an_inactive_user_cannot_log_in(cast: Cast) -> None:
    user = cast.nurse.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _login(Client(), "nina@example.com", PASSWORD).status_code == 400


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/x"])
def test_it_never_redirects_off_site_after_login(cast: Cast, next_url: str) -> None:
    response = Client().post(
        "/accounts/login/", {"email": "nina@example.com", "password": PASSWORD, "next": next_url}
    )
    assert response["Location"] == "/"
