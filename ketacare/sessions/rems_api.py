"""/api/v1: a session's Spravato REMS Patient Monitoring Form (JSON and PDF), the clinic's
queue of forms, recording a submission, and the signed session note as a PDF."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.errors import FieldErrors
from ketacare.lib.inputs import Input, IsoDateTime, QueryInput
from ketacare.lib.responses import EDIT_ERRORS, READ_ERRORS, responses

from . import pdf, rems
from .models import RemsForm

rems_router = Router(tags=["REMS forms"])

#: A row's id: a positive 64-bit integer (a larger number would overflow the database's integer,
#: so it is refused as 422, as the scheduling API does).
PathId = Annotated[int, Path(ge=1, le=2**63 - 1)]

Method = Literal[tuple(RemsForm.Method.values)]  # type: ignore[valid-type]
QueueStatus = Literal[rems.QUEUE_STATUSES]  # type: ignore[valid-type]
FileType = Literal[rems.CONFIRMATION_FILE_TYPES]  # type: ignore[valid-type]
FieldValue = str | int | bool | list[str] | None


class FieldOut(Schema):
    key: str
    label: str
    #: Yes/no questions are booleans, minutes integers, lot numbers and check times lists.
    value: FieldValue
    text: str
    required: bool
    missing: bool
    flag: str
    source: str


class SectionOut(Schema):
    key: str
    title: str
    fields: list[FieldOut]


class MissingOut(Schema):
    key: str
    label: str


class RemsFormOut(Schema):
    id: int
    session_id: int
    patient_id: UUID
    status: QueueStatus
    due_on: date
    days_left: int
    sections: list[SectionOut]
    missing: list[MissingOut]
    submitted_at: datetime | None
    method: str
    confirmation: str
    submitted_by: str
    confirmation_file_name: str
    version: int


class QueueRowOut(Schema):
    id: int
    session_id: int
    patient_id: UUID
    patient: str
    session_date: date
    due_on: date
    days_left: int
    missing_count: int
    submitted_at: datetime | None


class QueueQuery(QueryInput):
    status: QueueStatus = "due"


class ConfirmationFileIn(Input):
    name: str = Field(min_length=1, max_length=200)
    content_type: FileType
    #: The file's bytes in base64 (the whole request stays under the API's 2 MB body limit).
    data_base64: str = Field(min_length=4, max_length=2_000_000, pattern=r"^[A-Za-z0-9+/=]+$")


class SubmissionIn(Input):
    """How and when a person submitted the form, and the confirmation the REMS gave."""

    method: Method  # type: ignore[valid-type]
    submitted_at: IsoDateTime
    confirmation: str = Field(min_length=1, max_length=rems.CONFIRMATION_MAX_LENGTH)
    file: ConfirmationFileIn | None = None


def form_out(view: rems.RemsFormView) -> dict[str, Any]:
    form = view.form
    return {
        "id": form.pk,
        "session_id": form.session_id,
        "patient_id": view.session.patient_id,
        "status": view.status,
        "due_on": form.due_on,
        "days_left": view.days_left,
        **view.content.as_dict(),
        "submitted_at": form.submitted_at,
        "method": form.method,
        "confirmation": form.confirmation,
        "submitted_by": form.submitted_by_label,
        "confirmation_file_name": form.confirmation_file_name,
        "version": form.version,
    }


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@rems_router.get(
    "/sessions/{session_id}/rems-form",
    # 422: an id that is not a whole number.
    response=responses(RemsFormOut, *READ_ERRORS, 422),
    summary="A Spravato session's REMS Patient Monitoring Form: every field and those missing",
)
def rems_form(request: HttpRequest, session_id: PathId) -> Any:
    return form_out(rems.rems_form_view(actor_from_request(request), session_id))


@rems_router.get(
    "/sessions/{session_id}/rems-form.pdf",
    response=responses(None, *READ_ERRORS, 422),
    openapi_extra=PDF_ANSWER,
    summary="The REMS Patient Monitoring Form as a PDF (the missing fields marked)",
)
def rems_form_pdf(request: HttpRequest, session_id: PathId) -> HttpResponse:
    view, content = pdf.rems_form_pdf(actor_from_request(request), session_id)
    return _pdf_response(content, f"rems-form-session-{view.session.pk}.pdf")


@rems_router.get(
    "/sessions/{session_id}/note.pdf",
    response=responses(None, *READ_ERRORS, 409, 422),
    openapi_extra=PDF_ANSWER,
    summary="The session's signed note as a PDF (409 while it is not signed)",
)
def session_note_pdf(request: HttpRequest, session_id: PathId) -> HttpResponse:
    signed, content = pdf.session_note_pdf(actor_from_request(request), session_id)
    return _pdf_response(content, f"session-note-{signed.session.pk}.pdf")


@rems_router.get(
    "/rems/forms",
    response=responses(list[QueueRowOut], 401, 403, 422),
    summary="The clinic's REMS forms: due (soonest first), overdue or submitted (newest first)",
)
def rems_forms(request: HttpRequest, filters: Query[QueueQuery]) -> Any:
    return [
        {
            "id": row.form.pk,
            "session_id": row.session.pk,
            "patient_id": row.session.patient_id,
            "patient": row.patient_label,
            "session_date": row.session_date,
            "due_on": row.due_on,
            "days_left": row.days_left,
            "missing_count": row.missing_count,
            "submitted_at": row.form.submitted_at,
        }
        for row in rems.rems_queue(actor_from_request(request), filters.status)
    ]


def _file(payload: ConfirmationFileIn | None) -> rems.ConfirmationFile | None:
    if payload is None:
        return None
    try:
        data = base64.b64decode(payload.data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise FieldErrors({"file.data_base64": "must be the file's bytes in base64"}) from None
    return rems.ConfirmationFile(payload.name, payload.content_type, data)


@rems_router.post(
    "/rems/forms/{form_id}/submitted",
    response=responses(RemsFormOut, *EDIT_ERRORS),
    summary="Record that the form was submitted by the REMS portal or fax (409 if it was "
    "already; 422 naming each field still empty)",
)
def rems_form_submitted(request: HttpRequest, form_id: PathId, payload: SubmissionIn) -> Any:
    actor = actor_from_request(request)
    form = rems.rems_mark_submitted(
        actor,
        form_id,
        method=payload.method,
        submitted_at=payload.submitted_at,
        confirmation=payload.confirmation,
        file=_file(payload.file),
    )
    return form_out(rems.submitted_view(form))
