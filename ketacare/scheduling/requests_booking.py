"""Booking the free consultation a request asks for: an existing patient or one registered
now, the appointment booked the way every appointment is (``booking.appointment_book``), and
the request linked to both and marked booked, in one transaction: if any step is refused,
nothing of it is saved (no patient without the appointment, no half-booked request)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.lib.versioned import save_new_version
from ketacare.patients import services as patients
from ketacare.patients.models import PatientId

from .booking import appointment_book
from .models import ConsultationRequest, Service
from .requests import OPEN, lock_for_change

CONSULTATION_TYPE = "consultation"


def consultation_services(clinic_id: int) -> list[Service]:
    """The active services a request can be booked on: the clinic's consultations."""
    return list(
        Service.objects.filter(
            clinic_id=clinic_id, service_type=CONSULTATION_TYPE, is_active=True
        ).order_by("name", "pk")
    )


def _check_service(clinic_id: int, service_id: int) -> None:
    if service_id not in {s.pk for s in consultation_services(clinic_id)}:
        raise FieldErrors({"service": "must be an active consultation service of this clinic"})


@audit.records_refusals("consultation_request.update")
def consultation_request_book(
    actor: Actor,
    request_id: int,
    *,
    expected_version: int,
    service_id: int,
    start_at: datetime,
    patient_id: PatientId | None = None,
    new_patient: Mapping[str, Any] | None = None,
    confirm_new_person: bool = False,
    reason: str = "",
    resource_id: int | None = None,
) -> ConsultationRequest:
    """Book the consultation for ``patient_id``, or for ``new_patient`` registered now
    (``patients.services.patient_create``, its duplicate check included)."""
    if (patient_id is None) == (new_patient is None):
        raise FieldErrors({"patient": "choose an existing patient or register a new one"})
    with transaction.atomic():
        request = lock_for_change(actor, request_id, expected_version)
        require_perm(actor.membership, Perm.SCHEDULE_BOOK)
        if request.status not in OPEN:
            raise Conflict(
                "status",
                f"this request is {request.get_status_display().lower()}: only a new or "
                "contacted request is booked",
            )
        _check_service(request.clinic_id, service_id)
        if new_patient is not None:
            saved = patients.patient_create(
                actor, data=new_patient, confirm_new_person=confirm_new_person, reason=reason
            )
            patient_id = saved.obj.pk
        assert patient_id is not None
        appointment = appointment_book(
            actor,
            patient_id,
            service_id=service_id,
            start_at=start_at,
            resource_id=resource_id,
            note=f"Consultation request {request.pk}",
        )
        old_status = request.status
        request.patient_id = appointment.patient_id
        request.appointment = appointment
        request.status = ConsultationRequest.Status.BOOKED
        save_new_version(request, ["patient", "appointment", "status"])
        audit.record(
            actor,
            "consultation_request.update",
            patient_id=appointment.patient_id,
            target=request,
            changes={
                "status": [old_status, request.status],
                "appointment": [None, appointment.pk],
                "patient": [None, str(appointment.patient_id)],
            },
            data={"version": request.version, "new_patient": new_patient is not None},
        )
    return request
