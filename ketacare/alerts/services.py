"""Raising and acknowledging care-team alerts (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors
from ketacare.patients.access import get_record_for_user

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
        alert = get_record_for_user(
            actor.membership,
            Alert.objects.all(),
            alert_id,
            perm=Perm.ALERT_ACKNOWLEDGE,
            name="alert",
            lock=True,
        )
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
    assert actor.membership is not None
    return (
        Alert.objects.filter(clinic_id=actor.membership.clinic_id, acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("-severity", "-created_at")
    )
