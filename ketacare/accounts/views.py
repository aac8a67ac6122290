"""Log in (password, then the second factor), log out, enrol TOTP, switch clinic."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.audit import services as audit

from . import services, session
from .actor import actor_from_request
from .forms import ClinicSwitchForm, LoginForm, TotpCodeForm
from .models import Membership, User


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


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if request.session.get(session.MFA_OK):
        return redirect("web:home")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(actor_from_request(request), user, form.cleaned_data["code"]):
            session.mark_mfa_passed(request)
            return redirect("web:home")
        form.add_error("code", "That code is not right or was already used. Try the next one.")
    return render(
        request, "accounts/mfa_verify.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if services.has_confirmed_totp(user):
        messages.info(request, "A second factor is already enrolled for this account.")
        return redirect("web:home")
    device = services.totp_begin(user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(actor_from_request(request), device, form.cleaned_data["code"]):
            session.mark_mfa_passed(request)
            messages.success(
                request, "Second factor enrolled. You will be asked for a code at each login."
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
