"""Inviting staff: an emailed link, single use, expiring (``KETACARE_INVITATION_DAYS``, 7).

The link carries a random token; only its SHA-256 is stored. Opening it, someone without an
account sets their name and password, which creates the user and their membership; someone who
has an account logs in first and the membership is added to it. A newer invitation to the same
email replaces an unused one, and the owner can withdraw one. Each step is audited; the owner's
Staff page and ``ketacare staff invite`` call the same ``_invite``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible
from ketacare.lib.text import text_problem

from . import mail
from .actor import Actor, actor_label
from .models import Clinic, Invitation, Membership, Role, User, normalize_email
from .permissions import Perm, require_perm
from .services import membership_create, user_create

#: The roles an invitation may grant, in the order pages list them.
INVITATION_ROLES = (Role.OWNER, Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK)
ROLES_TEXT = ", ".join(f"{r.value} ({r.label})" for r in INVITATION_ROLES)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accept_url(token: str) -> str:
    """The link in the email. The token rides in the query string, which the access log never
    writes (``cli.server.ACCESS_LOG_FORMAT``); the page moves it into the session at once."""
    return mail.absolute_url(f"{reverse('accounts:invitation')}?token={token}")


def _staff_role(role: str) -> Role:
    if role not in {r.value for r in INVITATION_ROLES}:
        raise FieldErrors({"role": f"must be one of: {ROLES_TEXT}"})
    return Role(role)


def _checked_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise FieldErrors({"email": "enter a valid email address"}) from None
    return email


def _invite(actor: Actor, clinic: Clinic, *, email: str, role: str) -> Invitation:
    email = _checked_email(email)
    granted = _staff_role(role)
    member = Membership.objects.filter(clinic=clinic, user__email=email).first()
    if member is not None and member.is_active:
        raise FieldErrors(
            {"email": f"{email} is already a member of {clinic.name} ({member.get_role_display()})"}
        )
    if member is not None:
        raise FieldErrors(
            {
                "email": f"{email} is a deactivated member of {clinic.name}: reactivate them "
                "on the Staff page instead"
            }
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        replaced = list(
            Invitation.objects.select_for_update()
            .filter(
                clinic=clinic,
                email=email,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            )
            .values_list("pk", flat=True)
        )
        Invitation.objects.filter(pk__in=replaced).update(revoked_at=now)
        invitation = Invitation.objects.create(
            clinic=clinic,
            email=email,
            role=granted,
            token_sha256=_sha256(token),
            invited_by=actor.user,
            invited_by_label=actor.label,
            created_at=now,
            expires_at=now + timedelta(days=settings.KETACARE_INVITATION_DAYS),
        )
        audit.record(
            actor,
            "invitation.create",
            clinic_id=clinic.pk,
            target=invitation,
            data={
                "email": email,
                "role": granted.value,
                "expires_at": invitation.expires_at.isoformat(),
                "replaces": replaced,
            },
        )
        mail.send_after_commit(
            to=email,
            subject=f"Join {clinic.name} on ketacare",
            template="accounts/email/invitation.txt",
            context={
                "clinic": clinic,
                "role": granted.label,
                "invited_by": actor.user.full_name if actor.user is not None else clinic.name,
                "link": accept_url(token),
                "days": settings.KETACARE_INVITATION_DAYS,
            },
        )
    return invitation


@audit.records_refusals("invitation.create")
def invite(actor: Actor, *, email: str, role: str) -> Invitation:
    """An owner invites someone to their clinic (the Staff page)."""
    require_perm(actor.membership, Perm.STAFF_MANAGE)
    assert actor.membership is not None
    return _invite(actor, actor.membership.clinic, email=email, role=role)


def invite_from_command_line(
    actor: Actor, *, clinic_slug: str, email: str, role: str
) -> Invitation:
    """``ketacare staff invite``: the operator invites someone to any clinic (the first owner
    of a new clinic, say)."""
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    if clinic is None:
        raise FieldErrors({"clinic": f"there is no clinic {clinic_slug!r}"})
    return _invite(actor, clinic, email=email, role=role)


def open_invitations(actor: Actor) -> list[Invitation]:
    """Invitations of the actor's clinic not yet accepted, withdrawn or expired."""
    require_perm(actor.membership, Perm.STAFF_MANAGE)
    assert actor.membership is not None
    return list(
        Invitation.objects.filter(
            clinic_id=actor.membership.clinic_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).order_by("email", "created_at")
    )


