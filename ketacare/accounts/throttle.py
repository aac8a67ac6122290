"""Failed attempts, counted one way for passwords, second factors and re-authentication.

Each failure is a ``LoginFailure`` row keyed by a keyed hash of what it counts against (an
email, a user, a client address), so the table never holds emails or addresses in the clear.
Two policies read the rows:

- a sliding window (the password login): refused while ``n`` failures fall in the window;
- an escalating lock (the second factor and re-authentication): every ``failures_per_lock``
  failures in a row lock for an interval that doubles with each further lock, up to a cap,
  and after ``hard_limit`` failures in a row the lock no longer lifts by itself (NIST SP
  800-63B 5.2.2: at most 100 consecutive failed attempts on one account). A success clears
  the count (``clear``).

Attempts refused while locked are not failures: they were never checked.

Each row says which policy counts it, so that pruning (``prune``, a nightly job) removes only
what no policy reads any more: a sliding-window failure older than the window. A lock's
failures count until a success clears them, however old (the hard limit needs them all).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure

# 2**20 times the first lock is far beyond any cap; it keeps the arithmetic small.
_MAX_DOUBLINGS = 20


def key(kind: str, value: str) -> str:
    """A keyed hash, so the table never holds emails, user ids or addresses in the clear."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


WINDOW = LoginFailure.Policy.WINDOW
LOCK = LoginFailure.Policy.LOCK


def record(*keys: str, policy: str) -> None:
    """One failure against each of ``keys``, counted by ``policy`` (``WINDOW`` or ``LOCK``)."""
    now = timezone.now()
    LoginFailure.objects.bulk_create(
        [LoginFailure(key=k, failed_at=now, policy=policy) for k in keys]
    )


def clear(*keys: str) -> None:
    LoginFailure.objects.filter(key__in=keys).delete()


def failures_within(key: str, seconds: int) -> int:
    """Failures against ``key`` in the last ``seconds`` (the sliding-window policy)."""
    since = timezone.now() - timedelta(seconds=seconds)
    return LoginFailure.objects.filter(key=key, failed_at__gte=since).count()


def prune(window_seconds: int) -> int:
    """Delete the sliding-window failures that ``failures_within(key, window_seconds)`` no
    longer counts; the number deleted. Lock failures are kept: ``lock_on`` counts every one
    since the last success."""
    since = timezone.now() - timedelta(seconds=window_seconds)
    deleted, _ = LoginFailure.objects.filter(policy=WINDOW, failed_at__lt=since).delete()
    return deleted


@dataclass(frozen=True)
class Escalation:
    """Lock after every ``failures_per_lock`` failures in a row: ``first_lock_seconds``, then
    twice as long with each further lock up to ``max_lock_seconds``; for good (until
    ``clear``) after ``hard_limit`` failures in a row (``None``: never)."""

    failures_per_lock: int
    first_lock_seconds: int
    max_lock_seconds: int
    hard_limit: int | None = None

    def lock_seconds(self, locks: int) -> int:
        """How long the ``locks``-th lock (1, 2, ...) lasts."""
        doublings = min(locks - 1, _MAX_DOUBLINGS)
        return min(self.first_lock_seconds << doublings, self.max_lock_seconds)


@dataclass(frozen=True)
class Lock:
    """Every attempt is refused until ``until``; ``None``: until an operator clears it."""

    until: datetime | None
    failures: int
    seconds: int | None


def lock_on(key: str, policy: Escalation) -> Lock | None:
    """The lock the failures against ``key`` put on it now, if any."""
    rows = LoginFailure.objects.filter(key=key)
    failures = rows.count()
    if policy.hard_limit is not None and failures >= policy.hard_limit:
        return Lock(until=None, failures=failures, seconds=None)
    locks = failures // policy.failures_per_lock
    if locks == 0:
        return None
    seconds = policy.lock_seconds(locks)
    # The lock runs from the failure that started it; refused attempts add no failures.
    started = rows.order_by("failed_at", "id").values_list("failed_at", flat=True)[
        locks * policy.failures_per_lock - 1
    ]
    until = started + timedelta(seconds=seconds)
    if until <= timezone.now():
        return None
    return Lock(until=until, failures=failures, seconds=seconds)
