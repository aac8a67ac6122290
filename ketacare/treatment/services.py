"""Treatment plans: draft (protocol, dose, predicted curve, course), adjust, sign, revise.

Every change is one audited transaction. A signed plan is locked; a change is a new version
carrying its reason, and signing it supersedes the old one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import clinic_settings, current_settings_version
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical import get_protocol
from ketacare.clinical.course import course
from ketacare.clinical.dose_mg import calculate_dose_mg
from ketacare.clinical.errors import ClinicalInputError, UnknownIdError
from ketacare.clinical.labels import label
from ketacare.clinical.protocols import Protocol
from ketacare.clinical.vocabulary import CARE_ITEM_KINDS
from ketacare.lib.errors import Conflict, FieldErrors, StaleVersion
from ketacare.lib.versioned import save_new_version
from ketacare.patients import services as patients
from ketacare.patients.access import get_patient_for_user, get_record_for_user
from ketacare.patients.models import BodyMeasurement, Patient, PatientId
from ketacare.patients.rules import years_between
from ketacare.screening.queries import latest_screening

from .choices import choice_for
from .curve import predict_curve
from .models import TreatmentPlan

INTEGRATIVE_KINDS = CARE_ITEM_KINDS
MAX_INTEGRATIVE_ITEMS = 20


def _protocol(protocol_id: str) -> Protocol:
    try:
        return get_protocol(protocol_id)
    except UnknownIdError as exc:
        raise FieldErrors({"protocol": str(exc)}) from None


def _integrative(items: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    if len(items) > MAX_INTEGRATIVE_ITEMS:
        raise FieldErrors({"integrative_items": f"at most {MAX_INTEGRATIVE_ITEMS} items"})
    cleaned = []
    for n, item in enumerate(items):
        kind = str(item.get("kind", ""))
        if kind not in INTEGRATIVE_KINDS:
            raise FieldErrors(
                {f"integrative_items[{n}].kind": f"must be one of {', '.join(INTEGRATIVE_KINDS)}"}
            )
        description = str(item.get("description", "")).strip()
        if not description or len(description) > 300:
            raise FieldErrors({f"integrative_items[{n}].description": "must be 1-300 characters"})
        frequency = str(item.get("frequency", "")).strip()
        if len(frequency) > 100:
            raise FieldErrors(
                {f"integrative_items[{n}].frequency": "must be at most 100 characters"}
            )
        cleaned.append({"kind": kind, "description": description, "frequency": frequency})
    return cleaned


def _computed(
    patient: Patient,
    protocol: Protocol,
    dose_mg: float | None,
    concentration_mg_per_ml: float | None,
    today: Any,
) -> dict[str, Any]:
    """The dose (refused outside the protocol's range), its JSON and the predicted curve."""
    latest = (
        BodyMeasurement.objects.filter(patient=patient)
        .order_by("-measured_on", "-created_at")
        .first()
    )
    if latest is None:
        raise FieldErrors(
            {"weight_kg": "no weight on the chart: record the patient's weight first"}
        )
    age = years_between(patient.date_of_birth, today)
    weight = float(latest.weight_kg)
    try:
        dose = calculate_dose_mg(
            protocol,
            weight_kg=weight,
            height_cm=float(latest.height_cm) if latest.height_cm is not None else None,
            age_years=age,
            sex={"male": "male", "female": "female"}.get(patient.sex_at_birth),  # type: ignore[arg-type]
            dose_mg=dose_mg,
            concentration_mg_per_ml=concentration_mg_per_ml,
            settings=clinic_settings(patient.clinic),
        )
    except ClinicalInputError as exc:
        raise FieldErrors.naming(exc) from None
    curve = predict_curve(protocol, dose, weight_kg=weight, age_years=age, sex=patient.sex_at_birth)
    return {
        "dose": dose,
        "dose_json": {
            **dose.to_json(),
            "devices": dose.devices,
            "weight_basis": dose.weight_basis,
            "dose_weight_kg": dose.dose_weight_kg,
            "rate_ml_per_h": dose.rate_ml_per_h,
            "concentration_mg_per_ml": concentration_mg_per_ml,
            "warnings": list(dose.warnings),
            "weight_measured_on": latest.measured_on.isoformat(),
        },
        "weight_kg": latest.weight_kg,
        "curve": curve,
    }


@audit.records_refusals("plan.create")
def plan_create(
    actor: Actor,
    patient_id: PatientId,
    *,
    protocol_id: str,
    dose_mg: float | None = None,
    concentration_mg_per_ml: float | None = None,
    override_reason: str = "",
    course_note: str = "",
    integrative_items: Sequence[Mapping[str, Any]] = (),
) -> TreatmentPlan:
    """Draft a plan. A protocol the screening does not open needs an override reason.

    ``concentration_mg_per_ml`` (of the solution drawn up) gives the volume and the pump rate in
    mL/h; without it they are not calculated.
    """
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.PLAN_WRITE)
    protocol = _protocol(protocol_id)
    today = patients.clinic_today(actor)
    screening = latest_screening(patient)
    choice = choice_for(protocol, screening, years_between(patient.date_of_birth, today))
    reason = override_reason.strip()
    if not choice.open and not reason:
        why = "; ".join(r["message"] for r in choice.reasons) or label("decision", choice.decision)
        raise FieldErrors(
            {
                "override_reason": (
                    f"required: the screening says {label('decision', choice.decision).lower()}"
                    f" for {label('option', protocol.screening_option)} ({why})"
                )
            }
        )
    items = _integrative(integrative_items)
    computed = _computed(patient, protocol, dose_mg, concentration_mg_per_ml, today)
    dose = computed["dose"]
    with transaction.atomic():
        plan = TreatmentPlan.objects.create(
            patient=patient,
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            drug=protocol.drug,
            route=protocol.route,
            dose_mg=Decimal(str(dose.dose_mg)),
            dose=computed["dose_json"],
            weight_kg=computed["weight_kg"],
            curve=computed["curve"],
            course=course(protocol, years_between(patient.date_of_birth, today)),
            course_note=course_note.strip(),
            integrative_items=items,
            screening=screening,
            screening_decision=choice.decision,
            settings_version=current_settings_version(patient.clinic_id),
            override_reason=reason if not choice.open else "",
            created_by=actor.user,
        )
        audit.record(
            actor,
            "plan.create",
            patient_id=patient.pk,
            target=plan,
            changes={"protocol": [None, protocol.id], "dose_mg": [None, dose.dose_mg]},
            reason=plan.override_reason,
            data={
                "screening_decision": choice.decision,
                "settings_version": plan.settings_version.number,
            },
        )
    return plan


