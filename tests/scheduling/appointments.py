"""Small helpers for the scheduling app's service tests: more patients, the REMS enrolment,
booking through the real service, and the check that a refusal wrote nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.scheduling import booking
from ketacare.scheduling.models import Appointment, HoursException, WeeklyHours
from tests.conftest import Cast

from .conftest import Day


def new_patient(cast: Cast, mrn: str, given: str, family: str) -> Patient:
    return patients.patient_create(
        cast.actor(cast.front_desk),
        data={
            "mrn": mrn,
            "given_name": given,
            "family_name": family,
            "date_of_birth": date(1985, 6, 15),
            "sex_at_birth": "female",
        },
    ).obj


def enrol_in_rems(cast: Cast, patient: Patient, status: str = "given") -> None:
    """The SPRAVATO REMS patient enrolment form on the chart's consents."""
    patients.part_create(
        cast.actor(cast.front_desk),
        patient.pk,
        "consents",
        data={"kind": "spravato_rems_enrollment", "status": status, "signed_on": date(2026, 2, 20)},
    )


def book(day: Day, patient: Patient, service: str, start: datetime, **kwargs: Any) -> Appointment:
    """``appointment_book`` as the front desk (``actor=`` another membership)."""
    actor = kwargs.pop("actor", day.cast.front_desk)
    return booking.appointment_book(
        day.cast.actor(actor),
        patient.pk,
        service_id=day.service(service).pk,
        start_at=start,
        **kwargs,
    )


def _written() -> tuple[int, int, int, list[tuple[Any, ...]]]:
    return (
        AuditEvent.objects.exclude(action="write.refused").count(),
        WeeklyHours.objects.count(),
        HoursException.objects.count(),
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "start_at", "version")),
    )


@contextmanager
def refused_and_unwritten(attempted: str) -> Iterator[list[AuditEvent]]:
    """The block raises; nothing was written; one ``write.refused`` of ``attempted`` was
    recorded (yielded for more checks, once the block has run)."""
    before = _written()
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    found: list[AuditEvent] = []
    yield found
    assert _written() == before
    events = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [(e.action, e.outcome, e.data["attempted"]) for e in events] == [
        ("write.refused", "refused", attempted)
    ]
    found.extend(events)
