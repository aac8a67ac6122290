"""/api/v1/alerts: the clinic's open alerts, and acknowledging one."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.audit import services as audit
from ketacare.lib.inputs import Input
from ketacare.lib.responses import WRITE_ERRORS, responses

from . import services
from .models import Alert

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    # None: an alert about the clinic itself (the audit log's integrity), for the owner.
    patient_id: UUID | None
    kind: str
    severity: str
    message: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledgement_note: str


class AcknowledgeIn(Input):
    multiline = frozenset({"note"})

    note: str = Field(min_length=1, max_length=2000)


@router.get("", response=responses(list[AlertOut], 401, 403), summary="Open alerts of the clinic")
def list_alerts(request: HttpRequest) -> list[Alert]:
    actor = actor_from_request(request)
    alerts = list(services.open_alerts(actor))
    with transaction.atomic():
        audit.record(actor, "alert.read", data={"open": len(alerts)})
    return alerts


@router.post(
    "/{alert_id}/acknowledge",
    response=responses(AlertOut, *WRITE_ERRORS),
    summary="Acknowledge an alert",
)
def acknowledge(request: HttpRequest, alert_id: int, payload: AcknowledgeIn) -> Any:
    return services.alert_acknowledge(actor_from_request(request), alert_id, note=payload.note)
