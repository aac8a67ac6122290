"""The audit report for a clinic's owner, filtered by patient, user, local date, action and
outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db import transaction

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import User, normalize_email
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services
from ketacare.audit.actions import ACTIONS
from ketacare.audit.models import AuditEvent
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import FieldErrors
from ketacare.patients.models import Patient

PAGE_SIZE = 50
# What an event's ``outcome`` may be, and how the audit page names it.
OUTCOMES: dict[str, str] = {
    "success": "succeeded",
    "failure": "failed",
    services.REFUSED: "refused",
}


@dataclass(frozen=True)
class AuditFilter:
    patient: str = ""  # MRN
    user: str = ""  # email
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""  # a code of ACTIONS
    outcome: str = ""  # a key of OUTCOMES
    page: int = 1


def audit_report(actor: Actor, filters: AuditFilter) -> Page[AuditEvent]:
    """The clinic's audit events, newest first; reading them is itself audited."""
    require_perm(actor.membership, Perm.AUDIT_READ)
    assert actor.membership is not None
    clinic = actor.membership.clinic
    events = AuditEvent.objects.filter(clinic_id=clinic.pk)
    errors = {}
    if filters.patient:
        # Any case: "h-1001" finds H-1001 (and every record whose MRN differs only in case).
        ids = list(
            Patient.objects.filter(clinic=clinic, mrn__iexact=filters.patient.strip()).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            errors["patient"] = f"no patient of this clinic has MRN {filters.patient}"
        else:
            events = events.filter(patient_id__in=ids)
    if filters.user:
        user = User.objects.filter(email=normalize_email(filters.user)).first()
        if user is None:
            errors["user"] = f"no user has the email {filters.user}"
        else:
            events = events.filter(actor_id=user.pk)
    if filters.action:
        if filters.action in ACTIONS:
            events = events.filter(action=filters.action)
        else:
            errors["action"] = f"no audit action is called {filters.action}"
    if filters.outcome:
        if filters.outcome in OUTCOMES:
            events = events.filter(outcome=filters.outcome)
        else:
            errors["outcome"] = f"no audit outcome is called {filters.outcome}"
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = "must be on or after date_from"
    if errors:
        raise FieldErrors(errors)
    if filters.date_from or filters.date_to:
        first = filters.date_from or date(1970, 1, 1)
        last = filters.date_to or date(9998, 12, 30)
        start, end = day_bounds_utc(first, last, clinic.tz)
        events = events.filter(occurred_at__gte=start, occurred_at__lt=end)
    paginator = Paginator(events.order_by("-id"), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    # Fetch the rows now: a lazy page would run after the audit.read below and show it.
    page.object_list = list(page.object_list)
    with transaction.atomic():
        services.record(
            actor,
            "audit.read",
            data={
                "patient": filters.patient,
                "user": filters.user,
                "date_from": filters.date_from.isoformat() if filters.date_from else None,
                "date_to": filters.date_to.isoformat() if filters.date_to else None,
                "action": filters.action,
                "outcome": filters.outcome,
                "results": paginator.count,
            },
        )
    return page
