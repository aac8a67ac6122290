"""Raising and acknowledging care-team alerts (audited)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.db.models import Case, Model, Q, QuerySet, Value, When
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Clinic, Membership
from ketacare.accounts.permissions import Perm, has_perm, require_perm
from ketacare.audit import services as audit
from ketacare.clinical.safety.suicidality import SEVERITY_RANK
from ketacare.lib.errors import FieldErrors
from ketacare.patients.access import get_record_for_user
from ketacare.patients.models import Patient

from .models import Alert

_MOST_URGENT_FIRST = Case(
    *(When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()),
    default=Value(len(SEVERITY_RANK)),
    output_field=models.IntegerField(),
)


#: The longest acknowledgement note accepted.
NOTE_MAX_LENGTH = 2000


def source_of(record: Model) -> tuple[str, str]:
    """How an alert names the record that raised it."""
    return record._meta.label_lower, str(record.pk)


def alert_raise(
    actor: Actor,
    patient: Patient,
    *,
    kind: str,
    severity: str,
    message: str,
    source: Model,
) -> Alert:
    """Raise an alert for the patient's care team, inside the transaction that saved
    ``source`` (the record that is the cause: a questionnaire response, a vital sign)."""
    source_type, source_id = source_of(source)
    alert = Alert.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=kind,
        severity=severity,
        message=message[:500],
        source_type=source_type,
        source_id=source_id,
    )
    audit.record(
        actor,
        "alert.raise",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        target=alert,
        data={"kind": alert.kind, "severity": alert.severity, "source": source_type},
    )
    return alert


def raised_by(sources: Iterable[Model]) -> list[Alert]:
    """The alerts these records raised, oldest first."""
    by_type: dict[str, list[str]] = {}
    for record in sources:
        source_type, source_id = source_of(record)
        by_type.setdefault(source_type, []).append(source_id)
    found = Q(pk__in=[])
    for source_type, ids in by_type.items():
        found |= Q(source_type=source_type, source_id__in=ids)
    return list(Alert.objects.filter(found).order_by("created_at", "id"))


@audit.records_refusals("alert.acknowledge")
def alert_acknowledge(actor: Actor, alert_id: int, *, note: str) -> Alert:
    """A clinician has seen the alert and says what was done; the note is required."""
    with transaction.atomic():
        # Not visible (another clinic, another patient's alert): 404; visible but the role may
        # not acknowledge: 403.
        # An alert about the clinic itself is visible only to those who may act on it.
        alert = get_record_for_user(
            actor.membership,
            Alert.objects.all(),
            alert_id,
            perm=acknowledge_perm,
            name="alert",
            lock=True,
            also_visible=_clinic_alerts(actor.membership),
        )
        if not note.strip():
            raise FieldErrors({"note": "say what was done (for example: safety plan reviewed)"})
        if len(note.strip()) > NOTE_MAX_LENGTH:
            raise FieldErrors(
                {"note": f"must be at most {NOTE_MAX_LENGTH} characters; got {len(note.strip())}"}
            )
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
        .order_by(_MOST_URGENT_FIRST, "-created_at")
    )


#: How many acknowledged alerts the history on the alerts page shows, newest first.
HISTORY_SIZE = 50


def acknowledged_alerts(actor: Actor, limit: int = HISTORY_SIZE) -> list[Alert]:
    """The clinic's most recently acknowledged alerts (who, when, what was done), newest
    first: an acknowledged alert stays visible in the history instead of disappearing."""
    require_perm(actor.membership, Perm.ALERT_READ)
    return list(
        visible_alerts(actor.membership)
        .filter(acknowledged_at__isnull=False)
        .select_related("patient", "acknowledged_by")
        .order_by("-acknowledged_at", "-id")[:limit]
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


def _clinic_alerts(membership: Membership | None) -> Q | None:
    """The alerts about the clinic itself this membership may act on (beside its patients')."""
    if membership is None or not has_perm(membership, Perm.ALERT_CLINIC):
        return None
    return Q(patient__isnull=True, clinic_id=membership.clinic_id)


def acknowledge_perm(alert: Alert) -> Perm:
    """What acknowledging ``alert`` takes: a patient's, the care team's; the clinic's, the
    owner's; a REMS form coming due, whoever submits REMS forms (the owner among them)."""
    if alert.kind == Alert.Kind.REMS_DUE:
        return Perm.REMS_MANAGE
    return Perm.ALERT_CLINIC if alert.patient_id is None else Perm.ALERT_ACKNOWLEDGE


def raise_audit_chain_alerts(
    actor: Actor, *, event_id: int, problem: str, clinic_id: int | None
) -> list[Alert]:
    """An urgent alert to the owners of clinic ``clinic_id`` that its audit chain is broken at
    row ``event_id`` (to every clinic's, when ``clinic_id`` is None: the installation or legacy
    chain, which every clinic's log depends on). Once per clinic and first bad row: the alerts
    raised now, none when they exist already."""
    source_type, source_id = "audit.auditevent", str(event_id)
    message = (
        f"The audit log's hash chain is broken at event {event_id}: {problem}. "
        "The command ketacare audit verify names it; keep a copy of the database as it is."
    )[:500]
    raised = []
    with transaction.atomic():
        clinics = Clinic.objects.order_by("pk")
        if clinic_id is not None:
            clinics = clinics.filter(pk=clinic_id)
        for clinic in clinics:
            if Alert.objects.filter(
                clinic=clinic,
                kind=Alert.Kind.AUDIT_CHAIN,
                source_type=source_type,
                source_id=source_id,
            ).exists():
                continue
            alert = Alert.objects.create(
                clinic=clinic,
                patient=None,
                kind=Alert.Kind.AUDIT_CHAIN,
                severity=Alert.Severity.URGENT,
                message=message,
                source_type=source_type,
                source_id=source_id,
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
