"""Reads of plans, screenings and the prior-authorisation checklist (each audited)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import clinic_settings
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical import PriorAuthChecklist, PriorAuthFacts, prior_auth_checklist
from ketacare.clinical.intake import MedicationTrial as TrialDocument
from ketacare.patients.access import get_record_for_user
from ketacare.patients.models import Consent, Coverage, Patient
from ketacare.screening.chart import chart_facts

from .models import TreatmentPlan


def read_plan(actor: Actor, plan_id: int, perm: Perm = Perm.PLAN_READ) -> TreatmentPlan:
    """A plan of a patient the actor can see (else 404), if the role may ``perm`` (else 403):
    reading it, or signing it for the sign confirmation page."""
    plan = get_record_for_user(
        actor.membership,
        TreatmentPlan.objects.select_related(
            "patient__clinic", "previous", "screening__patient__clinic"
        ),
        plan_id,
        perm=perm,
        name="plan",
    )
    with transaction.atomic():
        audit.record(actor, "plan.read", patient_id=plan.patient_id, target=plan)
    return plan


def plans_in_force(patients: Iterable[Patient]) -> dict[Any, TreatmentPlan]:
    """Each patient's plan in force: the signed one, else the newest draft (one query)."""
    chosen: dict[Any, TreatmentPlan] = {}
    plans = (
        TreatmentPlan.objects.filter(patient__in=list(patients))
        .exclude(status=TreatmentPlan.Status.SUPERSEDED)
        .order_by("-created_at", "-id")
    )
    for plan in plans:
        current = chosen.get(plan.patient_id)
        signed = plan.status == TreatmentPlan.Status.SIGNED
        if current is None or (signed and current.status != TreatmentPlan.Status.SIGNED):
            chosen[plan.patient_id] = plan
    return chosen


def active_plan(patient: Patient) -> TreatmentPlan | None:
    """The signed plan in force, else the newest draft (one query)."""
    return plans_in_force([patient]).get(patient.pk)


@dataclass(frozen=True)
class PriorAuth:
    checklist: PriorAuthChecklist
    as_of: date


def prior_auth_for(patient: Patient, today: date) -> PriorAuth:
    """The Spravato prior-authorisation checklist filled from the chart."""
    facts = chart_facts(patient, today)
    coverage = (
        Coverage.objects.filter(patient=patient, is_primary=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("-start_date")
        .first()
    )
    rems = Consent.objects.filter(
        patient=patient, kind=Consent.Kind.SPRAVATO_REMS, status=Consent.Status.GIVEN
    ).exists()
    checklist = prior_auth_checklist(
        PriorAuthFacts(
            age_years=facts.age_years,
            diagnoses=facts.diagnoses,
            trials=[TrialDocument.model_validate(t) for t in facts.trials],
            rems_enrolled=rems,
            payer_name=coverage.payer_name if coverage else None,
            member_id=coverage.member_id if coverage else None,
        ),
        clinic_settings(patient.clinic),
    )
    return PriorAuth(checklist, today)


def plan_versions(plan: TreatmentPlan) -> list[TreatmentPlan]:
    """Every version of ``plan`` (the chain of ``previous`` links both ways), oldest first.

    One query reads the patient's plans; the chain is followed in memory.
    """
    plans = {
        p.pk: p
        for p in TreatmentPlan.objects.filter(patient_id=plan.patient_id).select_related(
            "created_by", "signed_by"
        )
    }
    by_previous = {p.previous_id: p for p in plans.values() if p.previous_id is not None}
    first = plans.get(plan.pk, plan)
    while first.previous_id is not None and first.previous_id in plans:
        first = plans[first.previous_id]
    chain = [first]
    while chain[-1].pk in by_previous:
        chain.append(by_previous[chain[-1].pk])
    return chain


def revision_of(plan: TreatmentPlan) -> TreatmentPlan | None:
    """The draft that revises a signed plan, if one is being drafted."""
    return TreatmentPlan.objects.filter(previous=plan).first()
