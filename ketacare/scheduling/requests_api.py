"""/api/v1/consultation-requests: the front desk's queue of free consultation requests
(list, add one taken by phone, mark contacted or close with the version read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.inputs import Input, QueryInput
from ketacare.lib.responses import EDIT_ERRORS, WRITE_ERRORS, responses

from . import requests
from .models import ConsultationRequest

consultation_router = Router(tags=["consultation requests"])

StatusName = Literal[tuple(ConsultationRequest.Status.values)]  # type: ignore[valid-type]
Settable = Literal[tuple(requests.SETTABLE)]  # type: ignore[valid-type]
L = requests.LENGTHS


class RequestOut(Schema):
    id: int
    full_name: str
    email: str
    phone: str
    preferred_times: str
    message: str
    status: str
    note: str
    patient_id: UUID | None
    appointment_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class RequestQuery(QueryInput):
    status: StatusName | None = None  # type: ignore[valid-type]
    limit: int = Field(100, ge=1, le=requests.LIST_MAX)


class RequestIn(Input):
    """An email address or a phone number is required (422 naming both when neither)."""

    multiline = frozenset({"message"})

    full_name: str = Field(min_length=1, max_length=L["full_name"])
    email: str = Field("", max_length=L["email"])
    phone: str = Field("", max_length=L["phone"])
    preferred_times: str = Field("", max_length=L["preferred_times"])
    message: str = Field("", max_length=L["message"])


class RequestPatch(Input):
    """Only the fields sent change; closing needs a note (the one sent or the one kept)."""

    multiline = frozenset({"note"})

    version: int = Field(ge=1)
    status: Settable = None  # type: ignore[valid-type]
    note: str = Field(None, max_length=requests.NOTE_MAX)  # type: ignore[assignment]


@consultation_router.get(
    "",
    response=responses(list[RequestOut], 401, 403, 422),
    summary="The clinic's consultation requests, newest first (filter by status)",
)
def list_requests(request: HttpRequest, filters: Query[RequestQuery]) -> Any:
    return requests.list_requests(
        actor_from_request(request),
        statuses=(filters.status,) if filters.status else (),
        limit=filters.limit,
    )


@consultation_router.post(
    "",
    response=responses(RequestOut, *WRITE_ERRORS, status=201),
    summary="Add a consultation request (taken by phone or at the desk)",
)
def create_request(request: HttpRequest, payload: RequestIn) -> Status[ConsultationRequest]:
    created = requests.consultation_request_create(
        actor_from_request(request), data=payload.model_dump()
    )
    return Status(201, created)


@consultation_router.patch(
    "/{request_id}",
    response=responses(RequestOut, *EDIT_ERRORS),
    summary="Mark contacted, close (with a note) or reopen, with the version read (409 if "
    "stale or booked)",
)
def update_request(request: HttpRequest, request_id: int, payload: RequestPatch) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return requests.consultation_request_update(
        actor_from_request(request),
        request_id,
        expected_version=data.pop("version"),
        status=data.get("status"),
        note=data.get("note"),
    )