def _lock_plan(actor: Actor, plan_id: int, perm: Perm) -> TreatmentPlan:
    """Lock a plan of a patient the actor can see (else 404) if the role may ``perm`` (403)."""
    return get_record_for_user(
        actor.membership,
        TreatmentPlan.objects.select_related("patient__clinic"),
        plan_id,
        perm=perm,
        name="plan",
        lock=True,
    )


@audit.records_refusals("plan.update")
def plan_update(
    actor: Actor,
    plan_id: int,
    *,
    expected_version: int,
    dose_mg: float | None = None,
    concentration_mg_per_ml: float | None = None,
    course_note: str | None = None,
    integrative_items: Sequence[Mapping[str, Any]] | None = None,
    clear_concentration: bool = False,
) -> TreatmentPlan:
    """Adjust a draft: the dose (within the protocol's range), the concentration it is drawn
    up at (or none: ``clear_concentration``), the course note, the items."""
    with transaction.atomic():
        plan = _lock_plan(actor, plan_id, Perm.PLAN_WRITE)
        if plan.status != TreatmentPlan.Status.DRAFT:
            raise Conflict(
                "status", f"this plan is {plan.status}: start a new version to change it"
            )
        if plan.version != expected_version:
            raise StaleVersion(expected=expected_version, current=plan.version)
        changes: dict[str, list[Any]] = {}
        new_dose = dose_mg is not None and Decimal(str(dose_mg)) != plan.dose_mg
        old_concentration = plan.dose.get("concentration_mg_per_ml")
        if clear_concentration:
            concentration_mg_per_ml = None
        new_concentration = (
            concentration_mg_per_ml is not None or clear_concentration
        ) and concentration_mg_per_ml != old_concentration
        if new_dose or new_concentration:
            computed = _computed(
                plan.patient,
                _protocol(plan.protocol_id),
                dose_mg if dose_mg is not None else float(plan.dose_mg),
                concentration_mg_per_ml if new_concentration else old_concentration,
                patients.clinic_today(actor),
            )
            dose = computed["dose"]
            if new_dose:
                changes["dose_mg"] = [plan.dose_mg, dose.dose_mg]
            if new_concentration:
                changes["concentration_mg_per_ml"] = [old_concentration, concentration_mg_per_ml]
            plan.dose_mg = Decimal(str(dose.dose_mg))
            plan.dose = computed["dose_json"]
            plan.weight_kg = computed["weight_kg"]
            plan.curve = computed["curve"]
        if course_note is not None and course_note.strip() != plan.course_note:
            changes["course_note"] = [plan.course_note, course_note.strip()]
            plan.course_note = course_note.strip()
        if integrative_items is not None:
            items = _integrative(integrative_items)
            if items != plan.integrative_items:
                changes["integrative_items"] = [plan.integrative_items, items]
                plan.integrative_items = items
        if changes:
            recomputed = (
                ["dose_mg", "dose", "weight_kg", "curve"] if new_dose or new_concentration else []
            )
            stored = [name for name in changes if name not in ("concentration_mg_per_ml",)]
            save_new_version(plan, [*recomputed, *stored])
            audit.record(
                actor, "plan.update", patient_id=plan.patient_id, target=plan, changes=changes
            )
    return plan


