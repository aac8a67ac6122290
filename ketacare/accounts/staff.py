"""The owner's staff management: who works in the clinic, their role, whether they may still
log in to it. Every role grant and change is audited; the clinic always keeps an active owner.

A deactivated membership is skipped by the login's clinic lookup and by bearer-token
authentication, so the person can no longer use that clinic; their API tokens for it are
revoked (a reactivation does not bring them back).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible

from .actor import Actor
from .models import STAFF_ROLES, ApiToken, Clinic, Membership, Role
from .permissions import Perm, require_perm

STAFF_ROLE_ORDER = (Role.OWNER, Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK)
ROLES_TEXT = ", ".join(f"{r.value} ({r.label})" for r in STAFF_ROLE_ORDER)


def staff_members(actor: Actor) -> QuerySet[Membership]:
    """The staff memberships of the actor's clinic (patients' portal logins are not staff),
    active ones first, by name."""
    require_perm(actor.membership, Perm.STAFF_MANAGE)
    assert actor.membership is not None
    return (
        Membership.objects.filter(clinic_id=actor.membership.clinic_id, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def _lock_member(actor: Actor, membership_id: int) -> Membership:
    """A staff membership of the actor's clinic (404 for any other), locked, if the role
    manages staff (403). The clinic row is locked first: one staff change at a time, so two
    owners cannot each demote the other."""
    clinic_id = actor.membership.clinic_id if actor.membership is not None else None
    if clinic_id is None:
        raise NotVisible("No such member")
    Clinic.objects.select_for_update().filter(pk=clinic_id).first()
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=membership_id, clinic_id=clinic_id, role__in=STAFF_ROLES)
        .first()
    )
    if membership is None:
        raise NotVisible("No such member")
    require_perm(actor.membership, Perm.STAFF_MANAGE)
    return membership


def _other_active_owners(membership: Membership) -> int:
    return (
        Membership.objects.filter(clinic_id=membership.clinic_id, role=Role.OWNER, is_active=True)
        .exclude(pk=membership.pk)
        .count()
    )


def _keep_an_owner(membership: Membership) -> None:
    if (
        membership.role == Role.OWNER
        and membership.is_active
        and _other_active_owners(membership) == 0
    ):
        raise Conflict(
            "role",
            f"{membership.user.full_name} is the clinic's only active owner: make another "
            "member an owner first",
        )


@audit.records_refusals("membership.role_change")
def membership_set_role(actor: Actor, membership_id: int, *, role: str) -> Membership:
    """Give a member another staff role (takes effect at their next request)."""
    if role not in {r.value for r in STAFF_ROLE_ORDER}:
        raise FieldErrors({"role": f"must be one of: {ROLES_TEXT}"})
    new = Role(role)
    with transaction.atomic():
        membership = _lock_member(actor, membership_id)
        if membership.role == new:
            raise Conflict("role", f"{membership.user.full_name} is already {new.label}")
        if new != Role.OWNER:
            _keep_an_owner(membership)
        old = membership.role
        membership.role = new
        membership.save(update_fields=["role"])
        audit.record(
            actor,
            "membership.role_change",
            target=membership,
            changes={"role": [old, new.value]},
            data={"for_user": membership.user.email},
        )
    return membership


@audit.records_refusals("membership.deactivate")
def membership_set_active(actor: Actor, membership_id: int, *, active: bool) -> Membership:
    """Deactivate a member (they can no longer use this clinic; their API tokens for it are
    revoked) or reactivate them with the role they had."""
    with transaction.atomic():
        membership = _lock_member(actor, membership_id)
        if membership.is_active == active:
            state = "active" if active else "deactivated"
            raise Conflict("is_active", f"{membership.user.full_name} is already {state}")
        revoked = 0
        if not active:
            _keep_an_owner(membership)
            revoked = ApiToken.objects.filter(
                membership=membership, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        audit.record(
            actor,
            "membership.reactivate" if active else "membership.deactivate",
            target=membership,
            changes={"is_active": [not active, active]},
            data={
                "for_user": membership.user.email,
                "role": membership.role,
                "tokens_revoked": revoked,
            },
        )
    return membership
