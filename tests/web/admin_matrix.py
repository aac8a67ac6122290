"""The permission matrix's part for running the clinic: the owner's Staff, Clinic settings and
Sites pages, the settings API, and the pages opened from emailed links (an invitation, a
password reset), which anyone may open.

Only the owner manages staff, settings and sites. A route naming a row of Harbor (a member, an
invitation, a site) is not found for the prescriber of another clinic (``outsider``) and
refused (403) to everyone else but the owner. ``test_permission_matrix`` wires these entries,
rows, bodies and checks into its table; a refused write must leave every membership,
invitation, settings version, site, token and login as it was.
"""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.http import HttpResponse
from django.test import Client

from ketacare.accounts import invitations, password_reset, sites, staff
from ketacare.accounts.actor import actor_for, system_actor
from ketacare.accounts.clinic_rules import current_settings_version
from ketacare.accounts.models import (
    ApiToken,
    ClinicSettingsVersion,
    Invitation,
    Membership,
    Role,
    Site,
    User,
)
from ketacare.accounts.services import membership_create, user_create
from ketacare.clinical.settings import ClinicSettings, describe_settings
from tests.accounts.invitations import last_link, sent

# Columns: anonymous, patient, outsider, front desk, nurse, prescriber, owner.
_GET = (302, 403, 403, 403, 403, 403, 200)
_POST = (302, 403, 403, 403, 403, 403, 302)
_ROW_GET = (302, 403, 404, 403, 403, 403, 200)
_ROW_POST = (302, 403, 404, 403, 403, 403, 302)
_API = (401, 403, 403, 403, 403, 403, 200)

ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "staff/", "staff", _GET),
    ("POST", "staff/invite/", "staff_invite", _POST),
    ("POST", "staff/<int:pk>/role/", "staff_role", _ROW_POST),
    ("POST", "staff/<int:pk>/deactivate/", "staff_deactivate", _ROW_POST),
    ("POST", "staff/<int:pk>/reactivate/", "staff_reactivate", _ROW_POST),
    ("POST", "staff/invitations/<int:pk>/revoke/", "invitation_revoke", _ROW_POST),
    ("GET", "clinic/settings/", "settings", _GET),
    ("POST", "clinic/settings/", "settings", _POST),
    ("GET", "clinic/sites/", "sites", _GET),
    ("POST", "clinic/sites/", "sites", _POST),
    ("GET", "clinic/sites/<int:pk>/", "site_edit", _ROW_GET),
    ("POST", "clinic/sites/<int:pk>/", "site_edit", _ROW_POST),
    ("POST", "clinic/sites/<int:pk>/deactivate/", "site_deactivate", _ROW_POST),
    ("POST", "clinic/sites/<int:pk>/reactivate/", "site_reactivate", _ROW_POST),
    ("GET", "api/v1/clinic/settings", "api_settings", _API),
    ("PATCH", "api/v1/clinic/settings", "api_settings_update", _API),
]
ADMIN_KINDS = {kind for _, _, kind, _ in ENTRIES}

# Opened from an emailed link, so open to everyone: an invitation link and a reset link each
# redirect to the same page without their token; asking for a reset link always answers 200.
LINK_ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "accounts/invitation/", "invitation", (302,) * 7),
    ("POST", "accounts/invitation/", "invitation", (302,) * 7),
    ("GET", "accounts/password-reset/", "password_reset", (200,) * 7),
    ("POST", "accounts/password-reset/", "password_reset", (200,) * 7),
    ("GET", "accounts/password-reset/confirm/", "password_reset_confirm", (302,) * 7),
    ("POST", "accounts/password-reset/confirm/", "password_reset_confirm", (302,) * 7),
]
LINK_KINDS = {kind for _, _, kind, _ in LINK_ENTRIES}

WRITE_ACTIONS = (
    "user.create",
    "membership.create",
    "membership.role_change",
    "membership.deactivate",
    "membership.reactivate",
    "invitation.create",
    "invitation.revoke",
    "invitation.accept",
    "settings.change",
    "site.create",
    "site.update",
    "site.deactivate",
    "site.reactivate",
    "auth.password_reset",
)
PERM_NAMED = {"api_settings": "settings.manage", "api_settings_update": "settings.manage"}

NEW_PASSWORD = "lantern orchard quietly 1987"  # noqa: S105
NEW_HOLD_MMHG = 170
SETTINGS_REASON = "Our anaesthetist's BP rule"
SEAPORT = {
    "name": "Seaport",
    "address_line": "1 Seaport Boulevard",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02210",
    "country": "US",
    "time_zone": "America/New_York",
}
BACK_BAY = {**SEAPORT, "name": "Back Bay", "address_line": "500 Boylston Street"}
NEW_BACK_BAY_ADDRESS = "501 Boylston Street"


def state() -> dict[str, list[Any]]:
    """Every row a refused write must leave as it was (logins without their last login)."""
    tables: dict[str, list[Any]] = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Membership, Invitation, ClinicSettingsVersion, Site, ApiToken)
    }
    tables["User"] = list(
        User.objects.order_by("pk").values("pk", "email", "full_name", "is_active", "password")
    )
    return tables


