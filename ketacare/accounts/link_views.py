"""Pages opened from an emailed link: accepting an invitation, resetting a password; and the
page that asks for a reset link.

A link's token arrives in the query string (which the access log never writes); the page moves
it into the session and redirects to the same path without it, so it is not left in the
address bar, the history or a ``Referer``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.lib.errors import FieldErrors

from . import invitations, password_reset, session
from .actor import actor_from_request
from .admin_forms import AcceptNewForm, ResetPasswordForm, ResetRequestForm, sentence
from .models import User

INVITATION_TOKEN = "kc_invitation_token"  # noqa: S105 - a session key, not a secret
RESET_LINK = "kc_password_reset_link"


def _put_errors(form: Any, exc: FieldErrors) -> None:
    for name, message in exc.errors.items():
        form.add_error(name if name in form.fields else None, sentence(message))


# --- invitations ------------------------------------------------------------------------------


def _invalid_invitation(request: HttpRequest, exc: invitations.InvitationInvalid) -> HttpResponse:
    request.session.pop(INVITATION_TOKEN, None)
    return render(
        request,
        "accounts/invitation.html",
        {"invalid": str(exc)},
        status=404 if exc.state == "unknown" else 410,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest) -> HttpResponse:
    """Accept an invitation: set a name and password (no account yet), or, logged in as the
    invited email, add the clinic to the account."""
    token = request.GET.get("token")
    if request.method == "GET" and token is not None:
        request.session[INVITATION_TOKEN] = token
        return redirect("accounts:invitation")
    token = token or request.session.get(INVITATION_TOKEN, "")
    try:
        opened = invitations.invitation_open(token)
    except invitations.InvitationInvalid as exc:
        return _invalid_invitation(request, exc)
    invited = opened.invitation
    user = request.user if isinstance(request.user, User) else None
    context: dict[str, Any] = {"invitation": invited, "role": invited.get_role_display()}
    if user is not None and user.email != invited.email:
        context["wrong_user"] = user.email
        return render(request, "accounts/invitation.html", context, status=403)
    if user is None and opened.has_account:
        context["log_in"] = True
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/invitation.html", context, status=status)
    actor = actor_from_request(request)
    if user is not None:
        if request.method == "GET":
            context["accept_existing"] = True
            return render(request, "accounts/invitation.html", context)
        try:
            membership = invitations.invitation_accept_existing(actor, token)
        except invitations.InvitationInvalid as exc:
            return _invalid_invitation(request, exc)
        except FieldErrors as exc:
            context.update(accept_existing=True, error=" ".join(exc.errors.values()))
            return render(request, "accounts/invitation.html", context, status=400)
        request.session.pop(INVITATION_TOKEN, None)
        request.session[session.CLINIC_ID] = membership.clinic_id
        messages.success(
            request, f"You joined {membership.clinic.name} as {membership.get_role_display()}."
        )
        return redirect("web:home")
    form = AcceptNewForm(request.POST or None)
    context["form"] = form
    if request.method == "GET":
        return render(request, "accounts/invitation.html", context)
    if form.is_valid():
        try:
            invitations.invitation_accept_new(
                actor,
                token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except invitations.InvitationInvalid as exc:
            return _invalid_invitation(request, exc)
        except FieldErrors as exc:
            _put_errors(form, exc)
        else:
            request.session.pop(INVITATION_TOKEN, None)
            messages.success(
                request,
                f"Your account {invited.email} is ready: log in with your new password.",
            )
            return redirect("accounts:login")
    return render(request, "accounts/invitation.html", context, status=400)


# --- password reset ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the email has an account."""
    form = ResetRequestForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "GET":
        return render(request, "accounts/password_reset.html", context)
    if not form.is_valid():
        return render(request, "accounts/password_reset.html", context, status=400)
    outcome = password_reset.reset_request(actor_from_request(request), form.cleaned_data["email"])
    context.update(sent=not outcome.throttled, throttled=outcome.throttled)
    return render(
        request,
        "accounts/password_reset.html",
        context,
        status=429 if outcome.throttled else 200,
    )


def _reset_link(request: HttpRequest) -> tuple[str, str]:
    stored = request.session.get(RESET_LINK) or ["", ""]
    return str(stored[0]), str(stored[1])


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    """Choose a new password from a reset link (single use, expiring)."""
    uid, token = request.GET.get("uid"), request.GET.get("token")
    if request.method == "GET" and uid is not None and token is not None:
        request.session[RESET_LINK] = [uid, token]
        return redirect("accounts:password_reset_confirm")
    if uid is None or token is None:
        uid, token = _reset_link(request)
    user = password_reset.reset_user(uid, token)
    if user is None:
        request.session.pop(RESET_LINK, None)
        return render(
            request, "accounts/password_reset_confirm.html", {"invalid": True}, status=400
        )
    form = ResetPasswordForm(request.POST or None)
    context = {"form": form, "for_user": user}
    if request.method == "GET":
        return render(request, "accounts/password_reset_confirm.html", context)
    if form.is_valid():
        try:
            password_reset.reset_complete(
                actor_from_request(request), uid, token, password=form.cleaned_data["password"]
            )
        except password_reset.ResetLinkInvalid:
            request.session.pop(RESET_LINK, None)
            return render(
                request, "accounts/password_reset_confirm.html", {"invalid": True}, status=400
            )
        except FieldErrors as exc:
            _put_errors(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            request.session.pop(RESET_LINK, None)
            messages.success(
                request,
                "Your password is changed, and every session of your account ended. "
                "Log in with the new password.",
            )
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", context, status=400)
