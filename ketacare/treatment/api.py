"""/api/v1/protocols, /api/v1/patients/{id}/plans and /api/v1/plans/{id}."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.clinical import load_protocols
from ketacare.clinical.dosing import (
    CONCENTRATION_MAX_MG_PER_ML,
    CONCENTRATION_MIN_MG_PER_ML,
    DOSE_MAX_MG,
)
from ketacare.clinical.sources import cite
from ketacare.lib.inputs import Input
from ketacare.lib.responses import EDIT_ERRORS, READ_ERRORS, WRITE_ERRORS, responses

from . import queries, services
from .models import TreatmentPlan

protocols_router = Router(tags=["protocols"])
plans_router = Router(tags=["treatment plans"])
patient_plans_router = Router(tags=["treatment plans"])


class ProtocolOut(Schema):
    id: str
    version: int
    name: str
    summary: str
    drug: str
    route: str
    setting: str
    indication: str
    screening_option: str
    dose_rule: dict[str, Any]
    schedule: list[dict[str, Any]]
    source: str


@protocols_router.get(
    "", response=responses(list[ProtocolOut], 401), summary="The protocol library"
)
def list_protocols(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "version": p.version,
            "name": p.title,
            "summary": p.summary,
            "drug": p.drug,
            "route": p.route,
            "setting": p.setting,
            "indication": p.indication,
            "screening_option": p.screening_option,
            "dose_rule": p.dose.model_dump(mode="json"),
            "schedule": [phase.model_dump(mode="json") for phase in p.schedule],
            "source": cite(*p.sources),
        }
        for p in load_protocols().values()
    ]


class IntegrativeItem(Input):
    kind: Literal[tuple(services.INTEGRATIVE_KINDS)]  # type: ignore[valid-type]
    description: str = Field(min_length=1, max_length=300)
    frequency: str = Field("", max_length=100)


MG: dict[str, Any] = {"x-unit": "mg"}
MG_PER_ML: dict[str, Any] = {"x-unit": "mg/mL"}
CONCENTRATION = (
    "Of the solution drawn up (KETALAR label: diluted to 1 or 2 mg/mL, vials up to 100 mg/mL); "
    "gives volume_ml and rate_ml_per_h. In a PATCH, null clears it"
)
ProtocolId = Literal[tuple(sorted(load_protocols()))]  # type: ignore[valid-type]


class PlanIn(Input):
    multiline = frozenset({"override_reason", "course_note"})

    protocol: ProtocolId  # type: ignore[valid-type]
    dose_mg: float | None = Field(
        None,
        gt=0,
        le=DOSE_MAX_MG,
        description="Blank: the protocol's standard dose; else within its range (422 naming it)",
        json_schema_extra=MG,
    )
    concentration_mg_per_ml: float | None = Field(
        None,
        ge=CONCENTRATION_MIN_MG_PER_ML,
        le=CONCENTRATION_MAX_MG_PER_ML,
        description=CONCENTRATION,
        json_schema_extra=MG_PER_ML,
    )
    override_reason: str = Field("", max_length=2000)
    course_note: str = Field("", max_length=2000)
    integrative_items: list[IntegrativeItem] = Field(
        default_factory=list, max_length=services.MAX_INTEGRATIVE_ITEMS
    )


class PlanPatch(Input):
    """Only the fields sent change; ``null`` clears the concentration or the course note."""

    multiline = frozenset({"course_note"})

    version: int = Field(ge=1)
    dose_mg: float = Field(None, gt=0, le=DOSE_MAX_MG, json_schema_extra=MG)  # type: ignore[assignment]
    concentration_mg_per_ml: float | None = Field(
        None,
        ge=CONCENTRATION_MIN_MG_PER_ML,
        le=CONCENTRATION_MAX_MG_PER_ML,
        description=CONCENTRATION,
        json_schema_extra=MG_PER_ML,
    )
    course_note: str | None = Field(None, max_length=2000)
    integrative_items: list[IntegrativeItem] = Field(
        None,  # type: ignore[arg-type]
        max_length=services.MAX_INTEGRATIVE_ITEMS,
    )


class RevisionIn(Input):
    multiline = frozenset({"reason"})

    reason: str = Field(min_length=1, max_length=2000)


class PlanOut(Schema):
    id: int
    patient_id: UUID
    plan_version: int
    previous_id: int | None
    status: str
    protocol: str
    protocol_version: int
    drug: str
    route: str
    dose_mg: Decimal
    dose: dict[str, Any]
    weight_kg: Decimal
    t_min: list[float]
    conc_ng_per_ml: list[float]
    curve: dict[str, Any]
    course: list[dict[str, Any]]
    course_note: str
    integrative_items: list[dict[str, str]]
    screening_decision: str
    override_reason: str
    change_reason: str
    created_at: datetime
    signed_by: str
    signed_at: datetime | None
    version: int


def _plan_out(plan: TreatmentPlan) -> dict[str, Any]:
    curve = {k: v for k, v in plan.curve.items() if k not in ("t_min", "conc_ng_per_ml")}
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "plan_version": plan.plan_version,
        "previous_id": plan.previous_id,
        "status": plan.status,
        "protocol": plan.protocol_id,
        "protocol_version": plan.protocol_version,
        "drug": plan.drug,
        "route": plan.route,
        "dose_mg": plan.dose_mg,
        "dose": plan.dose,
        "weight_kg": plan.weight_kg,
        "t_min": plan.curve["t_min"],
        "conc_ng_per_ml": plan.curve["conc_ng_per_ml"],
        "curve": curve,
        "course": plan.course,
        "course_note": plan.course_note,
        "integrative_items": plan.integrative_items,
        "screening_decision": plan.screening_decision,
        "override_reason": plan.override_reason,
        "change_reason": plan.change_reason,
        "created_at": plan.created_at,
        "signed_by": plan.signed_by_label,
        "signed_at": plan.signed_at,
        "version": plan.version,
    }


@patient_plans_router.post(
    "/{patient_id}/plans",
    response=responses(PlanOut, *WRITE_ERRORS, status=201),
    summary="Draft a treatment plan (422 outside the range or without a needed override reason)",
)
def create_plan(request: HttpRequest, patient_id: UUID, payload: PlanIn) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    data = payload.model_dump()
    plan = services.plan_create(
        actor,
        patient_id,
        protocol_id=data["protocol"],
        dose_mg=data["dose_mg"],
        concentration_mg_per_ml=data["concentration_mg_per_ml"],
        override_reason=data["override_reason"],
        course_note=data["course_note"],
        integrative_items=data["integrative_items"],
    )
    return Status(201, _plan_out(queries.read_plan(actor, plan.pk)))


@plans_router.get(
    "/{plan_id}",
    response=responses(PlanOut, *READ_ERRORS),
    summary="A plan with its dose and predicted curve",
)
def read_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan_out(queries.read_plan(actor_from_request(request), plan_id))


@plans_router.patch(
    "/{plan_id}",
    response=responses(PlanOut, *EDIT_ERRORS),
    summary="Adjust a draft plan (409 when signed or stale)",
)
def update_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> dict[str, Any]:
    actor = actor_from_request(request)
    data = payload.model_dump(exclude_unset=True)
    clear = "concentration_mg_per_ml" in data and data["concentration_mg_per_ml"] is None
    if "course_note" in data and data["course_note"] is None:
        data["course_note"] = ""
    services.plan_update(
        actor,
        plan_id,
        expected_version=data.pop("version"),
        clear_concentration=clear,
        **data,
    )
    return _plan_out(queries.read_plan(actor, plan_id))


@plans_router.post(
    "/{plan_id}/sign",
    response=responses(PlanOut, 401, 403, 404, 409),
    summary="Sign a draft plan (prescribers; 409 when already signed)",
)
def sign_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    actor = actor_from_request(request)
    services.plan_sign(actor, plan_id)
    return _plan_out(queries.read_plan(actor, plan_id))


@plans_router.post(
    "/{plan_id}/revisions",
    response=responses(PlanOut, *WRITE_ERRORS, 409, status=201),
    summary="Start a new version of a signed plan, with the reason (409 unless signed, or if "
    "a new version is already being drafted)",
)
def revise_plan(request: HttpRequest, plan_id: int, payload: RevisionIn) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    draft = services.plan_revise(actor, plan_id, reason=payload.reason)
    return Status(201, _plan_out(queries.read_plan(actor, draft.pk)))
