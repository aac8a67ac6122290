"""Changes to clinics, users, memberships, tokens and second factors (each audited)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors

from . import queries, throttle
from .actor import Actor
from .models import (
    ApiToken,
    Clinic,
    ClinicSettingsVersion,
    LoginFailure,
    Membership,
    RecoveryCode,
    Role,
    TotpDevice,
    User,
    normalize_email,
)
from .queries import MfaLock

SETTINGS_V1_REASON = "The clinic was created: the clinical core's defaults"


def clinic_create(
    actor: Actor,
    *,
    slug: str,
    name: str,
    time_zone: str,
    address_line: str = "",
    city: str = "",
    region: str = "",
    postal_code: str = "",
    country: str = "US",
    site_name: str = "",
) -> Clinic:
    """A new clinic (``ketacare clinic create``, the demo seed), audited, with settings
    version 1 (the clinical core's defaults) and its first site at the clinic's address
    (named ``site_name``, or after the clinic). Refused with ``FieldErrors`` naming the
    field, and nothing written, for a taken slug or an unknown time zone."""
    from .sites import site_add

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
    errors = {}
    try:
        clinic.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = FieldErrors.from_django(exc).errors
    if Clinic.objects.filter(slug=slug).exists():
        errors["slug"] = f"there is already a clinic {slug!r}"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        clinic.save()
        version = ClinicSettingsVersion.objects.create(
            clinic=clinic,
            number=1,
            overrides={},
            reason=SETTINGS_V1_REASON,
            created_by=actor.user,
            created_by_label=actor.label,
        )
        audit.record(
            actor,
            "clinic.create",
            clinic_id=clinic.pk,
            target=clinic,
            data={"slug": slug, "time_zone": time_zone, "settings_version": version.number},
        )
        site_add(
            actor,
            clinic,
            data={
                "name": site_name or name,
                "address_line": address_line,
                "city": city,
                "region": region,
                "postal_code": postal_code,
                "country": country,
                "time_zone": time_zone,
            },
        )
    return clinic


def user_create(
    actor: Actor,
    *,
    email: str,
    full_name: str,
    password: str | None,
    clinic: Clinic | None = None,
) -> User:
    """A person who logs in (no role yet: ``membership_create`` grants one), audited in the
    clinic they are created for (the actor's, unless ``clinic`` says)."""
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise FieldErrors({"email": f"{email} already has an account"})
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        audit.record(
            actor,
            "user.create",
            clinic_id=clinic.pk if clinic is not None else actor.clinic_id,
            target=user,
            data={"email": email, "full_name": full_name},
        )
    return user


def membership_create(actor: Actor, *, user: User, clinic: Clinic, role: Role) -> Membership:
    """Grant ``user`` a role in ``clinic`` (a role grant, audited)."""
    with transaction.atomic():
        membership = Membership.objects.create(user=user, clinic=clinic, role=role)
        audit.record(
            actor,
            "membership.create",
            clinic_id=clinic.pk,
            target=membership,
            data={"for_user": user.email, "role": Role(role).value},
        )
    return membership


def owner_create(actor: Actor, *, email: str, full_name: str, password: str | None) -> User:
    """A user who is an owner of every clinic: what ``createsuperuser`` makes.

    ketacare has no Django admin and no superuser flag; roles live on memberships, and the
    most anyone may do in a clinic is what its owner does. Refused with a ``ValidationError``
    naming the problem, and nothing written, when there is no clinic yet, without a password,
    with a password the validators refuse (an owner reads every chart and the audit log), or
    for an email that already has an account.
    """
    from django.contrib.auth.password_validation import validate_password

    email = normalize_email(email)
    clinics = list(Clinic.objects.order_by("name", "pk"))
    if not clinics:
        raise ValidationError(
            "there is no clinic yet, and an owner is the owner of a clinic: create it first "
            "(ketacare clinic create --slug SLUG --name NAME --time-zone ZONE), then run "
            "createsuperuser again"
        )
    if not password:
        raise ValidationError(
            "an owner needs a password: set DJANGO_SUPERUSER_PASSWORD when using --noinput"
        )
    if User.objects.filter(email=email).exists():
        raise ValidationError(f"{email} already has an account")
    validate_password(password, User(email=email, full_name=full_name))
    with transaction.atomic():
        # One event in each clinic's audit chain and one in the actor's (the new user): their
        # locks first, in the fixed order.
        audit.lock_chains([actor.clinic_id, *(clinic.pk for clinic in clinics)])
        user = user_create(actor, email=email, full_name=full_name, password=password)
        for clinic in clinics:
            membership = Membership.objects.create(user=user, clinic=clinic, role=Role.OWNER)
            audit.record(
                actor,
                "auth.owner_created",
                clinic_id=clinic.pk,
                target=membership,
                data={"for_user": email, "role": Role.OWNER.value},
            )
    return user


# --- login throttling -------------------------------------------------------------------------


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
    email_key = throttle.key("email", email)
    ip_key = throttle.key("ip", ip or "-")
    window = settings.KETACARE_LOGIN_WINDOW_SECONDS
    throttled = (
        throttle.failures_within(email_key, window) >= settings.KETACARE_LOGIN_FAILURES_PER_EMAIL
        or throttle.failures_within(ip_key, window) >= settings.KETACARE_LOGIN_FAILURES_PER_IP
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
            throttle.record(email_key, ip_key, policy=throttle.WINDOW)
            audit.record(actor, "auth.login_failed", outcome="failure")
        return LoginOutcome(None)
    throttle.clear(email_key)
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


def bearer_membership(request: HttpRequest) -> Membership | None:
    """The membership the request's ``Authorization: Bearer`` token speaks for, looked up once
    per request (the idempotency layer and the API's authentication both ask)."""
    if hasattr(request, "_kc_bearer"):
        cached: Membership | None = request._kc_bearer
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    membership = token_authenticate(raw.strip()) if scheme.lower() == "bearer" and raw else None
    request._kc_bearer = membership  # type: ignore[attr-defined]
    return membership


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
    # isascii: other scripts' digits pass isdigit, and compare_digest refuses non-ASCII text.
    if not (code.isascii() and code.isdigit() and len(code) == 6):
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


# --- the second factor at login, recovery codes, and the throttle on both ---------------------

RECOVERY_CODE_COUNT = 10
# Ten hex digits (40 bits), shown as ``xxxxx-xxxxx``: typed without case, spaces or hyphens.
_RECOVERY_CODE = re.compile(r"[0-9a-f]{10}")


def _lock_data(lock: MfaLock) -> dict[str, str | None]:
    return {"scope": lock.scope, "until": lock.until.isoformat() if lock.until else None}


def _mfa_failed(
    actor: Actor, user: User, action: str, data: dict[str, str] | None = None
) -> MfaLock | None:
    """Count a wrong code or password against the account and the address, audit it, and
    audit each lock it starts (``auth.mfa_locked``); the lock now in force, if any."""
    keys = queries.mfa_keys(user, actor.ip)
    throttle.record(*keys.values(), policy=throttle.LOCK)
    audit.record(actor, action, outcome="failure", data=data)
    policies = queries.mfa_policies()
    for scope, key in keys.items():
        lock = throttle.lock_on(key, policies[scope])
        if lock is not None:
            audit.record(
                actor,
                "auth.mfa_locked",
                outcome="failure",
                data={
                    "scope": scope,
                    "failures": lock.failures,
                    "seconds": lock.seconds,
                    "until": lock.until.isoformat() if lock.until else None,
                },
            )
    return queries.mfa_lock(user, actor.ip)


def _refuse_locked(actor: Actor, user: User, attempt: str) -> MfaLock | None:
    """The lock in force, audited as a refused ``attempt``; checked before any code or
    password, so a locked account learns nothing, not even that the right code was right."""
    lock = queries.mfa_lock(user, actor.ip)
    if lock is not None:
        audit.record(
            actor,
            "auth.mfa_throttled",
            outcome="failure",
            data={"attempt": attempt, **_lock_data(lock)},
        )
    return lock


def _recovery_sha256(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _find_recovery_code(user: User, code: str) -> RecoveryCode | None:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    if not _RECOVERY_CODE.fullmatch(normal):
        return None
    found = None
    for candidate in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if hmac.compare_digest(candidate.code_sha256, _recovery_sha256(candidate.salt, normal)):
            found = candidate
    return found


@dataclass(frozen=True)
class _Match:
    method: str  # "totp" or "recovery_code"
    recovery_code: RecoveryCode | None = None


def _match_second_factor(device: TotpDevice, code: str) -> _Match | None:
    """Whether ``code`` is a current TOTP code (``device.last_step`` moves, unsaved) or an
    unused recovery code of the device's user."""
    if _accept_code(device, code):
        return _Match("totp")
    recovery_code = _find_recovery_code(device.user, code)
    return _Match("recovery_code", recovery_code) if recovery_code is not None else None


def _confirmed_device_for_update(user: User) -> TotpDevice | None:
    """The user's confirmed device, locked: one code check at a time per user, so two
    parallel guesses cannot both slip in under the throttle."""
    return (
        TotpDevice.objects.select_for_update()
        .select_related("user")
        .filter(user=user, confirmed_at__isnull=False)
        .first()
    )


@dataclass(frozen=True)
class SecondFactorOutcome:
    ok: bool
    lock: MfaLock | None = None  # why it was refused, or the lock this failure started
    recovery_codes_left: int | None = None  # when a recovery code was used


def second_factor_verify(actor: Actor, user: User, code: str) -> SecondFactorOutcome:
    """The second factor after the password: a TOTP code or an unused recovery code (which is
    then spent). Wrong codes are throttled per account and per client address
    (``KETACARE_MFA_*``); while locked even the right code is refused."""
    with transaction.atomic():
        device = _confirmed_device_for_update(user)
        lock = _refuse_locked(actor, user, "second_factor")
        if lock is not None:
            return SecondFactorOutcome(False, lock=lock)
        match = _match_second_factor(device, code) if device is not None else None
        if device is None or match is None:
            return SecondFactorOutcome(False, lock=_mfa_failed(actor, user, "auth.mfa_failed"))
        device.save(update_fields=["last_step"])
        throttle.clear(*queries.mfa_keys(user, actor.ip).values())
        audit.record(actor, "auth.mfa_verified", data={"method": match.method})
        if match.recovery_code is None:
            return SecondFactorOutcome(True)
        match.recovery_code.used_at = timezone.now()
        match.recovery_code.save(update_fields=["used_at"])
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit.record(
            actor, "auth.mfa_recovery_used", target=match.recovery_code, data={"left": left}
        )
    return SecondFactorOutcome(True, recovery_codes_left=left)


def _format_recovery_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


@dataclass(frozen=True)
class RecoveryCodesOutcome:
    codes: list[str] | None  # the new codes in the clear, to be shown once; None if refused
    refused: str | None = None  # "not_enrolled", "locked", "password_needed" or "password"
    lock: MfaLock | None = None


def recovery_codes_create(
    actor: Actor, user: User, *, password: str | None
) -> RecoveryCodesOutcome:
    """Replace the user's recovery codes with ``RECOVERY_CODE_COUNT`` new ones, returned once
    in the clear and stored only as salted SHA-256.

    The first set after enrolment needs nothing more; replacing a set (used or not) needs the
    password again (ASVS 5.0 7.5.1), throttled with the second factor.
    """
    with transaction.atomic():
        device = _confirmed_device_for_update(user)
        if device is None:
            return RecoveryCodesOutcome(None, refused="not_enrolled")
        existing = RecoveryCode.objects.filter(user=user)
        if existing.exists():
            lock = _refuse_locked(actor, user, "recovery_codes")
            if lock is not None:
                return RecoveryCodesOutcome(None, refused="locked", lock=lock)
            if not password:
                # Not a guess (a reloaded page re-posting the first set, say): not counted.
                return RecoveryCodesOutcome(None, refused="password_needed")
            if not user.check_password(password):
                lock = _mfa_failed(
                    actor, user, "auth.reauth_failed", data={"attempt": "recovery_codes"}
                )
                return RecoveryCodesOutcome(None, refused="password", lock=lock)
        replaced = existing.filter(used_at__isnull=True).count()
        existing.delete()
        raw_codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
        rows = []
        for raw in raw_codes:
            salt = secrets.token_hex(16)
            rows.append(RecoveryCode(user=user, salt=salt, code_sha256=_recovery_sha256(salt, raw)))
        RecoveryCode.objects.bulk_create(rows)
        audit.record(
            actor,
            "auth.recovery_codes_created",
            target=device,
            data={"count": RECOVERY_CODE_COUNT, "unused_codes_replaced": replaced},
        )
    return RecoveryCodesOutcome([_format_recovery_code(raw) for raw in raw_codes])


@dataclass(frozen=True)
class MfaResetOutcome:
    ok: bool
    refused: str | None = None  # "not_enrolled", "locked" or "reauth"
    lock: MfaLock | None = None


def mfa_reset(actor: Actor, user: User, *, password: str, code: str) -> MfaResetOutcome:
    """Turn the second factor off (the TOTP device and every recovery code go) once the
    password and a current code (TOTP or recovery code) are entered again (ASVS 5.0 7.5.1);
    wrong ones count toward the second-factor throttle. Where ``KETACARE_REQUIRE_MFA``
    applies, the middleware then asks for a new enrolment."""
    with transaction.atomic():
        device = _confirmed_device_for_update(user)
        if device is None:
            return MfaResetOutcome(False, refused="not_enrolled")
        lock = _refuse_locked(actor, user, "mfa_reset")
        if lock is not None:
            return MfaResetOutcome(False, refused="locked", lock=lock)
        # Both are checked, so the answer does not tell which of them was wrong.
        password_ok = user.check_password(password)
        match = _match_second_factor(device, code)
        if not password_ok or match is None:
            lock = _mfa_failed(actor, user, "auth.reauth_failed", data={"attempt": "mfa_reset"})
            return MfaResetOutcome(False, refused="reauth", lock=lock)
        codes = RecoveryCode.objects.filter(user=user)
        unused = codes.filter(used_at__isnull=True).count()
        assert device.confirmed_at is not None
        audit.record(
            actor,
            "auth.mfa_reset",
            target=device,
            data={
                "method": match.method,
                "enrolled_at": device.confirmed_at.isoformat(),
                "unused_recovery_codes_removed": unused,
            },
        )
        codes.delete()
        device.delete()
        throttle.clear(*queries.mfa_keys(user, actor.ip).values())
    return MfaResetOutcome(True)


def mfa_unlock(actor: Actor, user: User) -> int:
    """Clear the wrong codes counted against the account (``ketacare manage mfa_unlock``),
    lifting its lock, also the one that holds after ``KETACARE_MFA_MAX_FAILURES``; returns
    how many were cleared. Address locks lift by themselves."""
    key = queries.mfa_keys(user, None)[queries.ACCOUNT]
    with transaction.atomic():
        cleared, _ = LoginFailure.objects.filter(key=key).delete()
        audit.record(actor, "auth.mfa_unlocked", data={"for_user": user.email, "failures": cleared})
    return cleared


def has_confirmed_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
