"""Per-request account state: session time-outs, the selected clinic, the second factor."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from ketacare.audit import services as audit
from ketacare.lib.problems import problem

from . import session
from .actor import actor_from_request
from .models import Membership
from .queries import mfa_required

Handler = Callable[[HttpRequest], HttpResponse]

# Paths that never need a clinic, a second factor or a session check.
_OPEN_PREFIXES = ("/healthz", "/static/", "/favicon.ico")


def _is_open(path: str) -> bool:
    return path.startswith(_OPEN_PREFIXES)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionTimeoutMiddleware:
    """End a session after 30 minutes idle or 12 hours in all (NIST SP 800-63B AAL2)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not _is_open(request.path):
            now = timezone.now().timestamp()
            login_at = request.session.get(session.LOGIN_AT, 0)
            seen_at = request.session.get(session.SEEN_AT, 0)
            idle = now - seen_at > settings.KETACARE_SESSION_IDLE_SECONDS
            too_old = now - login_at > settings.KETACARE_SESSION_ABSOLUTE_SECONDS
            if idle or too_old:
                audit.record_standalone(
                    actor_from_request(request),
                    "auth.session_expired",
                    data={"reason": "idle" if idle else "absolute"},
                )
                logout(request)
                if _wants_json(request):
                    return problem(
                        401,
                        "Unauthorized",
                        "the session expired: log in again",
                        kind="session-expired",
                    )
                return redirect(f"{reverse('accounts:login')}?expired=1")
            if now - seen_at > seen_at_precision_seconds():
                request.session[session.SEEN_AT] = now
        return self.get_response(request)


def seen_at_precision_seconds() -> float:
    """How stale the stored last activity may be: a tenth of the idle time-out, at most a
    minute. The session is written only when it is staler, not on every request, and a user
    is logged out at most this much before the idle time-out (6 s early at the shortest
    setting, 60 s)."""
    return min(60.0, settings.KETACARE_SESSION_IDLE_SECONDS / 10)


class ClinicMiddleware:
    """Attach the membership of the selected clinic (or the user's only one)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if request.user.is_authenticated and not _is_open(request.path):
            # One query for all the user's clinics: the header's clinic switcher needs them too.
            memberships = list(
                Membership.objects.select_related("clinic", "user")
                .filter(user=request.user, is_active=True)
                .order_by("created_at", "id")
            )
            chosen = request.session.get(session.CLINIC_ID)
            membership = next((m for m in memberships if m.clinic_id == chosen), None)
            if membership is None and memberships:
                membership = memberships[0]
            request.membership = membership  # type: ignore[attr-defined]
            request.memberships = memberships  # type: ignore[attr-defined]
            if membership is not None:
                timezone.activate(membership.clinic.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class MfaMiddleware:
    """Ask for the second factor after the password; make staff enrol one where required."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not _is_open(request.path):
            if request.path.startswith(("/accounts/mfa/", "/accounts/logout/")):
                return self.get_response(request)
            from .services import has_confirmed_totp

            target = None
            if not request.session.get(session.MFA_OK, False):
                # The password was right but the enrolled second factor is still to come.
                target = "accounts:mfa_verify"
            elif _must_enrol(request) and not has_confirmed_totp(request.user):
                target = "accounts:mfa_enrol"
            elif (
                request.session.get(session.CODES_DUE, False)
                and not _wants_json(request)
                and not request.path.startswith("/accounts/security/")
            ):
                # Just enrolled: the first recovery codes are created and shown once there.
                return redirect("accounts:security")
            if target is not None:
                if _wants_json(request):
                    return problem(
                        401,
                        "Unauthorized",
                        "enter the second factor first",
                        kind="second-factor-required",
                    )
                return redirect(target)
        return self.get_response(request)


def _must_enrol(request: HttpRequest) -> bool:
    return mfa_required(getattr(request, "membership", None))
