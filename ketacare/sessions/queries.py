"""Reading sessions: one session with its judgement now, a patient's sessions, and the
chair board of a site. Every read of patient data is audited inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.clinic_time import day_bounds_utc
from ketacare.lib.errors import NotVisible
from ketacare.patients.models import Patient
from ketacare.scheduling.feeds import initials
from ketacare.scheduling.models import Resource, ResourceKind

from .access import session_for
from .models import TreatmentSession
from .view import SessionView, view_of, views_of


def session_read(actor: Actor, session_id: int) -> SessionView:
    """One session and the core's judgement of it now (a patient reads their own)."""
    session = session_for(actor, session_id, perm=Perm.SESSION_READ)
    with transaction.atomic():
        audit.record(actor, "session.read", patient_id=session.patient_id, target=session)
    return view_of(session)


def patient_sessions(actor: Actor, patient: Patient) -> list[TreatmentSession]:
    """A patient's sessions, newest first (the caller read the patient through access)."""
    require_perm(actor.membership, Perm.SESSION_SUMMARY)
    rows = list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related("site", "plan")
        .order_by("-started_at")
    )
    with transaction.atomic():
        audit.record(actor, "session.read", patient_id=patient.pk, data={"sessions": len(rows)})
    return rows


@dataclass(frozen=True)
class Chair:
    resource: Resource
    view: SessionView | None

    @property
    def initials(self) -> str:
        return initials(self.view.session.patient) if self.view else ""


def board(actor: Actor, site_id: int, *, now: datetime | None = None) -> list[Chair]:
    """Every active chair of the site with today's latest session on it."""
    require_perm(actor.membership, Perm.SESSION_READ)
    require_perm(actor.membership, Perm.PATIENT_LIST)
    assert actor.membership is not None
    site = Site.objects.filter(pk=site_id, clinic_id=actor.membership.clinic_id).first()
    if site is None:
        raise NotVisible("No such site")
    now = now or timezone.now()
    today = now.astimezone(site.tz).date()
    start, end = day_bounds_utc(today, today, site.tz)
    sessions = (
        TreatmentSession.objects.filter(site=site, started_at__gte=start, started_at__lt=end)
        .select_related("patient", "plan", "settings_version", "site", "appointment", "chair")
        .order_by("started_at")
    )
    latest: dict[int | None, TreatmentSession] = {}
    for session in sessions:
        latest[session.chair_id] = session
    chairs = Resource.objects.filter(site=site, kind=ResourceKind.CHAIR, is_active=True).order_by(
        "name"
    )
    views = views_of([latest[c.pk] for c in chairs if c.pk in latest], now)
    rows = [
        Chair(chair, views[latest[chair.pk].pk] if chair.pk in latest else None) for chair in chairs
    ]
    with transaction.atomic():
        audit.record(
            actor,
            "session.board",
            data={"site": site.pk, "sessions": sum(1 for r in rows if r.view)},
        )
    return rows
