"""What the session remembers about a login: when it began, when it was last used, whether the
second factor was passed, whether recovery codes are still to be created after an enrolment, and
which clinic is selected."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

LOGIN_AT = "kc_login_at"
SEEN_AT = "kc_seen_at"
MFA_OK = "kc_mfa_ok"
CLINIC_ID = "kc_clinic_id"
# Set by a TOTP enrolment: the middleware sends the user to the Security page until the first
# recovery codes are created (and shown once).
CODES_DUE = "kc_recovery_codes_due"


def start(request: HttpRequest, *, mfa_ok: bool) -> None:
    now = timezone.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[MFA_OK] = mfa_ok


def mark_mfa_passed(request: HttpRequest) -> None:
    # A new session key when the login becomes complete (ASVS 5.0 7.2.4).
    request.session.cycle_key()
    request.session[MFA_OK] = True
