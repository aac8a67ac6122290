"""How an audit event reads on the audit page: the patient by name and MRN (a link to the chart
for those who may open it), the actor by name, the action and the target in words, and the
time in the clinic's own zone. Two queries for a page of events, never one per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.utils import dateformat

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import User
from ketacare.accounts.permissions import Perm, has_perm
from ketacare.audit.actions import ACTIONS
from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Patient

from .queries import OUTCOMES


@dataclass(frozen=True)
class ShownPatient:
    name: str
    mrn: str
    url: str  # "" when the viewer may not open the chart


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    when: datetime  # in the clinic's zone
    when_text: str  # "2026-03-08 06:30:00 EDT": the zone's abbreviation, whatever is active
    actor_name: str
    actor_email: str
    action: str
    outcome: str  # "" for a success
    patient: ShownPatient | None
    target: str
    changes: list[tuple[str, Any, Any]]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@cache
def _models_by_name() -> dict[str, Any]:
    """Models by class name, as ``audit.record`` names a target ("Condition")."""
    return {model.__name__: model for model in apps.get_models()}


def target_in_words(target_type: str, target_id: str) -> str:
    """ "Medication trial #5" for a ``MedicationTrial`` 5, "Patient record" for the patient;
    the stored name when it names no model (a removed one)."""
    if not target_type:
        return ""
    model = _models_by_name().get(target_type)
    if model is None:
        return f"{target_type} {target_id}".strip()
    if model is Patient:
        return "Patient record"
    name = _sentence(str(model._meta.verbose_name))
    return f"{name} #{target_id}" if target_id else name


def zone_names(tz: ZoneInfo, instants: Sequence[datetime]) -> str:
    """The zone's abbreviations on these instants ("EST/EDT" across a DST change)."""
    names = dict.fromkeys(i.astimezone(tz).tzname() or "" for i in instants)
    return "/".join(n for n in names if n)


def event_rows(actor: Actor, events: Sequence[AuditEvent], tz: ZoneInfo) -> list[EventRow]:
    """The page's events in words (one query for their patients, one for their actors)."""
    patient_ids = {e.patient_id for e in events if e.patient_id}
    assert actor.membership is not None  # the audit page needs a clinic
    clinic_id = actor.membership.clinic_id
    patients = {
        p.pk: p
        for p in Patient.objects.filter(pk__in=patient_ids, clinic_id=clinic_id).only(
            "pk", "mrn", "given_name", "family_name", "preferred_name"
        )
    }
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id}).only(
            "pk", "full_name", "email"
        )
    }
    may_open = has_perm(actor.membership, Perm.PATIENT_READ)
    rows = []
    for e in events:
        patient = patients.get(e.patient_id) if e.patient_id else None
        shown = None
        if patient is not None:
            url = patient.get_absolute_url() if may_open else ""
            shown = ShownPatient(patient.display_name, patient.mrn, url)
        elif e.patient_id:
            shown = ShownPatient("A removed patient", "", "")
        user = users.get(e.actor_id) if e.actor_id else None
        rows.append(
            EventRow(
                event=e,
                when=(local := e.occurred_at.astimezone(tz)),
                when_text=dateformat.format(local, "Y-m-d H:i:s T"),
                actor_name=user.full_name if user else e.actor_label,
                actor_email=user.email if user else "",
                action=_sentence(ACTIONS.get(e.action, e.action)),
                outcome="" if e.outcome == "success" else OUTCOMES.get(e.outcome, e.outcome),
                patient=shown,
                target=target_in_words(e.target_type, e.target_id),
                changes=[
                    (name.replace("_", " "), *pair)
                    if isinstance(pair, list) and len(pair) == 2
                    else (name.replace("_", " "), None, pair)
                    for name, pair in (e.changes or {}).items()
                ],
            )
        )
    return rows
