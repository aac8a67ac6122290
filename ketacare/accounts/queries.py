"""Reads about a user's second factor: its state, its recovery codes, the lock on it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings

from . import throttle
from .models import Membership, RecoveryCode, TotpDevice, User

ACCOUNT = "account"
ADDRESS = "address"


def mfa_policies() -> dict[str, throttle.Escalation]:
    """The second-factor throttle of an account and of a client address (settings
    ``KETACARE_MFA_*``): the address locks later (a clinic's staff often share one address)
    and never for good, so nobody can lock a whole clinic out."""
    account = throttle.Escalation(
        failures_per_lock=settings.KETACARE_MFA_FAILURES_PER_USER,
        first_lock_seconds=settings.KETACARE_MFA_LOCK_SECONDS,
        max_lock_seconds=settings.KETACARE_MFA_LOCK_MAX_SECONDS,
        hard_limit=settings.KETACARE_MFA_MAX_FAILURES,
    )
    address = replace(
        account, failures_per_lock=settings.KETACARE_MFA_FAILURES_PER_IP, hard_limit=None
    )
    return {ACCOUNT: account, ADDRESS: address}


def mfa_keys(user: User, ip: str | None) -> dict[str, str]:
    return {
        ACCOUNT: throttle.key("mfa-user", str(user.pk)),
        ADDRESS: throttle.key("mfa-ip", ip or "-"),
    }


@dataclass(frozen=True)
class MfaLock:
    """Every code (even the right one) and every re-entered password is refused until
    ``until``; ``None``: until an operator unlocks the account (``ketacare manage
    mfa_unlock``). ``scope`` says whether the account or the client address is locked."""

    until: datetime | None
    scope: str


def mfa_lock(user: User, ip: str | None) -> MfaLock | None:
    """The lock on this user's second factor from this address, the longest if both are."""
    policies = mfa_policies()
    locks = []
    for scope, key in mfa_keys(user, ip).items():
        lock = throttle.lock_on(key, policies[scope])
        if lock is not None:
            locks.append(MfaLock(until=lock.until, scope=scope))
    if not locks:
        return None
    return max(locks, key=lambda lock: lock.until.timestamp() if lock.until else float("inf"))


@dataclass(frozen=True)
class MfaStatus:
    enrolled_at: datetime | None
    recovery_codes_left: int
    # Whether a set of recovery codes exists (used or not): replacing it needs the password.
    has_recovery_codes: bool
    lock: MfaLock | None


def mfa_status(user: User, ip: str | None) -> MfaStatus:
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    codes = RecoveryCode.objects.filter(user=user)
    return MfaStatus(
        enrolled_at=device.confirmed_at if device is not None else None,
        recovery_codes_left=codes.filter(used_at__isnull=True).count(),
        has_recovery_codes=codes.exists(),
        lock=mfa_lock(user, ip),
    )


def mfa_required(membership: Membership | None) -> bool:
    """Whether this membership must have a second factor (``KETACARE_REQUIRE_MFA``: staff)."""
    return bool(
        settings.KETACARE_REQUIRE_MFA and membership is not None and membership.is_staff_role
    )
