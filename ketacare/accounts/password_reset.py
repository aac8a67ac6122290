"""Password reset by email (ASVS 5.0 6.4: a reset link is single use and expires).

- Asking for a link answers the same whatever the email: nobody learns which accounts exist.
  Requests are throttled per email and per client address (``KETACARE_PASSWORD_RESETS_*``),
  counted the same way for unknown emails, so the throttle tells nothing either.
- The link carries Django's ``PasswordResetTokenGenerator`` token: it is bound to the
  password hash and the last login, so it works once (the new password, or a login, spends
  it), and it expires after ``PASSWORD_RESET_TIMEOUT`` (``KETACARE_PASSWORD_RESET_SECONDS``,
  1 hour).
- A new password ends every session of the user: Django checks each session against the
  password hash (``get_session_auth_hash``), so sessions started before the reset are logged
  out at their next request. The second factor stays as it was: logging in still asks for it.
- Both steps are audited: ``auth.password_reset_requested`` and ``auth.password_reset``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors

from . import mail, throttle
from .actor import Actor, actor_label
from .models import User, normalize_email


@dataclass(frozen=True)
class ResetRequested:
    throttled: bool


def _keys(email: str, ip: str | None) -> tuple[str, str]:
    return throttle.key("reset-email", email), throttle.key("reset-ip", ip or "-")


def reset_link(user: User) -> str:
    """The emailed link. Its token rides in the query string, which the access log never
    writes; the page moves it into the session at once."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm")
    return mail.absolute_url(f"{path}?uid={uid}&token={token}")


def reset_request(actor: Actor, email: str) -> ResetRequested:
    """Email a reset link to ``email`` if it belongs to an active user; the answer is the same
    either way. Throttled per email and per client address."""
    email = normalize_email(email)
    email_key, ip_key = _keys(email, actor.ip)
    window = settings.KETACARE_PASSWORD_RESET_WINDOW_SECONDS
    throttled = (
        throttle.failures_within(email_key, window) >= settings.KETACARE_PASSWORD_RESETS_PER_EMAIL
        or throttle.failures_within(ip_key, window) >= settings.KETACARE_PASSWORD_RESETS_PER_IP
    )
    user = None if throttled else User.objects.filter(email=email, is_active=True).first()
    with transaction.atomic():
        if not throttled:
            throttle.record(email_key, ip_key, policy=throttle.WINDOW)
        audit.record(
            actor,
            "auth.password_reset_requested",
            outcome="failure" if throttled else "success",
            data={"email": email, "throttled": throttled, "sent": user is not None},
        )
        if user is not None:
            mail.send_after_commit(
                to=user.email,
                subject="Reset your ketacare password",
                template="accounts/email/password_reset.txt",
                context={
                    "user": user,
                    "link": reset_link(user),
                    "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
                },
            )
    return ResetRequested(throttled)


def reset_user(uid: str, token: str) -> User | None:
    """The active user a link names, if its token is still good (unused and not expired)."""
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


class ResetLinkInvalid(Exception):
    """The link is wrong, used or expired."""


def reset_complete(actor: Actor, uid: str, token: str, *, password: str) -> User:
    """Set the new password if the link is still good; every session of the user ends."""
    with transaction.atomic():
        found = reset_user(uid, token)
        # Checked again under the row lock, so two requests with one link cannot both pass.
        user = User.objects.select_for_update().filter(pk=found.pk).first() if found else None
        if user is None or not default_token_generator.check_token(user, token):
            raise ResetLinkInvalid
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise FieldErrors({"password": " ".join(exc.messages)}) from None
        user.set_password(password)
        user.save(update_fields=["password"])
        # A stranger's failed guesses no longer hold the owner of the email out.
        throttle.clear(throttle.key("email", user.email))
        audit.record(
            Actor(
                user=user,
                membership=None,
                label=actor_label(user, None),
                ip=actor.ip,
                request_id=actor.request_id,
            ),
            "auth.password_reset",
            target=user,
            data={"email": user.email},
        )
    return user