def add_rows(world: Any) -> None:
    """Harbor's rows the routes act on, through the real services: an open invitation, a
    deactivated front-desk member, a second site and an inactive third one."""
    if world.admin:
        return
    cast = world.cast
    setup = system_actor("tests/web/admin_matrix.py")
    owner = actor_for(cast.owner)
    frank = user_create(setup, email="frank@example.com", full_name="Frank Former", password=None)
    former = membership_create(setup, user=frank, clinic=cast.clinic, role=Role.FRONT_DESK)
    staff.membership_set_active(owner, former.pk, active=False)
    annex = sites.site_add(setup, cast.clinic, data={**SEAPORT, "name": "Old Annex"})
    sites.site_set_active(owner, annex.pk, active=False, expected_version=1)
    world.admin.update(
        {
            "invitation": sent(
                lambda: invitations.invite(owner, email="newhire@example.com", role="nurse")
            ),
            "former": former,
            "back_bay": sites.site_add(setup, cast.clinic, data=BACK_BAY),
            "annex": Site.objects.get(pk=annex.pk),
        }
    )


def _row(world: Any, kind: str) -> Any:
    """The row of Harbor a route acts on."""
    if kind in ("staff_role", "staff_deactivate"):
        return world.cast.nurse
    key = {
        "staff_reactivate": "former",
        "invitation_revoke": "invitation",
        "site_edit": "back_bay",
        "site_deactivate": "back_bay",
        "site_reactivate": "annex",
    }[kind]
    row = world.admin[key]
    return type(row).objects.get(pk=row.pk)


ROW_KINDS = {route: kind for _, route, kind, _ in ENTRIES if "<int:pk>" in route}


def url(world: Any, kind: str, route: str, route_url: str, column: str) -> str:
    """``route_url`` with the row of Harbor its route names (whatever the method), or the
    emailed link's token."""
    if route in ROW_KINDS:
        add_rows(world)
        return route_url.replace("<int:pk>", str(_row(world, ROW_KINDS[route]).pk))
    if kind == "invitation":
        return route_url + "?token=" + _invitation_token(world, column)
    if kind == "password_reset_confirm":
        link = password_reset.reset_link(_link_user(world, column))
        return route_url + "?" + link.split("?", 1)[1]
    return route_url


def _link_user(world: Any, column: str) -> User:
    user: User | None = world.user(column)
    return user or world.cast.dan_login.user  # type: ignore[no-any-return]


def _invitation_token(world: Any, column: str) -> str:
    """A new invitation for this column: to Harbor for a newcomer (anonymous), to the clinic
    the user is not a member of for everyone else."""
    user = world.user(column)
    email = user.email if user is not None else "nora@example.com"
    slug = "harbor" if user is None or column == "outsider" else "lakeside"
    sent(
        lambda: invitations.invite_from_command_line(
            system_actor("tests"), clinic_slug=slug, email=email, role="front_desk"
        )
    )
    return last_link().split("token=", 1)[1]


def _settings_form(version: int) -> dict[str, Any]:
    form: dict[str, Any] = {"version": version, "reason": SETTINGS_REASON}
    for info in describe_settings():
        value = info.value
        form[info.name] = ("true" if value else "false") if isinstance(value, bool) else value
    form["predose_hold_systolic_mmhg"] = NEW_HOLD_MMHG
    return form