@audit.records_refusals("invitation.revoke")
def invitation_revoke(actor: Actor, invitation_id: int) -> Invitation:
    """Withdraw an invitation: its link stops working."""
    with transaction.atomic():
        clinic_id = actor.membership.clinic_id if actor.membership is not None else 0
        invitation = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation_id, clinic_id=clinic_id)
            .first()
        )
        if invitation is None:
            raise NotVisible("No such invitation")
        require_perm(actor.membership, Perm.STAFF_MANAGE)
        if not invitation.is_open:
            raise Conflict("invitation", f"the invitation of {invitation.email} is no longer open")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "invitation.revoke",
            clinic_id=invitation.clinic_id,
            target=invitation,
            data={"email": invitation.email, "role": invitation.role},
        )
    return invitation


# --- accepting --------------------------------------------------------------------------------


class InvitationInvalid(Exception):
    """The link cannot be used: ``state`` is ``unknown``, ``used``, ``revoked`` or
    ``expired``."""

    MESSAGES = {
        "unknown": "This invitation link is not valid. Check that you opened the whole link.",
        "used": "This invitation was already accepted. Log in instead.",
        "revoked": "This invitation was withdrawn or replaced by a newer one. Use the newest "
        "invitation email, or ask the clinic to invite you again.",
        "expired": "This invitation has expired. Ask the clinic to invite you again.",
    }

    def __init__(self, state: str) -> None:
        self.state = state
        super().__init__(self.MESSAGES[state])


def invitation_state(invitation: Invitation | None) -> str:
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


@dataclass(frozen=True)
class Opened:
    """An open invitation, and whether its email already has an account."""

    invitation: Invitation
    has_account: bool


def invitation_open(token: str) -> Opened:
    """The open invitation a link's token names; ``InvitationInvalid`` otherwise."""
    invitation = (
        Invitation.objects.select_related("clinic").filter(token_sha256=_sha256(token)).first()
        if token
        else None
    )
    state = invitation_state(invitation)
    if invitation is None or state != "open":
        raise InvitationInvalid(state)
    return Opened(invitation, User.objects.filter(email=invitation.email).exists())


def _lock_open(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("clinic")
        .filter(token_sha256=_sha256(token))
        .first()
        if token
        else None
    )
    state = invitation_state(invitation)
    if invitation is None or state != "open":
        raise InvitationInvalid(state)
    return invitation


def _accepted(actor: Actor, invitation: Invitation, membership: Membership) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = membership.user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor,
        "invitation.accept",
        clinic_id=invitation.clinic_id,
        target=invitation,
        data={"email": invitation.email, "role": invitation.role, "membership": membership.pk},
    )


def invitation_accept_new(actor: Actor, token: str, *, full_name: str, password: str) -> Membership:
    """Someone without an account accepts: their user (name and password) and membership are
    created, and the invitation is spent."""
    full_name = full_name.strip()
    errors = {}
    problem = text_problem(full_name, multiline=False)
    if not full_name or problem:
        errors["full_name"] = problem or "enter your name as colleagues should see it"
    with transaction.atomic():
        invitation = _lock_open(token)
        if User.objects.filter(email=invitation.email).exists():
            raise FieldErrors(
                {"__all__": f"{invitation.email} already has an account: log in to accept"}
            )
        try:
            validate_password(password, User(email=invitation.email, full_name=full_name))
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
        if errors:
            raise FieldErrors(errors)
        invitee = Actor(
            user=None,
            membership=None,
            label=f"{full_name} <{invitation.email}> (accepting an invitation)",
            ip=actor.ip,
            request_id=actor.request_id,
        )
        user = user_create(
            invitee,
            email=invitation.email,
            full_name=full_name,
            password=password,
            clinic=invitation.clinic,
        )
        newcomer = Actor(
            user=user,
            membership=None,
            label=actor_label(user, None),
            ip=actor.ip,
            request_id=actor.request_id,
        )
        membership = membership_create(
            newcomer, user=user, clinic=invitation.clinic, role=Role(invitation.role)
        )
        _accepted(newcomer, invitation, membership)
    return membership


def invitation_accept_existing(actor: Actor, token: str) -> Membership:
    """The logged-in user whose email the invitation names accepts: the membership is added
    to their account."""
    user = actor.user
    with transaction.atomic():
        invitation = _lock_open(token)
        if user is None or user.email != invitation.email:
            raise FieldErrors(
                {"__all__": f"this invitation is for {invitation.email}: log in as that user"}
            )
        if Membership.objects.filter(user=user, clinic=invitation.clinic).exists():
            raise FieldErrors({"__all__": f"you are already a member of {invitation.clinic.name}"})
        membership = membership_create(
            actor, user=user, clinic=invitation.clinic, role=Role(invitation.role)
        )
        _accepted(actor, invitation, membership)
    return membership
