"""/api/v1/patients: list and search, read, register, edit, and the chart's sections.

No ``from __future__ import annotations`` here: the section routes are built in a loop and
ninja reads their parameter types at run time.
"""

from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.inputs import Input, QueryInput
from ketacare.lib.responses import EDIT_ERRORS, READ_ERRORS, WRITE_ERRORS, responses

from . import queries, services
from .parts import PARTS
from .schemas import PART_IN, PART_OUT, PART_PATCH, PatientIn, PatientOut, PatientPage, PatientPatch

router = Router(tags=["patients"])


class SearchQuery(QueryInput):
    q: str = Field("", max_length=200, description="Name words, an MRN prefix or a date of birth")
    sort: Literal[tuple(queries.SORTS)] = "name"  # type: ignore[valid-type]
    status: Literal[queries.STATUSES] = Field(  # type: ignore[valid-type]
        "active", description="Inactive records are left out unless asked for"
    )
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=queries.PAGE_SIZE_MAX)


class StatusIn(Input):
    """Make a record inactive (``reason`` required) or active again."""

    multiline = frozenset({"reason"})

    version: int = Field(ge=1, description="the version this change was based on")
    reason: str = Field("", max_length=500)


def _chart_out(chart: queries.Chart) -> dict[str, Any]:
    patient = chart.patient
    body: dict[str, Any] = {
        name: getattr(patient, name) for name in PatientOut.model_fields if hasattr(patient, name)
    }
    for key in PARTS:
        section = chart.section(key)
        body[key] = section.rows if section is not None else None
    return body


@router.get("", response=responses(PatientPage, 401, 403, 422), summary="List or search patients")
def list_patients(request: HttpRequest, filters: Query[SearchQuery]) -> dict[str, Any]:
    page = queries.search_patients(
        actor_from_request(request), queries.SearchParams(**filters.dict())
    )
    return {
        "count": page.paginator.count,
        "page": page.number,
        "page_size": page.paginator.per_page,
        "pages": page.paginator.num_pages,
        "results": list(page.object_list),
    }


@router.post(
    "",
    response=responses(PatientOut, 401, 403, 409, 422, status=201),
    summary="Register a patient (409 naming the record if the same person is registered)",
)
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    data = payload.model_dump()
    confirm, reason = data.pop("confirm_new_person"), data.pop("reason")
    saved = services.patient_create(actor, data=data, confirm_new_person=confirm, reason=reason)
    return Status(201, _chart_out(queries.read_record(actor, saved.obj.pk)))


@router.get(
    "/{patient_id}", response=responses(PatientOut, *READ_ERRORS), summary="Read a patient's record"
)
def read_patient(request: HttpRequest, patient_id: UUID) -> dict[str, Any]:
    return _chart_out(queries.read_record(actor_from_request(request), patient_id))


@router.patch(
    "/{patient_id}",
    response=responses(PatientOut, *EDIT_ERRORS),
    summary="Edit a patient's details (409 if `version` is stale)",
)
def update_patient(request: HttpRequest, patient_id: UUID, payload: PatientPatch) -> dict[str, Any]:
    actor = actor_from_request(request)
    data = payload.model_dump(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    services.patient_update(actor, patient_id, data=data, expected_version=version, reason=reason)
    return _chart_out(queries.read_record(actor, patient_id))


@router.post(
    "/{patient_id}/deactivate",
    response=responses(PatientOut, *EDIT_ERRORS),
    summary="Make the record inactive, with the reason (hidden from the default list)",
)
def deactivate_patient(request: HttpRequest, patient_id: UUID, payload: StatusIn) -> Any:
    return _set_active(request, patient_id, payload, active=False)


@router.post(
    "/{patient_id}/reactivate",
    response=responses(PatientOut, *EDIT_ERRORS),
    summary="Make an inactive record active again",
)
def reactivate_patient(request: HttpRequest, patient_id: UUID, payload: StatusIn) -> Any:
    return _set_active(request, patient_id, payload, active=True)


def _set_active(request: HttpRequest, patient_id: UUID, payload: StatusIn, *, active: bool) -> Any:
    actor = actor_from_request(request)
    services.patient_set_active(
        actor, patient_id, active=active, expected_version=payload.version, reason=payload.reason
    )
    return _chart_out(queries.read_record(actor, patient_id))


def _add_part_routes(key: str) -> None:
    spec = PARTS[key]
    part_in, part_patch, part_out = PART_IN[key], PART_PATCH[key], PART_OUT[key]

    def create(request: HttpRequest, patient_id: UUID, payload: part_in) -> Status[Any]:  # type: ignore[valid-type]
        data = payload.model_dump()  # type: ignore[attr-defined]
        saved = services.part_create(actor_from_request(request), patient_id, key, data=data)
        return Status(201, saved.obj)

    def update(request: HttpRequest, patient_id: UUID, part_id: int, payload: part_patch) -> Any:  # type: ignore[valid-type]
        data = payload.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        version, reason = data.pop("version"), data.pop("reason", "")
        return services.part_update(
            actor_from_request(request),
            patient_id,
            key,
            part_id,
            data=data,
            expected_version=version,
            reason=reason,
        ).obj

    router.add_api_operation(
        f"/{{patient_id}}/{key}",
        ["POST"],
        create,
        response=responses(part_out, *WRITE_ERRORS, 409, status=201),
        summary=f"Add a {spec.singular}",
        operation_id=f"create_{key}",
    )
    router.add_api_operation(
        f"/{{patient_id}}/{key}/{{part_id}}",
        ["PATCH"],
        update,
        response=responses(part_out, *EDIT_ERRORS),
        summary=f"Edit a {spec.singular} (409 if `version` is stale)",
        operation_id=f"update_{key}",
    )


for _key in PARTS:
    _add_part_routes(_key)