def body(world: Any, kind: str, column: str) -> dict[str, Any]:
    if kind == "staff_invite":
        return {"invite-email": "hana@example.com", "invite-role": "nurse"}
    if kind == "staff_role":
        return {f"m{world.cast.nurse.pk}-role": "prescriber"}
    if kind == "settings":
        return _settings_form(1)
    if kind == "api_settings_update":
        return {
            "version": 1,
            "reason": SETTINGS_REASON,
            "changes": {"predose_hold_systolic_mmhg": NEW_HOLD_MMHG},
        }
    if kind == "sites":
        return dict(SEAPORT)
    if kind == "site_edit":
        version = _row(world, kind).version
        return {**BACK_BAY, "address_line": NEW_BACK_BAY_ADDRESS, "version": version}
    if kind in ("site_deactivate", "site_reactivate"):
        return {"version": _row(world, kind).version}
    if kind == "invitation":
        if world.user(column) is not None:
            return {}
        return {
            "full_name": "Nora Newcomer",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        }
    if kind == "password_reset":
        return {"email": _link_user(world, column).email}
    if kind == "password_reset_confirm":
        return {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return {}


def check_allowed(
    world: Any, kind: str, method: str, response: HttpResponse, writes: list[str]
) -> None:
    """What the owner must get: the clinic's rows, and the change made and audited."""
    cast = world.cast
    if kind == "staff":
        members = [row["membership"].user.email for row in response.context["members"]]
        assert members == [
            "alice@example.com",
            "carol@example.com",
            "bob@example.com",
            "nina@example.com",
            "frank@example.com",
        ]
        assert [i.email for i in response.context["invitations"]] == ["newhire@example.com"]
    elif kind == "staff_invite":
        assert Invitation.objects.get(email="hana@example.com").role == "nurse"
        assert response["Location"] == "/staff/"
        assert mail.outbox[-1].to == ["hana@example.com"]
        assert writes == ["invitation.create"]
    elif kind == "staff_role":
        assert Membership.objects.get(pk=cast.nurse.pk).role == "prescriber"
        assert writes == ["membership.role_change"]
    elif kind == "staff_deactivate":
        assert Membership.objects.get(pk=cast.nurse.pk).is_active is False
        assert writes == ["membership.deactivate"]
    elif kind == "staff_reactivate":
        assert _row(world, kind).is_active is True
        assert writes == ["membership.reactivate"]
    elif kind == "invitation_revoke":
        assert _row(world, kind).revoked_at is not None
        assert writes == ["invitation.revoke"]
    elif kind == "settings" and method == "GET":
        assert response.context["view"].version.number == 1
        assert len(response.context["rows"]) == len(ClinicSettings.model_fields)
    elif kind == "settings":
        version = current_settings_version(cast.clinic)
        assert (version.number, version.overrides) == (
            2,
            {"predose_hold_systolic_mmhg": NEW_HOLD_MMHG},
        )
        assert response["Location"] == "/clinic/settings/"
        assert writes == ["settings.change"]
    elif kind == "sites" and method == "GET":
        shown = [site.name for site in response.context["sites"]]
        assert shown == ["Back Bay", "Harbor Ketamine Clinic", "Old Annex"]
    elif kind == "sites":
        assert Site.objects.get(clinic=cast.clinic, name="Seaport").address_line == (
            "1 Seaport Boulevard"
        )
        assert writes == ["site.create"]
    elif kind == "site_edit" and method == "GET":
        assert response.context["site"].pk == world.admin["back_bay"].pk
    elif kind == "site_edit":
        site = _row(world, kind)
        assert (site.address_line, site.version) == (NEW_BACK_BAY_ADDRESS, 2)
        assert writes == ["site.update"]
    elif kind == "site_deactivate":
        assert _row(world, kind).is_active is False
        assert writes == ["site.deactivate"]
    elif kind == "site_reactivate":
        assert _row(world, kind).is_active is True
        assert writes == ["site.reactivate"]
    elif kind == "api_settings":
        assert (response.json()["version"], len(response.json()["settings"])) == (
            1,
            len(ClinicSettings.model_fields),
        )
    elif kind == "api_settings_update":
        assert response.json()["version"] == 2
        assert current_settings_version(cast.clinic).overrides == {
            "predose_hold_systolic_mmhg": NEW_HOLD_MMHG
        }
        assert writes == ["settings.change"]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def check_link_route(
    world: Any,
    kind: str,
    method: str,
    column: str,
    response: HttpResponse,
    client: Client,
    new_events: list[tuple[str, int | None]],
) -> None:
    """Invitation and reset pages: what each user gets, and the login or membership made."""
    user = world.user(column)
    if method == "GET" and kind in ("invitation", "password_reset_confirm"):
        # The token moves into the session; the page is then shown without it.
        assert response["Location"] == f"/{kind_route(kind)}"
        assert new_events == []
    elif kind == "invitation" and user is None:
        created = User.objects.get(email="nora@example.com")
        assert (created.full_name, created.check_password(NEW_PASSWORD)) == (
            "Nora Newcomer",
            True,
        )
        assert Membership.objects.get(user=created).clinic_id == world.cast.clinic.pk
        assert response["Location"] == "/accounts/login/"
        assert [action for action, _ in new_events] == [
            "user.create",
            "membership.create",
            "invitation.accept",
        ]
    elif kind == "invitation":
        joined = world.cast.clinic if column == "outsider" else world.cast.other_clinic
        assert Membership.objects.get(user=user, clinic=joined).role == "front_desk"
        assert response["Location"] == "/"
        assert new_events == [("membership.create", user.pk), ("invitation.accept", user.pk)]
    elif kind == "password_reset" and method == "GET":
        assert b'name="email"' in response.content
        assert new_events == []
    elif kind == "password_reset":
        email = _link_user(world, column).email
        assert mail.outbox[-1].to == [email]
        assert new_events == [("auth.password_reset_requested", user.pk if user else None)]
    elif kind == "password_reset_confirm":
        target = User.objects.get(pk=_link_user(world, column).pk)
        assert target.check_password(NEW_PASSWORD)
        assert response["Location"] == "/accounts/login/"
        assert new_events == [("auth.password_reset", target.pk)]
        # Whoever was logged in here is logged out: the session ended with the reset.
        assert client.get("/patients/")["Location"] == "/accounts/login/?next=/patients/"
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def kind_route(kind: str) -> str:
    return next(route for _, route, k, _ in LINK_ENTRIES if k == kind)
