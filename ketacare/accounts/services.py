"""Changes to clinics, users, memberships, tokens and second factors (each audited)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors

from .actor import Actor
from .models import (
    ApiToken,
    Clinic,
    LoginFailure,
    Membership,
    Role,
    TotpDevice,
    User,
    normalize_email,
)


def clinic_create(
    *,
    slug: str,
    name: str,
    time_zone: str,
    address_line: str = "",
    city: str = "",
    region: str = "",
    postal_code: str = "",
    country: str = "US",
) -> Clinic:
    clinic = Clinic(
        slug=slug,
        name=name,
        time_zone=time_zone,
        address_line=address_line,
        city=city,
        region=region,
        postal_code=postal_code,
        country=country,
    )
    clinic.full_clean()
    clinic.save()
    return clinic


def user_create(*, email: str, full_name: str, password: str | None) -> User:
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise FieldErrors({"email": f"{email} already has an account"})
    return User.objects.create_user(email=email, password=password, full_name=full_name)


def membership_create(*, user: User, clinic: Clinic, role: Role) -> Membership:
    return Membership.objects.create(user=user, clinic=clinic, role=role)


# --- login throttling -------------------------------------------------------------------------


def _throttle_key(kind: str, value: str) -> str:
    """A keyed hash, so the table never holds emails or addresses in the clear."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def _recent_failures(key: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.KETACARE_LOGIN_WINDOW_SECONDS)
    return LoginFailure.objects.filter(key=key, failed_at__gte=since).count()


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    throttled: bool = False


def login_check(email: str, password: str, *, ip: str | None, request_id: str) -> LoginOutcome:
    """Check a password with per-email and per-address throttles; audit the outcome.

    The password is checked even for an unknown email (against an unsaved user) so response
    time does not tell which accounts exist (saleor's throttling).
    """
    from django.contrib.auth import authenticate

    email = normalize_email(email)
    email_key = _throttle_key("email", email)
    ip_key = _throttle_key("ip", ip or "-")
    throttled = (
        _recent_failures(email_key) >= settings.KETACARE_LOGIN_FAILURES_PER_EMAIL
        or _recent_failures(ip_key) >= settings.KETACARE_LOGIN_FAILURES_PER_IP
    )
    actor = Actor(
        user=None, membership=None, label=f"login attempt for {email}", ip=ip, request_id=request_id
    )
    if throttled:
        User(password="").check_password(password)
        audit.record_standalone(actor, "auth.login_throttled", outcome="failure")
        return LoginOutcome(None, throttled=True)
    user = authenticate(username=email, password=password)
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.bulk_create(
                [LoginFailure(key=email_key), LoginFailure(key=ip_key)]
            )
            audit.record(actor, "auth.login_failed", outcome="failure")
        return LoginOutcome(None)
    LoginFailure.objects.filter(key=email_key).delete()
    assert isinstance(user, User)
    return LoginOutcome(user)


# --- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "kc_"  # noqa: S105 - a visible marker, not a secret


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    actor: Actor, *, membership: Membership, name: str, lifetime_days: int | None = 90
) -> str:
    """Issue a bearer token; the plain text is returned once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    expires_at = (
        timezone.now() + timedelta(days=lifetime_days) if lifetime_days is not None else None
    )
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=membership,
            name=name,
            prefix=prefix,
            secret_sha256=_sha256(secret),
            expires_at=expires_at,
        )
        audit.record(
            actor,
            "auth.token_created",
            clinic_id=membership.clinic_id,
            target=token,
            data={
                "for_user": membership.user.email,
                "name": name,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return f"{TOKEN_PREFIX}{prefix}_{secret}"


def token_authenticate(raw: str) -> Membership | None:
    """The active membership a bearer token speaks for, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not sep:
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__clinic")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_sha256, _sha256(secret)):
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    membership = token.membership
    if not membership.is_active or not membership.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return membership


# --- TOTP second factor -----------------------------------------------------------------------


def totp_begin(user: User) -> TotpDevice:
    """The user's device, created unconfirmed with a new secret on first enrolment."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def totp_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.email, issuer_name=settings.KETACARE_MFA_ISSUER
    )


def _accept_code(device: TotpDevice, code: str) -> bool:
    """Accept a code from the current 30-second step or the one either side, never twice."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if step > device.last_step and hmac.compare_digest(totp.at(step * totp.interval), code):
            device.last_step = step
            return True
    return False


def totp_confirm(actor: Actor, device: TotpDevice, code: str) -> bool:
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed_at is not None or not _accept_code(device, code):
            return False
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at", "last_step"])
        audit.record(actor, "auth.mfa_enrolled", target=device)
    return True


def totp_verify(actor: Actor, user: User, code: str) -> bool:
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        ok = device is not None and _accept_code(device, code)
        if ok:
            assert device is not None
            device.save(update_fields=["last_step"])
        audit.record(
            actor,
            "auth.mfa_verified" if ok else "auth.mfa_failed",
            outcome="success" if ok else "failure",
        )
    return ok


def has_confirmed_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
