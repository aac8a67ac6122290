"""Reads of the course page: the plan a course is booked from (visible, and the role books),
its progress and appointments (audited as reads of the patient's record), and what a session
may be booked on (the site's chairs or rooms, the staff who perform the service)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Membership, Role, Site
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors
from ketacare.patients.access import get_record_for_user
from ketacare.treatment.models import TreatmentPlan

from .courses import PhaseProgress, course_progress
from .models import Appointment, Resource, Service


def course_plan(actor: Actor, plan_id: int) -> TreatmentPlan:
    """The plan, if its patient is visible (else 404) and the role books (else 403)."""
    return get_record_for_user(
        actor.membership,
        TreatmentPlan.objects.select_related("patient__clinic"),
        plan_id,
        perm=Perm.SCHEDULE_BOOK,
        name="plan",
    )


@dataclass(frozen=True)
class CourseView:
    plan: TreatmentPlan
    progress: list[PhaseProgress]
    appointments: list[Appointment]


def read_course(actor: Actor, plan: TreatmentPlan) -> CourseView:
    """The plan's progress per phase and the appointments of its course (every plan of the
    patient on its protocol, as the progress counts them), oldest first."""
    appointments = list(
        Appointment.objects.filter(patient_id=plan.patient_id, plan__protocol_id=plan.protocol_id)
        .select_related("service", "site", "resource", "performer__user")
        .order_by("start_at", "pk")
    )
    with transaction.atomic():
        audit.record(
            actor, "plan.read", patient_id=plan.patient_id, target=plan, data={"page": "course"}
        )
        audit.record(
            actor,
            "appointment.read",
            patient_id=plan.patient_id,
            target=plan,
            data={"plan": plan.pk, "appointments": [a.pk for a in appointments]},
        )
    return CourseView(plan, course_progress(plan), appointments)


def booking_sites(plan: TreatmentPlan) -> list[Site]:
    """The active sites of the plan's clinic, the first one first (the default)."""
    return list(
        Site.objects.filter(clinic_id=plan.patient.clinic_id, is_active=True).order_by("pk")
    )


@dataclass(frozen=True)
class SessionChoices:
    service: Service
    site: Site
    resources: list[Resource]
    performers: list[Membership]
    #: Who may be the prescriber on site (named on a proposal).
    prescribers: list[Membership]


def session_choices(plan: TreatmentPlan, service_id: int, site_id: int) -> SessionChoices:
    """The active chairs (or rooms) of the site for the service, and the active staff whose
    role performs it, for the plan's clinic."""
    clinic_id = plan.patient.clinic_id
    service = Service.objects.filter(pk=service_id, clinic_id=clinic_id).first()
    site = Site.objects.filter(pk=site_id, clinic_id=clinic_id).first()
    if service is None or site is None:
        raise FieldErrors({"site": "ask for a new proposal: its service or site is gone"})
    resources = list(
        Resource.objects.filter(site=site, kind=service.resource_kind, is_active=True).order_by(
            "name", "pk"
        )
    )
    staff = list(
        Membership.objects.filter(clinic_id=clinic_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    return SessionChoices(
        service,
        site,
        resources,
        [m for m in staff if m.role in service.performer_roles],
        [m for m in staff if m.role == Role.PRESCRIBER],
    )