@audit.records_refusals("plan.sign")
def plan_sign(
    actor: Actor, plan_id: int, *, expected_version: int | None = None, confirmed: bool = True
) -> TreatmentPlan:
    """The prescriber signs (21 CFR 11.50: name, time, meaning); the plan is then locked.

    ``expected_version`` is the draft the signer was shown: a draft changed since is refused,
    so nobody signs a dose they did not see. The page passes ``confirmed`` only from its
    confirmation step; without it nothing is signed (checked after the permission and the
    status, so that a refusal is still a refused write and a signed plan still a conflict).
    """
    with transaction.atomic():
        plan = _lock_plan(actor, plan_id, Perm.PLAN_SIGN)
        if plan.status != TreatmentPlan.Status.DRAFT:
            raise Conflict("status", f"this plan is already {plan.status}")
        if not confirmed:
            raise FieldErrors(
                {"confirm": "sign from the confirmation page, which shows what you approve"}
            )
        if expected_version is not None and plan.version != expected_version:
            raise StaleVersion(expected=expected_version, current=plan.version)
        now = timezone.now()
        plan.status = TreatmentPlan.Status.SIGNED
        plan.signed_by = actor.user
        plan.signed_by_label = actor.label
        plan.signed_at = now
        save_new_version(plan, ["status", "signed_by", "signed_by_label", "signed_at"])
        if plan.previous_id is not None:
            previous = TreatmentPlan.objects.select_for_update().get(pk=plan.previous_id)
            previous.status = TreatmentPlan.Status.SUPERSEDED
            save_new_version(previous, ["status"])
        audit.record(
            actor,
            "plan.sign",
            patient_id=plan.patient_id,
            target=plan,
            changes={"status": ["draft", "signed"]},
            data={"meaning": "approval of the treatment plan", "supersedes": plan.previous_id},
        )
    return plan


@audit.records_refusals("plan.create")
def plan_revise(actor: Actor, plan_id: int, *, reason: str) -> TreatmentPlan:
    """Start a new version of a signed plan; the reason is required and kept."""
    reason = reason.strip()
    if not reason:
        raise FieldErrors({"reason": "say why the signed plan changes"})
    with transaction.atomic():
        plan = _lock_plan(actor, plan_id, Perm.PLAN_WRITE)
        if plan.status != TreatmentPlan.Status.SIGNED:
            raise Conflict(
                "status", f"only a signed plan gets a new version; this one is {plan.status}"
            )
        if TreatmentPlan.objects.filter(previous=plan).exists():
            raise Conflict("status", "a new version of this plan is already being drafted")
        draft = TreatmentPlan.objects.get(pk=plan.pk)
        draft.pk = None
        draft._state.adding = True
        draft.previous = plan
        draft.plan_version = plan.plan_version + 1
        draft.status = TreatmentPlan.Status.DRAFT
        draft.change_reason = reason
        # A new version of the plan is drafted under the settings in force now.
        draft.settings_version = current_settings_version(plan.patient.clinic_id)
        draft.created_by = actor.user
        draft.created_at = timezone.now()
        draft.signed_by = None
        draft.signed_by_label = ""
        draft.signed_at = None
        draft.version = 1
        draft.save(force_insert=True)
        audit.record(
            actor,
            "plan.create",
            patient_id=plan.patient_id,
            target=draft,
            changes={"plan_version": [plan.plan_version, draft.plan_version]},
            reason=reason,
            data={"revises": plan.pk, "settings_version": draft.settings_version.number},
        )
    return draft
