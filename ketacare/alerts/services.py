"""Raising and acknowledging care-team alerts (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Clinic, Membership
from ketacare.accounts.permissions import Perm, has_perm, require_perm, visible_patients
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors

from .models import Alert
from .rules import suicidality_alert

if TYPE_CHECKING:
    from ketacare.outcomes.models import QuestionnaireResponse


def raise_for_response(actor: Actor, response: QuestionnaireResponse) -> Alert | None:
    """Raise a suicidality alert for a just-saved response, inside its transaction."""
    spec = suicidality_alert(response.instrument_id, response.score)
    if spec is None:
        return None
    patient = response.patient
    alert = Alert.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=Alert.Kind.SUICIDALITY,
        severity=spec.severity,
        message=spec.message,
        response=response,
    )
    audit.record(
        actor,
        "alert.raise",
        patient_id=patient.pk,
        target=alert,
        data={"kind": alert.kind, "severity": alert.severity},
    )
    return alert


@audit.records_refusals("alert.acknowledge")
def alert_acknowledge(actor: Actor, alert_id: int, *, note: str) -> Alert:
    """A clinician has seen the alert and says what was done; the note is required."""
    with transaction.atomic():
        # Not visible (another clinic, another patient's alert): 404; visible but the role may
        # not acknowledge: 403.
        alert = (
            _visible_to_acknowledge(actor.membership)
            .select_for_update()
            .filter(pk=alert_id)
            .first()
        )
        if alert is None:
            raise Http404("No such alert")
        require_perm(actor.membership, acknowledge_perm(alert))
        if not note.strip():
            raise FieldErrors({"note": "say what was done (for example: safety plan reviewed)"})
        if alert.acknowledged_at is not None:
            raise FieldErrors({"note": "this alert was already acknowledged"})
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.user
        alert.acknowledgement_note = note.strip()
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
        audit.record(
            actor,
            "alert.acknowledge",
            patient_id=alert.patient_id,
            target=alert,
            changes={"acknowledged_at": [None, alert.acknowledged_at]},
            reason=alert.acknowledgement_note,
        )
    return alert


def open_alerts(actor: Actor) -> QuerySet[Alert]:
    """The clinic's unacknowledged alerts, most urgent and newest first."""
    require_perm(actor.membership, Perm.ALERT_READ)
    return (
        visible_alerts(actor.membership)
        .filter(acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("-severity", "-created_at")
    )


# --- alerts about the clinic itself (no patient) ----------------------------------------------


def visible_alerts(membership: Membership | None) -> QuerySet[Alert]:
    """The clinic's alerts this membership sees: its patients' (``ALERT_READ``) and those about
    the clinic itself (``ALERT_CLINIC``: the owner)."""
    if membership is None or not membership.is_active:
        return Alert.objects.none()
    patients = has_perm(membership, Perm.ALERT_READ)
    clinic = has_perm(membership, Perm.ALERT_CLINIC)
    alerts = Alert.objects.filter(clinic_id=membership.clinic_id)
    if patients and clinic:
        return alerts
    if patients or clinic:
        return alerts.filter(patient__isnull=clinic)
    return Alert.objects.none()


def _visible_to_acknowledge(membership: Membership | None) -> QuerySet[Alert]:
    """A patient's alert is visible to whoever sees the patient; an alert about the clinic
    only to those who may act on it (everyone else: 404)."""
    mine = Q(patient__in=visible_patients(membership))
    if membership is not None and has_perm(membership, Perm.ALERT_CLINIC):
        mine |= Q(patient__isnull=True, clinic_id=membership.clinic_id)
    return Alert.objects.filter(mine)


def acknowledge_perm(alert: Alert) -> Perm:
    """What acknowledging ``alert`` takes: a patient's, the care team's; the clinic's, the
    owner's."""
    return Perm.ALERT_CLINIC if alert.patient_id is None else Perm.ALERT_ACKNOWLEDGE


def raise_audit_chain_alerts(actor: Actor, *, event_id: int, problem: str) -> list[Alert]:
    """An urgent alert to each clinic's owners that the audit chain is broken at row
    ``event_id`` (the chain is shared, so every clinic's log is in doubt). Once per clinic and
    first bad row: the alerts raised now, none when they exist already."""
    source = f"audit_event:{event_id}"
    message = (
        f"The audit log's hash chain is broken at row {event_id}: {problem}. "
        "The command ketacare audit verify names it; keep a copy of the database as it is."
    )[:500]
    raised = []
    with transaction.atomic():
        for clinic in Clinic.objects.order_by("pk"):
            if Alert.objects.filter(
                clinic=clinic, kind=Alert.Kind.AUDIT_CHAIN, source=source
            ).exists():
                continue
            alert = Alert.objects.create(
                clinic=clinic,
                patient=None,
                kind=Alert.Kind.AUDIT_CHAIN,
                severity=Alert.Severity.URGENT,
                message=message,
                source=source,
            )
            audit.record(
                actor,
                "alert.raise",
                clinic_id=clinic.pk,
                target=alert,
                data={"kind": alert.kind, "severity": alert.severity, "first_bad_row": event_id},
            )
            raised.append(alert)
    return raised
