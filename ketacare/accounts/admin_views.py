"""The owner's pages: Staff (members, invitations), Clinic settings (versioned) and Sites.

Each view: log-in check, the permission (403) or the record (404 for another clinic's), a form
that parses, one service call, then a redirect; refusals come back on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ketacare.lib.errors import Conflict, FieldErrors, StaleVersion

from . import invitations, settings_versions, sites, staff
from .actor import actor_from_request
from .admin_forms import InviteForm, RoleForm, SettingsForm, SiteForm, VersionForm, sentence
from .models import Role
from .permissions import Perm, require_perm

# --- Staff ------------------------------------------------------------------------------------


def _staff_page(
    request: HttpRequest,
    *,
    invite_form: InviteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = actor_from_request(request)
    members = list(staff.staff_members(actor))
    return render(
        request,
        "accounts/staff.html",
        {
            "members": [
                {
                    "membership": m,
                    "role_form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"),
                }
                for m in members
            ],
            "invitations": invitations.open_invitations(actor),
            "invite_form": invite_form or InviteForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    """The clinic's staff: name, email, role, active, last login; open invitations."""
    require_perm(actor_from_request(request).membership, Perm.STAFF_MANAGE)
    return _staff_page(request)


@login_required
@require_POST
def staff_invite(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.STAFF_MANAGE)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, invite_form=form, status=400)
    try:
        invitation = invitations.invite(
            actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, sentence(message))
        return _staff_page(request, invite_form=form, status=400)
    messages.success(
        request,
        f"Invitation emailed to {invitation.email} ({Role(invitation.role).label}). The link "
        f"works once, until {invitation.expires_at:%Y-%m-%d}; inviting again replaces it.",
    )
    return redirect("staff:list")


def _staff_change(request: HttpRequest, change: Any, done: Any) -> HttpResponse:
    try:
        membership = change()
    except (FieldErrors, Conflict) as exc:
        text = "; ".join(exc.errors.values()) if isinstance(exc, FieldErrors) else exc.message
        return _staff_page(
            request, error=sentence(text), status=409 if isinstance(exc, Conflict) else 400
        )
    messages.success(request, done(membership))
    return redirect("staff:list")


@login_required
@require_POST
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = RoleForm(request.POST, prefix=f"m{pk}")
    role = form.cleaned_data["role"] if form.is_valid() else request.POST.get(f"m{pk}-role", "")
    return _staff_change(
        request,
        lambda: staff.membership_set_role(actor, pk, role=role),
        lambda m: f"{m.user.full_name} is now {m.get_role_display()}.",
    )


@login_required
@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _staff_change(
        request,
        lambda: staff.membership_set_active(actor, pk, active=False),
        lambda m: (
            f"{m.user.full_name} is deactivated: they can no longer use this clinic, and "
            "their API tokens for it are revoked."
        ),
    )


@login_required
@require_POST
def staff_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _staff_change(
        request,
        lambda: staff.membership_set_active(actor, pk, active=True),
        lambda m: f"{m.user.full_name} is active again ({m.get_role_display()}).",
    )


@login_required
@require_POST
def staff_invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        invitation = invitations.invitation_revoke(actor, pk)
    except Conflict as exc:
        return _staff_page(request, error=sentence(exc.message), status=409)
    messages.success(request, f"The invitation of {invitation.email} is withdrawn.")
    return redirect("staff:list")


# --- Clinic settings --------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest, *, form: SettingsForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_from_request(request)
    view = settings_versions.settings_read(actor)
    form = form or SettingsForm(
        None, infos=view.settings, overridden=view.overridden, version=view.version.number
    )
    return render(
        request,
        "accounts/clinic_settings.html",
        {
            "view": view,
            "form": form,
            "rows": form.rows(),
            "history": settings_versions.settings_history(actor),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    """Every clinical setting with its value, default, unit, range and source; a change is a
    new version with its reason."""
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SETTINGS_MANAGE)
    if request.method == "GET":
        return _settings_page(request)
    view = settings_versions.settings_read(actor)
    form = SettingsForm(
        request.POST, infos=view.settings, overridden=view.overridden, version=view.version.number
    )
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    try:
        version = settings_versions.settings_change(
            actor,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
        )
    except StaleVersion as exc:
        form.add_error(None, sentence(exc.message))
        return _settings_page(request, form=form, status=409)
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, sentence(message))
        return _settings_page(request, form=form, status=400)
    messages.success(request, f"Saved as version {version.number}.")
    return redirect("clinic:settings")


# --- Sites ------------------------------------------------------------------------------------


def _sites_page(
    request: HttpRequest, *, form: SiteForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "accounts/sites.html",
        {
            "sites": sites.clinic_sites(actor),
            "form": form or SiteForm(initial={"time_zone": actor.membership.clinic.time_zone}),  # type: ignore[union-attr]
            "error": error,
        },
        status=status,
    )


def _put_errors(form: Any, exc: FieldErrors) -> None:
    for name, message in exc.errors.items():
        form.add_error(name if name in form.fields else None, sentence(message))


@login_required
@require_http_methods(["GET", "POST"])
def site_list(request: HttpRequest) -> HttpResponse:
    """The clinic's sites, and adding one."""
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SITE_MANAGE)
    if request.method == "GET":
        return _sites_page(request)
    form = SiteForm(request.POST)
    if not form.is_valid():
        return _sites_page(request, form=form, status=400)
    try:
        site = sites.site_create(actor, data=form.cleaned_data)
    except FieldErrors as exc:
        _put_errors(form, exc)
        return _sites_page(request, form=form, status=400)
    messages.success(request, f"Site {site.name} added.")
    return redirect("clinic:sites")


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    site = sites.get_site(actor, pk)
    initial = {name: getattr(site, name) for name in sites.SITE_FIELDS}
    form = SiteForm(request.POST or None, initial=initial)
    version = VersionForm(request.POST or None, initial={"version": site.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and version.is_valid():
            try:
                sites.site_update(
                    actor,
                    pk,
                    expected_version=version.cleaned_data["version"],
                    data=form.cleaned_data,
                )
            except StaleVersion as exc:
                form.add_error(None, sentence(exc.message))
                status = 409
            except FieldErrors as exc:
                _put_errors(form, exc)
            else:
                messages.success(request, f"Site {form.cleaned_data['name']} saved.")
                return redirect("clinic:sites")
    return render(
        request,
        "accounts/site_form.html",
        {"site": site, "form": form, "version_form": version},
        status=status,
    )


def _site_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    actor = actor_from_request(request)
    version = VersionForm(request.POST)
    expected = version.cleaned_data["version"] if version.is_valid() else 0
    try:
        site = sites.site_set_active(actor, pk, active=active, expected_version=expected)
    except Conflict as exc:
        return _sites_page(request, error=sentence(exc.message), status=409)
    state = "active again" if active else "deactivated (kept for the records that name it)"
    messages.success(request, f"Site {site.name} is {state}.")
    return redirect("clinic:sites")


@login_required
@require_POST
def site_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _site_active(request, pk, active=False)


@login_required
@require_POST
def site_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _site_active(request, pk, active=True)
