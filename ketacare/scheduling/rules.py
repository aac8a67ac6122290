"""The clinical and administrative rules of a booking, all reported at once:

- the patient's record is active and the service is offered;
- Spravato: a SPRAVATO REMS patient enrolment on file (the REMS requires enrolment before
  treatment);
- a plan, when given, is the patient's signed plan, for a protocol the service delivers;
- the session's place in the course keeps the protocol's limits (``clinical.limits``: the
  minimum interval, the sessions of the phase, the mg per rolling day and week), counting the
  patient's other active appointments on plans of the same protocol.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ketacare.clinical import get_protocol
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.limits import GivenSession, accept_session, check_proposed_session
from ketacare.patients.models import Consent, Patient
from ketacare.treatment.models import TreatmentPlan

from .models import Appointment, Service


def booking_problems(
    patient: Patient, service: Service, plan_id: int | None
) -> tuple[TreatmentPlan | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if not patient.is_active:
        errors["patient"] = "this patient's record is inactive: reactivate it before booking"
    if not service.is_active:
        errors["service"] = f"{service.name} is no longer offered"
    if (
        service.needs_rems_enrolment
        and not Consent.objects.filter(
            patient=patient, kind=Consent.Kind.SPRAVATO_REMS, status=Consent.Status.GIVEN
        ).exists()
    ):
        errors["patient"] = (
            "no SPRAVATO REMS patient enrolment on file: record it under consents before "
            "booking a Spravato session (SPRAVATO REMS)"
        )
    plan = None
    if plan_id is None and service.protocol_ids:
        # The patient's one signed plan this service delivers, so its limits apply.
        signed = list(
            TreatmentPlan.objects.filter(
                patient=patient,
                status=TreatmentPlan.Status.SIGNED,
                protocol_id__in=service.protocol_ids,
            )[:2]
        )
        plan = signed[0] if len(signed) == 1 else None
    if plan_id is not None:
        plan = TreatmentPlan.objects.filter(pk=plan_id, patient=patient).first()
        if plan is None:
            errors["plan"] = "no such plan for this patient"
        elif plan.status != TreatmentPlan.Status.SIGNED:
            errors["plan"] = (
                f"this plan is {plan.get_status_display().lower()}: book from a signed plan"
            )
        elif plan.protocol_id not in service.protocol_ids:
            errors["plan"] = (
                f"{service.name} does not deliver this plan's protocol "
                f"({get_protocol(plan.protocol_id).title})"
            )
    return plan, errors


def course_history(plan: TreatmentPlan, *, exclude: int | None = None) -> list[GivenSession]:
    """The patient's active appointments on plans of the plan's protocol, as the limits see
    them (each at its plan's dose)."""
    rows = Appointment.objects.filter(
        patient_id=plan.patient_id,
        plan__protocol_id=plan.protocol_id,
        status__in=Appointment.ACTIVE,
    ).select_related("plan")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return [
        GivenSession(row.start_at, float(row.plan.dose_mg), row.course_phase)  # type: ignore[union-attr]
        for row in rows.order_by("start_at")
    ]


def plan_phases(plan: TreatmentPlan) -> list[dict[str, Any]]:
    """The phases of the plan's course that its own protocol states. The course also lists
    the maintenance that follows an induction (``clinical.course``), but that is another
    protocol, with its own limits: it is booked from a plan for that protocol."""
    return [p for p in plan.course if p.get("protocol", plan.protocol_id) == plan.protocol_id]


def current_phase(plan: TreatmentPlan) -> str:
    """The first phase of the plan's protocol with sessions left (by its active
    appointments), else the last one (maintenance is open-ended)."""
    booked: dict[str, int] = {}
    for phase in Appointment.objects.filter(
        patient_id=plan.patient_id,
        plan__protocol_id=plan.protocol_id,
        status__in=Appointment.ACTIVE,
    ).values_list("course_phase", flat=True):
        booked[phase] = booked.get(phase, 0) + 1
    phases = plan_phases(plan)
    for step in phases:
        sessions = step.get("sessions")
        if sessions is None or booked.get(step["phase"], 0) < sessions:
            return str(step["phase"])
    return str(phases[-1]["phase"]) if phases else ""


def course_rule_problems(
    plan: TreatmentPlan,
    service: Service,
    start_at: datetime,
    *,
    phase: str,
    exclude: int | None,
    override_reason: str = "",
    may_override: bool = False,
) -> dict[str, str]:
    """The protocol's limits this session breaks, by field. A prescriber (``may_override``)
    may book past a schedule limit with a reason (``clinical.limits.accept_session``); a
    limit nobody overrides refuses it whatever the reason."""
    protocol = get_protocol(plan.protocol_id)
    phase = phase or current_phase(plan)
    history = course_history(plan, exclude=exclude)
    proposed = GivenSession(start_at, float(plan.dose_mg), phase)
    check = check_proposed_session(protocol, history, proposed)
    if check.ok:
        return {}
    listed = "; ".join(f"{v.message} ({v.source})" for v in check.violations)
    if not override_reason:
        return {"start": listed}
    if not may_override:
        return {"override_reason": "only a prescriber overrides the protocol's limits"}
    try:
        accept_session(protocol, history, proposed, override_reason=override_reason)
    except ClinicalInputError as exc:
        return {"start" if exc.field == "proposed" else "override_reason": exc.message}
    return {}
