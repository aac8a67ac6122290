"""What scheduling adds to the chart (the patient's next appointments and each signed plan's
course: sessions done, booked and left), to the patient list (each patient's next
appointment) and to the header (today's arrivals, late and checked in, for the staff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.clinical.labels import label
from ketacare.lib.panels import (
    Column,
    Counter,
    HeaderLink,
    Panel,
    PanelContext,
    chart_panels,
    header_links,
    list_columns,
)
from ketacare.treatment.models import TreatmentPlan

from . import display
from .courses import course_progress
from .models import Appointment
from .queries import next_appointments, today_counts

#: How many of the patient's next appointments the chart shows.
UPCOMING = 5


@dataclass(frozen=True)
class PhaseRow:
    name: str
    sessions: int | None
    done: int
    booked: int
    left: int | None


@dataclass(frozen=True)
class Course:
    plan: TreatmentPlan
    title: str
    phases: list[PhaseRow]


def _courses(patient: Any) -> list[Course]:
    plans = TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.SIGNED)
    return [
        Course(
            plan,
            label("protocol", plan.protocol_id),
            [
                PhaseRow(p.phase.capitalize(), p.sessions, p.done, p.booked, p.left)
                for p in course_progress(plan)
            ],
        )
        for plan in plans.order_by("-signed_at", "-pk")
    ]


def _appointments(actor: Any, patient: Any) -> PanelContext:
    """The next appointments (booked or checked in, not over) and the courses of the signed
    plans, for those who read the schedule; the Book link for those who book."""
    if not has_perm(actor.membership, Perm.SCHEDULE_READ):
        return None
    now = timezone.now()
    upcoming = (
        Appointment.objects.filter(
            patient=patient,
            status__in=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
            end_at__gt=now,
        )
        .select_related("service", "site", "resource")
        .order_by("start_at")[:UPCOMING]
    )
    book = has_perm(actor.membership, Perm.SCHEDULE_BOOK)
    return {
        "upcoming": display.listed(upcoming, now),
        "courses": _courses(patient),
        "book_url": reverse("scheduling:book") + "?" + urlencode({"patient": patient.pk})
        if book
        else "",
    }


chart_panels.register(
    Panel("appointments", "Appointments", 15, "scheduling/panels/appointments.html", _appointments)
)


def _next_cells(actor: Any, patients: list[Any]) -> dict[Any, str] | None:
    """Each patient's next appointment: its local date and time (the site's zone) and its
    service, linked to the appointment (one query for the page)."""
    if not has_perm(actor.membership, Perm.SCHEDULE_READ):
        return None
    cells: dict[Any, str] = {}
    for patient_id, appointment in next_appointments(patients).items():
        local = appointment.start_at.astimezone(appointment.site.tz)
        cells[patient_id] = format_html(
            '<a href="{}">{}</a> · {}',
            reverse("scheduling:appointment", kwargs={"pk": appointment.pk}),
            f"{local:%a %Y-%m-%d %H:%M}",
            appointment.service.name,
        )
    return cells


list_columns.register(Column("next_appointment", "Next appointment", 30, _next_cells))


def _staff_reading(membership: Any) -> bool:
    return has_perm(membership, Perm.SCHEDULE_READ) and bool(membership.is_staff_role)


def _today(membership: Any) -> list[Counter]:
    counts = today_counts(membership)
    return [
        Counter(counts.arrivals, "to arrive", "info"),
        Counter(counts.late, "late", "warn"),
        Counter(counts.checked_in, "checked in", "good"),
    ]


header_links.register(
    HeaderLink("schedule", "Schedule", 15, "scheduling:day", _staff_reading, counters=_today)
)
