"""/api/v1/appointments/{id}/session and /sessions/...: the chair's API.

Every write answers with the entry and the core's safety picture at once (alerts, stops,
next checks, the discharge checklist). Every POST takes an ``Idempotency-Key``: a tablet that
lost the answer retries with the same key and gets the same answer, never a second entry.
Ranges are the clinical core's; a refusal names each field with its range.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.lib.errors import FieldErrors
from ketacare.lib.inputs import Input, IsoDateTime
from ketacare.lib.responses import EDIT_ERRORS, READ_ERRORS, responses
from ketacare.patients.access import get_patient_for_user

from . import charting, discharge, dosing, notes, services
from .curve import session_curves
from .queries import patient_sessions, session_read
from .serialize import (
    ack_json,
    decision_json,
    discharge_json,
    dose_json,
    event_json,
    note_json,
    observation_json,
    predose_json,
    safety_json,
    session_json,
    vital_json,
)
from .view import SessionView, view_of

MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]

router = Router(tags=["sessions"])
appointment_router = Router(tags=["sessions"])
patient_router = Router(tags=["sessions"])


# --- answers ----------------------------------------------------------------------------------


class FindingOut(Schema):
    code: str
    decision: str
    message: str
    source: str


class SessionAlertOut(Schema):
    code: str
    level: str
    t_min: float
    at: datetime
    message: str
    source: str
    open: bool = Field(description="not yet acknowledged (an alert) or not cleared (a stop)")


class NextCheckOut(Schema):
    code: str
    due_t_min: float
    due_at: datetime
    message: str
    source: str


class DischargeCheckOut(Schema):
    code: str
    met: bool
    message: str
    source: str


class SafetyOut(Schema):
    now_t_min: float = Field(description="minutes since the first dose (0 before dosing)")
    predose: Literal["proceed", "prescriber_review", "hold"]
    predose_findings: list[FindingOut]
    dosing_blocked: str | None = Field(description="why no dose may be given now")
    stop_dosing: bool = Field(description="a stop fired that no prescriber has cleared")
    alerts: list[SessionAlertOut]
    next_checks: list[NextCheckOut]
    discharge_checks: list[DischargeCheckOut]
    ready_for_discharge: bool
    warnings: list[str]


class _EntryOut(Schema):
    id: int
    measured_at: datetime
    late: bool
    entered_by: str
    entered_at: datetime


class VitalOut(_EntryOut):
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_percent: int | None
    respiratory_rate_per_min: int | None
    temperature_c: float | None
    pain_nrs: int | None
    flags: list[str]


class ObservationOut(_EntryOut):
    instrument: str
    instrument_version: int
    answers: dict[str, int] | None
    score: int
    band: str


class EventOut(_EntryOut):
    kind: str
    code: str
    severity: str
    serious: bool
    outcome: str
    resolved_at: datetime | None
    description: str


class RateChangeOut(_EntryOut):
    rate_mg_per_h: float
    reason: str


class DoseOut(_EntryOut):
    kind: str
    drug: str
    route: str
    product: str
    lot_id: int
    lot_number: str
    lot_expiry: date
    concentration_mg_per_ml: float | None
    dose_mg: float
    given_mg: float = Field(description="delivered so far (an infusion: by its rates)")
    ended_at: datetime | None
    rate_mg_per_h: float | None
    rate_changes: list[RateChangeOut]
    device_number: int | None
    given_by: str
    witnessed_by: str
    order: int | None = Field(description="the prescriber's order a dose beyond the plan stands on")


class DecisionOut(Schema):
    id: int
    kind: str
    subject: str
    detail: dict[str, Any]
    reason: str
    decided_by: str
    decided_at: datetime


class AckOut(_EntryOut):
    code: str
    alert_t_min: float
    note: str


class PredoseOut(_EntryOut):
    identity_confirmed: bool
    consent_confirmed: bool
    hours_since_solids: float | None
    hours_since_clear_fluids: float | None
    escort_present: bool
    escort_name: str
    escort_phone: str
    pregnancy: str
    weight_kg: float | None
    same_day_screen: dict[str, Any] | None
    concomitant_drug_classes: list[str]
    rems_patient_enrolled: bool | None
    rems_prescriber_on_site: bool | None
    rems_pulse_oximeter: bool | None
    decision: str
    findings: list[FindingOut]
    dose_today: dict[str, Any] | None


class DischargeOut(Schema):
    discharged_at: datetime
    discharged_by: str
    left_with_name: str
    left_with_relation: str
    dissociation_resolved: bool
    ambulating: bool
    clinician_assessed_ready: bool
    ready_without_rule_min: int | None
    checks: list[dict[str, Any]]


class AddendumOut(Schema):
    body: str
    written_by: str
    written_at: datetime


class NoteOut(Schema):
    body: str
    version: int
    signed_by: str
    signed_at: datetime | None
    addenda: list[AddendumOut]


class SessionOut(Schema):
    id: int
    patient_id: UUID
    appointment: int
    site: int
    chair: str
    plan: int
    plan_version: int
    protocol_id: str
    protocol_version: int
    settings_version: int
    drug: str
    route: str
    phase: str
    phase_label: str
    weight_kg: float
    started_at: datetime
    first_dose_at: datetime | None
    dose_end_at: datetime | None
    discharged_at: datetime | None
    version: int
    predose: PredoseOut | None
    doses: list[DoseOut]
    vitals: list[VitalOut]
    observations: list[ObservationOut]
    events: list[EventOut]
    decisions: list[DecisionOut]
    acknowledgements: list[AckOut]
    discharge: DischargeOut | None
    note: NoteOut | None
    safety: SafetyOut


class SessionSummaryOut(Schema):
    id: int
    started_at: datetime
    site: str
    drug: str
    route: str
    protocol_id: str
    phase: str
    discharged_at: datetime | None


def _answer(key: str, entry: dict[str, Any], view: SessionView) -> dict[str, Any]:
    return {key: entry, "safety": safety_json(view)}


class VitalsAnswer(Schema):
    vital: VitalOut
    safety: SafetyOut


class ObservationAnswer(Schema):
    observation: ObservationOut
    safety: SafetyOut


class EventAnswer(Schema):
    event: EventOut
    safety: SafetyOut


class DoseAnswer(Schema):
    dose: DoseOut
    safety: SafetyOut


class RateAnswer(Schema):
    rate_change: RateChangeOut
    safety: SafetyOut


class DecisionAnswer(Schema):
    decision: DecisionOut
    safety: SafetyOut


class AckAnswer(Schema):
    acknowledgement: AckOut
    safety: SafetyOut


class PredoseAnswer(Schema):
    predose: PredoseOut
    safety: SafetyOut


class CurveOut(Schema):
    t_min: list[float]
    predicted_conc_ng_per_ml: list[float | None] = Field(
        description="the plan's prediction (null past its end)"
    )
    given_conc_ng_per_ml: list[float]
    model: str
    model_name: str
    source: str
    projected_from_t_min: float | None = Field(
        description="from here on, a running infusion is continued at its current rate"
    )
    dose_end_t_min: float | None
    now_t_min: float


# --- inputs -----------------------------------------------------------------------------------


class StartIn(Input):
    plan_id: RowId | None = Field(None, description="for a one-off: the patient's signed plan")


class ScreenIn(Input):
    source: Literal["now", "portal"] = "now"
    cssrs_answers: dict[str, bool] | None = None
    phq9_item9: int | None = None


class PredoseIn(Input):
    measured_at: IsoDateTime | None = None
    identity_confirmed: bool
    consent_confirmed: bool
    hours_since_solids: float | None = None
    hours_since_clear_fluids: float | None = None
    escort_present: bool
    escort_name: str = Field("", max_length=200)
    escort_phone: str = Field("", max_length=40)
    pregnancy: Literal["not_applicable", "not_pregnant", "pregnant", "unknown"]
    weight_kg: float | None = None
    same_day_screen: ScreenIn | None = None
    concomitant_drug_classes: list[str] = Field(default_factory=list, max_length=40)
    rems_patient_enrolled: bool | None = None
    rems_prescriber_on_site: bool | None = None
    rems_pulse_oximeter: bool | None = None


class DoseIn(Input):
    kind: Literal["infusion", "injection", "device", "spray", "lozenge"]
    lot_id: RowId | None = Field(description="the ledger's lot it is drawn from")
    dose_mg: float | None = Field(None, description="not for a Spravato device (28 mg)")
    measured_at: IsoDateTime | None = Field(None, description="when it was given (started)")
    ended_at: IsoDateTime | None = None
    rate_mg_per_h: float | None = Field(None, description="an infusion's starting rate")
    concentration_mg_per_ml: float | None = None
    witness_id: RowId | None = Field(None, description="the witnessing member (membership id)")


class DoseEndIn(Input):
    ended_at: IsoDateTime | None = None


class RateIn(Input):
    rate_mg_per_h: float = Field(description="0 pauses the infusion")
    reason: str = Field(max_length=300)
    measured_at: IsoDateTime | None = None


class VitalsIn(Input):
    """The chair's short names, as the sessions API is published (``{"measured_at",
    "systolic", "diastolic", "heart_rate", "spo2", "resp_rate", ...}``: tablets and the
    chair page's script send these; keep them). A refusal names the field as sent; the
    answer and the chart name each with its unit."""

    measured_at: IsoDateTime | None = None
    systolic: int | None = Field(None, description="mmHg")
    diastolic: int | None = Field(None, description="mmHg")
    heart_rate: int | None = Field(None, description="beats/min")
    spo2: int | None = Field(None, description="%")
    resp_rate: int | None = Field(None, description="breaths/min")
    temperature_c: float | None = None
    pain_nrs: int | None = Field(None, description="0-10")


#: The chart's name of each vital sign the chair sends by its short name.
VITAL_NAMES = {
    "systolic": "systolic_mmhg",
    "diastolic": "diastolic_mmhg",
    "heart_rate": "heart_rate_bpm",
    "spo2": "spo2_percent",
    "resp_rate": "respiratory_rate_per_min",
}


class ObservationIn(Input):
    instrument: Literal["moaas", "cadss"]
    answers: dict[str, int] | None = None
    score: int | None = None
    measured_at: IsoDateTime | None = None


class EventIn(Input):
    multiline = frozenset({"description"})

    kind: Literal["side_effect", "adverse_event"]
    code: str = Field(max_length=30)
    severity: Literal["mild", "moderate", "severe"]
    serious: bool = False
    outcome: Literal["ongoing", "resolved", "resolved_with_treatment", "transferred"]
    description: str = Field("", max_length=2000)
    resolved_at: IsoDateTime | None = None
    measured_at: IsoDateTime | None = None


class DecisionIn(Input):
    multiline = frozenset({"reason"})

    kind: Literal[
        "predose_release", "predose_decline", "dose_order", "stop_cleared", "criterion_override"
    ]
    reason: str = Field(max_length=1000)
    subject: str = Field("", max_length=80, description="the discharge criterion overridden")
    dose_mg: float | None = Field(None, description="a dose order: the session's total mg")
    rate_mg_per_h: float | None = Field(None, description="a dose order: the highest rate")


class AckIn(Input):
    code: str = Field(max_length=60)
    t_min: float
    note: str = Field("", max_length=500)


class DischargeIn(Input):
    left_with_name: str = Field(max_length=200)
    left_with_relation: str = Field("", max_length=80)
    dissociation_resolved: bool
    ambulating: bool
    clinician_assessed_ready: bool
    ready_without_rule_min: int | None = Field(
        None,
        description="minutes after the first dose the patient would have been ready without "
        "the REMS 2-hour rule (the REMS form's evaluation question)",
    )


class NoteIn(Input):
    multiline = frozenset({"body"})

    body: str = Field(max_length=20000)
    version: int = Field(ge=1)


class SignIn(Input):
    version: int = Field(ge=1)


class AddendumIn(Input):
    multiline = frozenset({"body"})

    body: str = Field(max_length=20000)


# --- endpoints --------------------------------------------------------------------------------


@contextmanager
def _named(names: dict[str, str]) -> Iterator[None]:
    """A refusal names each field as the request does (the service names some as it stores
    them: a decision's order lives in its ``detail``)."""
    try:
        yield
    except FieldErrors as exc:
        raise FieldErrors({names.get(k, k): v for k, v in exc.errors.items()}) from None


#: A dose order's fields, sent flat, kept in the decision's ``detail``.
_ORDER_NAMES = {
    "detail.dose_mg": "dose_mg",
    "detail.rate_mg_per_h": "rate_mg_per_h",
    "detail": "dose_mg",
}


@appointment_router.post(
    "/{appointment_id}/session",
    response=responses(SessionOut, *EDIT_ERRORS, status=201),
    summary="Open the session of a checked-in appointment (409 if open already)",
)
def start_session(
    request: HttpRequest, appointment_id: PathId, payload: StartIn
) -> Status[dict[str, Any]]:
    actor = actor_from_request(request)
    session = services.session_start(actor, appointment_id, plan_id=payload.plan_id)
    return Status(201, session_json(view_of(session)))


@router.get("/{session_id}", response=responses(SessionOut, *READ_ERRORS, 422), summary="A session")
def get_session(request: HttpRequest, session_id: PathId) -> Any:
    return session_json(session_read(actor_from_request(request), session_id))


@router.get(
    "/{session_id}/safety",
    response=responses(SafetyOut, *READ_ERRORS, 422),
    summary="The core's assessment now: decision, alerts, stops, next checks, discharge",
)
def get_safety(request: HttpRequest, session_id: PathId) -> Any:
    return safety_json(session_read(actor_from_request(request), session_id))


@router.get(
    "/{session_id}/curve",
    response=responses(CurveOut, *READ_ERRORS, 422),
    summary="The plan's predicted concentration beside the one of the doses given",
)
def get_curve(request: HttpRequest, session_id: PathId) -> Any:
    view = session_read(actor_from_request(request), session_id)
    return session_curves(view.chart, view.judgement.now).to_json()


@router.post(
    "/{session_id}/predose",
    response=responses(PredoseAnswer, *EDIT_ERRORS, status=201),
    summary="Chart the pre-dose checklist; answers with the decision and its reasons",
)
def post_predose(
    request: HttpRequest, session_id: PathId, payload: PredoseIn
) -> Status[dict[str, Any]]:
    data = payload.model_dump()
    screen = data.pop("same_day_screen")
    check, view = services.predose_record(
        actor_from_request(request), session_id, same_day_screen=screen, **data
    )
    return Status(201, _answer("predose", predose_json(check), view))


@router.post(
    "/{session_id}/decisions",
    response=responses(DecisionAnswer, *EDIT_ERRORS, status=201),
    summary="A prescriber's decision with its reason (release a hold, order a dose, clear a "
    "stop, override a discharge criterion)",
)
def post_decision(
    request: HttpRequest, session_id: PathId, payload: DecisionIn
) -> Status[dict[str, Any]]:
    detail = {
        k: v
        for k, v in (("dose_mg", payload.dose_mg), ("rate_mg_per_h", payload.rate_mg_per_h))
        if v is not None
    }
    with _named(_ORDER_NAMES):
        decision, view = services.decision_record(
            actor_from_request(request),
            session_id,
            kind=payload.kind,
            reason=payload.reason,
            subject=payload.subject,
            detail=detail,
        )
    return Status(201, _answer("decision", decision_json(decision), view))


@router.post(
    "/{session_id}/doses",
    response=responses(DoseAnswer, *EDIT_ERRORS, status=201),
    summary="Chart a dose drawn from a lot (409 while dosing waits for a decision or a stop)",
)
def post_dose(request: HttpRequest, session_id: PathId, payload: DoseIn) -> Status[dict[str, Any]]:
    dose, view = dosing.dose_record(
        actor_from_request(request),
        session_id,
        kind=payload.kind,
        lot_id=payload.lot_id,
        dose_mg=payload.dose_mg,
        measured_at=payload.measured_at,
        ended_at=payload.ended_at,
        rate_mg_per_h=payload.rate_mg_per_h,
        concentration_mg_per_ml=payload.concentration_mg_per_ml,
        witness_id=payload.witness_id,
    )
    return Status(201, _answer("dose", dose_json(view.chart, dose, view.judgement.now), view))


@router.post(
    "/{session_id}/doses/{dose_id}/end",
    response=responses(DoseAnswer, *EDIT_ERRORS, status=200),
    summary="The infusion has ended",
)
def post_dose_end(
    request: HttpRequest, session_id: PathId, dose_id: PathId, payload: DoseEndIn
) -> Any:
    dose, view = dosing.dose_end(
        actor_from_request(request), session_id, dose_id, ended_at=payload.ended_at
    )
    return _answer("dose", dose_json(view.chart, dose, view.judgement.now), view)


@router.post(
    "/{session_id}/doses/{dose_id}/rate-changes",
    response=responses(RateAnswer, *EDIT_ERRORS, status=201),
    summary="Change a running infusion's rate, with the reason",
)
def post_rate_change(
    request: HttpRequest, session_id: PathId, dose_id: PathId, payload: RateIn
) -> Status[dict[str, Any]]:
    change, view = dosing.rate_change(
        actor_from_request(request),
        session_id,
        dose_id,
        rate_mg_per_h=payload.rate_mg_per_h,
        reason=payload.reason,
        measured_at=payload.measured_at,
    )
    entry = {
        "id": change.pk,
        "measured_at": change.measured_at,
        "late": change.late,
        "entered_by": change.entered_by_label,
        "entered_at": change.entered_at,
        "rate_mg_per_h": float(change.rate_mg_per_h),
        "reason": change.reason,
    }
    return Status(201, _answer("rate_change", entry, view))


@router.post(
    "/{session_id}/vitals",
    response=responses(VitalsAnswer, *EDIT_ERRORS, status=201),
    summary="Chart vital signs; answers with the alerts and stops they raise",
)
def post_vitals(
    request: HttpRequest, session_id: PathId, payload: VitalsIn
) -> Status[dict[str, Any]]:
    with _named({chart: sent for sent, chart in VITAL_NAMES.items()}):
        vital, view = charting.vitals_record(
            actor_from_request(request),
            session_id,
            measured_at=payload.measured_at,
            **{
                VITAL_NAMES.get(name, name): value
                for name, value in payload.model_dump(exclude={"measured_at"}).items()
                if value is not None
            },
        )
    return Status(201, _answer("vital", vital_json(vital), view))


@router.post(
    "/{session_id}/observations",
    response=responses(ObservationAnswer, *EDIT_ERRORS, status=201),
    summary="Chart a MOAA/S or CADSS (item answers or the total)",
)
def post_observation(
    request: HttpRequest, session_id: PathId, payload: ObservationIn
) -> Status[dict[str, Any]]:
    observation, view = charting.observation_record(
        actor_from_request(request),
        session_id,
        instrument=payload.instrument,
        answers=payload.answers,
        score_value=payload.score,
        measured_at=payload.measured_at,
    )
    return Status(201, _answer("observation", observation_json(observation), view))


@router.post(
    "/{session_id}/events",
    response=responses(EventAnswer, *EDIT_ERRORS, status=201),
    summary="Chart a side effect or an adverse event",
)
def post_event(
    request: HttpRequest, session_id: PathId, payload: EventIn
) -> Status[dict[str, Any]]:
    event, view = charting.event_record(
        actor_from_request(request), session_id, **payload.model_dump()
    )
    return Status(201, _answer("event", event_json(event), view))


@router.post(
    "/{session_id}/acknowledgements",
    response=responses(AckAnswer, *EDIT_ERRORS, status=201),
    summary="Acknowledge an alert (its code and minute)",
)
def post_acknowledgement(
    request: HttpRequest, session_id: PathId, payload: AckIn
) -> Status[dict[str, Any]]:
    ack, view = charting.alert_acknowledge(
        actor_from_request(request),
        session_id,
        code=payload.code,
        t_min=payload.t_min,
        note=payload.note,
    )
    return Status(201, _answer("acknowledgement", ack_json(ack), view))


@router.post(
    "/{session_id}/discharge",
    response=responses(DischargeOut, *EDIT_ERRORS, status=201),
    summary="Discharge (409 naming each unmet criterion)",
)
def post_discharge(
    request: HttpRequest, session_id: PathId, payload: DischargeIn
) -> Status[dict[str, Any]]:
    row = discharge.discharge_record(
        actor_from_request(request), session_id, **payload.model_dump()
    )
    return Status(201, discharge_json(row))


@router.put(
    "/{session_id}/note",
    response=responses(NoteOut, *EDIT_ERRORS),
    summary="Save the edited note (409 once signed)",
)
def put_note(request: HttpRequest, session_id: PathId, payload: NoteIn) -> Any:
    note = notes.note_save(
        actor_from_request(request),
        session_id,
        body=payload.body,
        expected_version=payload.version,
    )
    return note_json(note)


@router.post(
    "/{session_id}/note/sign",
    response=responses(NoteOut, *EDIT_ERRORS),
    summary="Sign the note; it is locked from then on (addenda only)",
)
def post_note_sign(request: HttpRequest, session_id: PathId, payload: SignIn) -> Any:
    note = notes.note_sign(
        actor_from_request(request), session_id, expected_version=payload.version
    )
    return note_json(note)


@router.post(
    "/{session_id}/note/addenda",
    response=responses(AddendumOut, *EDIT_ERRORS, status=201),
    summary="Add an addendum to the note",
)
def post_addendum(
    request: HttpRequest, session_id: PathId, payload: AddendumIn
) -> Status[dict[str, Any]]:
    addendum = notes.addendum_add(actor_from_request(request), session_id, body=payload.body)
    return Status(
        201,
        {
            "body": addendum.body,
            "written_by": addendum.written_by_label,
            "written_at": addendum.written_at,
        },
    )


@patient_router.get(
    "/{patient_id}/sessions",
    response=responses(list[SessionSummaryOut], *READ_ERRORS),
    summary="A patient's sessions (a patient reads their own)",
)
def list_patient_sessions(request: HttpRequest, patient_id: UUID) -> Any:
    actor = actor_from_request(request)
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.SESSION_SUMMARY)
    return [
        {
            "id": s.pk,
            "started_at": s.started_at,
            "site": s.site.name,
            "drug": s.drug,
            "route": s.route,
            "protocol_id": s.protocol_id,
            "phase": s.phase,
            "discharged_at": s.discharged_at,
        }
        for s in patient_sessions(actor, patient)
    ]
