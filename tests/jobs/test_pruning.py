"""The nightly pruning: exactly the expired idempotency keys, and exactly the throttle rows
(password logins, password-reset requests, second factors) no throttle counts any more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.conf import settings

from ketacare.accounts import password_reset, queries, throttle
from ketacare.accounts.actor import Actor, new_request_id
from ketacare.accounts.models import LoginFailure
from ketacare.accounts.services import login_check
from ketacare.idempotency.models import StoredResponse
from ketacare.jobs import services
from ketacare.jobs.models import JobRun
from tests.conftest import Cast

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


def run(captured, name: str) -> JobRun:  # type: ignore[no-untyped-def]
    with captured(execute=True):
        started = services.enqueue(name)
    assert started is not None
    return JobRun.objects.get(pk=started.pk)


def test_it_deletes_exactly_the_expired_idempotency_keys(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    ttl = timedelta(seconds=settings.KETACARE_IDEMPOTENCY_TTL_SECONDS)
    ages = {
        "expired": ttl + timedelta(seconds=1),
        "expired-long-ago": ttl * 30,
        "at-the-limit": ttl,
        "fresh": timedelta(seconds=5),
    }
    with time_machine.travel(NOW, tick=False):
        for user in (cast.nurse.user, cast.owner.user):
            for key, age in ages.items():
                StoredResponse.objects.create(
                    user=user, key=key, fingerprint="0" * 64, method="POST", path="/x",
                    status=201, created_at=NOW - age,
                )  # fmt: skip
        done = run(django_capture_on_commit_callbacks, "idempotency.prune")
    assert (done.status, done.result) == ("succeeded", {"deleted": 4})
    assert sorted(StoredResponse.objects.values_list("user__email", "key")) == [
        ("alice@example.com", "at-the-limit"),
        ("alice@example.com", "fresh"),
        ("nina@example.com", "at-the-limit"),
        ("nina@example.com", "fresh"),
    ]


def test_it_deletes_only_windowed_rows_older_than_the_longest_window_that_counts_them(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    """Password logins and password-reset requests are both windowed rows; the reset's window
    (an hour) is the longer, so a reset request older than the login window is kept."""
    login = timedelta(seconds=settings.KETACARE_LOGIN_WINDOW_SECONDS)
    reset = timedelta(seconds=settings.KETACARE_PASSWORD_RESET_WINDOW_SECONDS)
    longest = max(login, reset)
    rows = [
        ("window-old", throttle.WINDOW, longest + timedelta(seconds=1)),
        ("window-edge", throttle.WINDOW, longest),
        ("window-new", throttle.WINDOW, timedelta(minutes=1)),
        # A second-factor lock counts every failure since the last right code, however old.
        ("lock-old", throttle.LOCK, timedelta(days=30)),
        ("lock-new", throttle.LOCK, timedelta(minutes=1)),
    ]
    # A reset request past the login window but inside the reset window, which still counts it.
    reset_age = reset - timedelta(minutes=1)
    assert login < reset_age
    email, ip = "nobody@example.com", "192.0.2.9"
    reset_keys = {
        "reset-email": throttle.key("reset-email", email),
        "reset-ip": throttle.key("reset-ip", ip),
    }
    with time_machine.travel(NOW - reset_age, tick=False):
        requested = password_reset.reset_request(
            Actor(user=None, membership=None, label="anonymous", ip=ip), email
        )
    assert not requested.throttled
    with time_machine.travel(NOW, tick=False):
        LoginFailure.objects.bulk_create(
            [LoginFailure(key=key, policy=policy, failed_at=NOW - age) for key, policy, age in rows]
        )
        keys = {**{key: key for key, *_ in rows}, **reset_keys}
        # No throttle counts further back than the longest window.
        seconds = int(longest.total_seconds())
        counted = {name: throttle.failures_within(key, seconds) for name, key in keys.items()}
        reset_counted = throttle.failures_within(
            reset_keys["reset-email"], int(reset.total_seconds())
        )
        done = run(django_capture_on_commit_callbacks, "accounts.prune_login_failures")
        after = {name: throttle.failures_within(key, seconds) for name, key in keys.items()}
        reset_after = throttle.failures_within(
            reset_keys["reset-email"], int(reset.total_seconds())
        )
    assert (done.status, done.result) == ("succeeded", {"deleted": 1})
    names = {key: name for name, key in keys.items()}
    assert sorted(names[key] for key in LoginFailure.objects.values_list("key", flat=True)) == [
        "lock-new",
        "lock-old",
        "reset-email",
        "reset-ip",
        "window-edge",
        "window-new",
    ]
    # Nothing a throttle counts has gone: the reset request still counts in its window.
    assert counted["window-old"] == 0
    assert {k: v for k, v in after.items() if k != "window-old"} == {
        k: v for k, v in counted.items() if k != "window-old"
    }
    assert reset_counted == reset_after == 1


def test_a_wrong_password_is_a_window_failure_and_a_wrong_code_a_lock_failure(
    cast: Cast,
) -> None:
    user = cast.nurse.user
    outcome = login_check(user.email, "wrong password", ip="192.0.2.7", request_id=new_request_id())
    assert outcome.user is None
    assert sorted(LoginFailure.objects.values_list("key", "policy")) == sorted(
        [
            (throttle.key("email", user.email), "window"),
            (throttle.key("ip", "192.0.2.7"), "window"),
        ]
    )
    LoginFailure.objects.all().delete()
    throttle.record(*queries.mfa_keys(user, "192.0.2.7").values(), policy=throttle.LOCK)
    assert sorted(LoginFailure.objects.values_list("policy", flat=True)) == ["lock", "lock"]


def test_an_account_locked_for_good_stays_locked_however_old_its_failures(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    """100 wrong codes in a row, a month ago: pruning must not give the guesser a new start."""
    user = cast.nurse.user
    account = queries.mfa_keys(user, "192.0.2.7")[queries.ACCOUNT]
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        for _ in range(settings.KETACARE_MFA_MAX_FAILURES):
            throttle.record(account, policy=throttle.LOCK)
    with time_machine.travel(NOW, tick=False):
        assert queries.mfa_lock(user, "192.0.2.7") == queries.MfaLock(until=None, scope="account")
        done = run(django_capture_on_commit_callbacks, "accounts.prune_login_failures")
        assert done.result == {"deleted": 0}
        assert queries.mfa_lock(user, "192.0.2.7") == queries.MfaLock(until=None, scope="account")
    assert LoginFailure.objects.filter(key=account).count() == 100
