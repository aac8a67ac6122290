"""Free consultation requests: someone asks to be called back (the front desk's queue, and
the public site of a later issue), the desk marks them contacted or closes them, and books
the consultation (``requests_booking.py``). Each change is one audited transaction.

A request is not a patient record until it is booked, but it holds a person's name, contact
details and own words about their health: reading the queue is audited as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Clinic
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible, StaleVersion
from ketacare.lib.text import text_problem
from ketacare.lib.versioned import save_new_version
from ketacare.patients.validation import Findings, check_email, check_phone

from .models import ConsultationRequest

Status = ConsultationRequest.Status
#: Lengths of the request's fields (the model's columns; a message as long as a note).
LENGTHS = {"full_name": 200, "email": 254, "phone": 32, "preferred_times": 300, "message": 2000}
NOTE_MAX = 2000
MULTILINE = frozenset({"message"})
#: What the queue page lists: requests still waiting for the desk.
OPEN = (Status.NEW, Status.CONTACTED)
#: What a change of status may set; ``booked`` comes only from booking the consultation.
SETTABLE = (Status.NEW, Status.CONTACTED, Status.CLOSED)
LIST_MAX = 500


def _text(errors: dict[str, str], name: str, value: str, *, low: int, high: int) -> None:
    problem = text_problem(value, multiline=name in MULTILINE or name == "note")
    if problem:
        errors[name] = problem
    elif not low <= len(value) <= high:
        errors[name] = (
            f"must be {low}-{high} characters; got {len(value)}"
            if low
            else f"must be at most {high} characters; got {len(value)}"
        )


def _values(data: Mapping[str, Any]) -> dict[str, str]:
    """The request's fields, stripped; every rule they break at once."""
    values = {name: str(data.get(name) or "").strip() for name in LENGTHS}
    errors: dict[str, str] = {}
    for name, high in LENGTHS.items():
        _text(errors, name, values[name], low=1 if name == "full_name" else 0, high=high)
    findings = Findings()
    if "email" not in errors:
        check_email(findings, "email", values["email"])
    if "phone" not in errors:
        check_phone(findings, "phone", values["phone"])
    errors.update(findings.errors)
    if not values["email"] and not values["phone"] and not ({"email", "phone"} & set(errors)):
        rule = "give an email address or a phone number: one of them is required"
        errors["email"] = errors["phone"] = rule
    if errors:
        raise FieldErrors(errors)
    values["email"] = values["email"].lower()
    return values


def _clinic_of(actor: Actor, clinic: Clinic | None) -> Clinic:
    """Staff add requests to their own clinic; the public site (a system actor) names one."""
    if actor.membership is None:
        if clinic is None:
            raise NotVisible("No such clinic")
        return clinic
    require_perm(actor.membership, Perm.CONSULTATION_REQUESTS)
    if clinic is not None and clinic.pk != actor.membership.clinic_id:
        raise NotVisible("No such clinic")
    return actor.membership.clinic


@audit.records_refusals("consultation_request.create")
def consultation_request_create(
    actor: Actor, *, clinic: Clinic | None = None, data: Mapping[str, Any]
) -> ConsultationRequest:
    """A new request (status new): a staff member taking a call, or the public site acting
    as a system actor for ``clinic``."""
    target = _clinic_of(actor, clinic)
    values = _values(data)
    with transaction.atomic():
        request = ConsultationRequest.objects.create(clinic=target, **values)
        audit.record(
            actor,
            "consultation_request.create",
            clinic_id=target.pk,
            target=request,
            changes={"status": [None, request.status]},
            data={"source": "staff" if actor.membership else "public"},
        )
    return request


def _requests(actor: Actor) -> QuerySet[ConsultationRequest]:
    require_perm(actor.membership, Perm.CONSULTATION_REQUESTS)
    assert actor.membership is not None
    return ConsultationRequest.objects.filter(clinic_id=actor.membership.clinic_id)


def list_requests(
    actor: Actor, *, statuses: tuple[str, ...] = (), limit: int = LIST_MAX
) -> list[ConsultationRequest]:
    """The clinic's requests, newest first (only ``statuses`` when given); the read is
    audited with the requests it showed."""
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        raise FieldErrors({"status": f"must be one of: {', '.join(Status.values)}"})
    if not 1 <= limit <= LIST_MAX:
        raise FieldErrors({"limit": f"must be between 1 and {LIST_MAX}; got {limit}"})
    rows = _requests(actor)
    if statuses:
        rows = rows.filter(status__in=statuses)
    found = list(rows.order_by("-created_at", "-pk")[:limit])
    with transaction.atomic():
        audit.record(
            actor,
            "consultation_request.read",
            data={"statuses": list(statuses), "shown": [r.pk for r in found]},
        )
    return found


def get_request(actor: Actor, request_id: int, *, lock: bool = False) -> ConsultationRequest:
    """A request of the actor's clinic (else 404), if the role works the queue (else 403)."""
    request = None
    if actor.membership is not None:
        rows = ConsultationRequest.objects.filter(
            pk=request_id, clinic_id=actor.membership.clinic_id
        )
        request = (rows.select_for_update() if lock else rows).first()
    if request is None:
        raise NotVisible("No such consultation request")
    require_perm(actor.membership, Perm.CONSULTATION_REQUESTS)
    return request


def lock_for_change(actor: Actor, request_id: int, expected_version: int) -> ConsultationRequest:
    """The request, locked, at the version the editor started from (else 409)."""
    request = get_request(actor, request_id, lock=True)
    if request.version != expected_version:
        raise StaleVersion(expected=expected_version, current=request.version)
    return request


@audit.records_refusals("consultation_request.update")
def consultation_request_update(
    actor: Actor,
    request_id: int,
    *,
    expected_version: int,
    status: str | None = None,
    note: str | None = None,
) -> ConsultationRequest:
    """Mark a request contacted, close it (with a note saying why) or reopen it, and keep the
    desk's note. A booked request keeps its status: its consultation is an appointment."""
    with transaction.atomic():
        request = lock_for_change(actor, request_id, expected_version)
        errors: dict[str, str] = {}
        new_status = request.status if status is None else status
        new_note = request.note if note is None else note.strip()
        if status is not None and status not in SETTABLE:
            errors["status"] = (
                f"must be one of: {', '.join(SETTABLE)} (booked is set by booking the consultation)"
            )
        if note is not None:
            _text(errors, "note", new_note, low=0, high=NOTE_MAX)
        if new_status == Status.CLOSED and not new_note and "note" not in errors:
            errors["note"] = "say why the request is closed (1-2000 characters)"
        if errors:
            raise FieldErrors(errors)
        if request.status == Status.BOOKED and new_status != Status.BOOKED:
            raise Conflict(
                "status",
                "this request is booked: its consultation is an appointment (cancel or move "
                "the appointment instead)",
            )
        changes = {
            name: [getattr(request, name), value]
            for name, value in (("status", new_status), ("note", new_note))
            if getattr(request, name) != value
        }
        if not changes:
            return request
        request.status, request.note = new_status, new_note
        save_new_version(request, changes)
        audit.record(
            actor,
            "consultation_request.update",
            target=request,
            changes=changes,
            data={"version": request.version},
        )
    return request
