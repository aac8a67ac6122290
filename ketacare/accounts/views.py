"""Log in (password, then the second factor), log out, enrol TOTP, the Security page (recovery
codes, turning the second factor off), switch clinic."""

from __future__ import annotations

import math
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.audit import services as audit

from . import queries, services, session
from .actor import actor_from_request
from .forms import (
    ClinicSwitchForm,
    LoginForm,
    MfaResetForm,
    RecoveryCodesForm,
    SecondFactorForm,
    TotpCodeForm,
)
from .models import Membership, User
from .queries import MfaLock


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        actor = actor_from_request(request)
        outcome = services.login_check(
            form.cleaned_data["email"],
            form.cleaned_data["password"],
            ip=actor.ip,
            request_id=actor.request_id,
        )
        if outcome.user is not None:
            user = outcome.user
            login(request, user)
            has_totp = services.has_confirmed_totp(user)
            session.start(request, mfa_ok=not has_totp)
            with transaction.atomic():
                audit.record(
                    actor_from_request(request),
                    "auth.login",
                    data={"second_factor": "pending" if has_totp else "none"},
                )
            return redirect(_next_url(request))
        error = (
            "Too many failed attempts. Wait 15 minutes and try again."
            if outcome.throttled
            else "The email or password is not right."
        )
    status = 200 if not error else 400
    if request.method == "POST" and not form.is_valid():
        status = 400
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": error,
            "next": _next_url(request),
            "expired": request.GET.get("expired") == "1",
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        with transaction.atomic():
            audit.record(actor_from_request(request), "auth.logout")
    logout(request)
    return redirect("accounts:login")


def _wait_text(lock: MfaLock | None) -> str:
    """How long until the lock lifts, in words ("40 seconds", "2 minutes")."""
    if lock is None or lock.until is None:
        return ""
    seconds = max(1, math.ceil((lock.until - timezone.now()).total_seconds()))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def _lock_context(lock: MfaLock | None) -> dict[str, Any]:
    return {"lock": lock, "lock_wait": _wait_text(lock)}


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if request.session.get(session.MFA_OK):
        return redirect("web:home")
    actor = actor_from_request(request)
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = services.second_factor_verify(actor, user, form.cleaned_data["code"])
        if outcome.ok:
            session.mark_mfa_passed(request)
            if outcome.recovery_codes_left is not None:
                messages.warning(
                    request,
                    f"You used a recovery code: {outcome.recovery_codes_left} of "
                    f"{services.RECOVERY_CODE_COUNT} left. Each works once; create new ones on "
                    "the Security page before they run out.",
                )
            return redirect("web:home")
        lock = outcome.lock
        if lock is None:
            form.add_error("code", "That code is not right or was already used. Try the next one.")
            status = 400
        else:
            status = 429
    else:
        lock = queries.mfa_lock(user, actor.ip)
        status = 400 if form.errors else 200
    return render(
        request, "accounts/mfa_verify.html", {"form": form, **_lock_context(lock)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if services.has_confirmed_totp(user):
        messages.info(request, "A second factor is already enrolled for this account.")
        return redirect("accounts:security")
    device = services.totp_begin(user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(actor_from_request(request), device, form.cleaned_data["code"]):
            session.mark_mfa_passed(request)
            # The middleware sends the user on to the Security page for the recovery codes.
            request.session[session.CODES_DUE] = True
            messages.success(
                request,
                "Second factor enrolled. You will be asked for a code at each login. Now "
                "create your recovery codes: they let you log in if you lose your phone.",
            )
            return redirect("web:home")
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try again."
        )
    uri = services.totp_uri(device)
    qr_data_uri = segno.make(uri, error="m").svg_data_uri(scale=4)
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "qr_data_uri": qr_data_uri,
            "secret": device.secret,
        },
        status=400 if form.errors else 200,
    )


def _security_page(
    request: HttpRequest,
    *,
    codes_form: RecoveryCodesForm | None = None,
    reset_form: MfaResetForm | None = None,
    lock: MfaLock | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    state = queries.mfa_status(user, actor_from_request(request).ip)
    return render(
        request,
        "accounts/security.html",
        {
            "mfa": state,
            "codes_total": services.RECOVERY_CODE_COUNT,
            "mfa_required": queries.mfa_required(getattr(request, "membership", None)),
            "codes_form": codes_form or RecoveryCodesForm(),
            "reset_form": reset_form or MfaResetForm(),
            **_lock_context(lock or state.lock),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    """The second factor: its state, recovery codes, turning it off."""
    return _security_page(request)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = RecoveryCodesForm(request.POST)
    if not form.is_valid():
        return _security_page(request, codes_form=form, status=400)
    outcome = services.recovery_codes_create(
        actor_from_request(request), user, password=form.cleaned_data["password"] or None
    )
    if outcome.codes is not None:
        request.session.pop(session.CODES_DUE, None)
        return render(request, "accounts/recovery_codes.html", {"codes": outcome.codes})
    if outcome.refused == "not_enrolled":
        messages.error(request, "Set up a second factor first: recovery codes stand in for it.")
        return redirect("accounts:security")
    if outcome.refused == "password_needed":
        form.add_error("password", "Enter your password to replace your recovery codes.")
    elif outcome.lock is None:
        form.add_error("password", "That password is not right.")
    return _security_page(
        request, codes_form=form, lock=outcome.lock, status=429 if outcome.lock else 400
    )


@login_required
@require_POST
def mfa_reset(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = MfaResetForm(request.POST)
    if not form.is_valid():
        return _security_page(request, reset_form=form, status=400)
    outcome = services.mfa_reset(
        actor_from_request(request),
        user,
        password=form.cleaned_data["password"],
        code=form.cleaned_data["code"],
    )
    if outcome.ok:
        messages.success(request, "The second factor is off: logging in needs only the password.")
        return redirect("accounts:security")
    if outcome.refused == "not_enrolled":
        messages.error(request, "There is no second factor to turn off.")
        return redirect("accounts:security")
    if outcome.lock is None:
        form.add_error(None, "The password or the code is not right. Nothing was changed.")
    return _security_page(
        request, reset_form=form, lock=outcome.lock, status=429 if outcome.lock else 400
    )


@login_required
@require_POST
def clinic_switch(request: HttpRequest) -> HttpResponse:
    form = ClinicSwitchForm(request.POST)
    assert isinstance(request.user, User)
    if form.is_valid():
        membership = (
            Membership.objects.filter(
                user=request.user,
                clinic_id=form.cleaned_data["clinic"],
                is_active=True,
            )
            .select_related("clinic")
            .first()
        )
        if membership is not None:
            request.session[session.CLINIC_ID] = membership.clinic_id
            request.membership = membership  # type: ignore[attr-defined]
            with transaction.atomic():
                audit.record(
                    actor_from_request(request),
                    "auth.clinic_switched",
                    clinic_id=membership.clinic_id,
                )
            return redirect("web:home")
    messages.error(request, "You are not a member of that clinic.")
    return redirect("web:home")
