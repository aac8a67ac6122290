"""Password reset by email: the same answer for any email, a link that works once and expires
after an hour, throttled per email and address, audited, and the end of every other session."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from tests.accounts.invitations import last_link, open_link, sent
from tests.conftest import PASSWORD, Cast, logged_in

NEW_PASSWORD = "lantern orchard quietly 1987"  # noqa: S105
CONFIRM = "/accounts/password-reset/confirm/"


def _ask(email: str, client: Client | None = None) -> tuple[int, str]:
    response = sent(
        lambda: (client or Client()).post("/accounts/password-reset/", {"email": email})
    )
    return response.status_code, " ".join(response.content.decode().split())


def _set(client: Client, password: str = NEW_PASSWORD) -> int:
    return int(client.post(CONFIRM, {"password": password, "password_again": password}).status_code)


def test_the_login_page_links_to_the_reset_page() -> None:
    html = Client().get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password-reset/">Forgot your password?</a>' in html


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(cast: Cast) -> None:
    known = _ask("nina@example.com")
    unknown = _ask("nino@example.com")
    assert known[0] == unknown[0] == 200
    assert known[1].replace("nina@", "nino@") == unknown[1]
    assert "If nina@example.com has an account, we sent it a link" in known[1]
    assert [m.to for m in mail.outbox] == [["nina@example.com"]]
    assert mail.outbox[0].subject == "Reset your ketacare password"
    assert list(
        AuditEvent.objects.filter(action="auth.password_reset_requested")
        .order_by("id")
        .values_list("actor_id", "outcome", "data")
    ) == [
        (None, "success", {"email": "nina@example.com", "throttled": False, "sent": True}),
        (None, "success", {"email": "nino@example.com", "throttled": False, "sent": False}),
    ]


def test_the_link_sets_a_new_password_once(cast: Cast) -> None:
    _ask("NINA@example.com")
    link = last_link()
    assert link.startswith("http://127.0.0.1:8000/accounts/password-reset/confirm/?uid=")
    client = Client()
    page = open_link(client, link)
    assert page.status_code == 200
    assert "For nina@example.com." in page.content.decode()
    response = client.post(CONFIRM, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    user = User.objects.get(pk=cast.nurse.user.pk)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert (event.actor_id, event.target_id, event.data) == (
        user.pk,
        str(user.pk),
        {"email": "nina@example.com"},
    )
    # The same link again: spent.
    again = Client()
    reopened = open_link(again, link)
    assert reopened.status_code == 400
    assert "This link does not work any more" in reopened.content.decode()
    assert _set(again, "another long passphrase 42") == 400
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_reset").count() == 1


def test_the_link_expires_after_an_hour(cast: Cast) -> None:
    _ask("nina@example.com")
    link = last_link()
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        client = Client()
        assert open_link(client, link).status_code == 400
        assert _set(client) == 400
    assert User.objects.get(pk=cast.nurse.user.pk).check_password(PASSWORD)


def test_a_reset_ends_the_users_other_sessions(cast: Cast) -> None:
    at_work = logged_in(cast.nurse.user)
    assert at_work.get("/patients/").status_code == 200
    elsewhere = logged_in(cast.nurse.user)
    _ask("nina@example.com")
    client = Client()
    open_link(client, last_link())
    assert _set(client) == 302
    for old in (at_work, elsewhere):
        response = old.get("/patients/")
        assert (response.status_code, response["Location"]) == (
            302,
            "/accounts/login/?next=/patients/",
        )
    fresh = Client()
    fresh.post("/accounts/login/", {"email": "nina@example.com", "password": NEW_PASSWORD})
    assert fresh.get("/patients/").status_code == 200


def test_a_weak_password_is_refused_and_the_link_still_works(cast: Cast) -> None:
    _ask("nina@example.com")
    client = Client()
    open_link(client, last_link())
    response = client.post(CONFIRM, {"password": "password", "password_again": "password"})
    assert response.status_code == 400
    assert (
        "This password is too short. It must contain at least 12 characters. This password is "
        "too common." in response.content.decode()
    )
    mismatch = client.post(CONFIRM, {"password": NEW_PASSWORD, "password_again": PASSWORD})
    assert "The two passwords are not the same." in mismatch.content.decode()
    assert _set(client) == 302


@override_settings(KETACARE_PASSWORD_RESETS_PER_EMAIL=3)
def test_reset_links_are_throttled_per_email_whether_or_not_it_has_an_account(
    cast: Cast,
) -> None:
    for email in ("nina@example.com", "nino@example.com"):
        assert [_ask(email)[0] for _ in range(3)] == [200, 200, 200]
        status, html = _ask(email)
        assert status == 429
        assert "Too many reset links were asked for this email or from" in html
    assert len(mail.outbox) == 3
    throttled = AuditEvent.objects.filter(action="auth.password_reset_requested", outcome="failure")
    assert sorted(e.data["email"] for e in throttled) == ["nina@example.com", "nino@example.com"]
    # An hour later the email may ask again.
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert _ask("nina@example.com")[0] == 200


@override_settings(KETACARE_PASSWORD_RESETS_PER_IP=2)
def test_reset_links_are_throttled_per_client_address(cast: Cast) -> None:
    assert [_ask(e)[0] for e in ("a@example.com", "b@example.com", "nina@example.com")] == [
        200,
        200,
        429,
    ]
    assert mail.outbox == []


def test_a_deactivated_user_gets_no_link(cast: Cast) -> None:
    user = User.objects.get(pk=cast.nurse.user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _ask("nina@example.com")[0] == 200
    assert mail.outbox == []
