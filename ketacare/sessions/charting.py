"""Charting at the chair: vital signs, MOAA/S and CADSS, side effects and adverse events,
and the acknowledgement of an alert. Each answers with the core's judgement at once.

Impossible values are refused naming the field and its range (the core's plausibility
bounds, the same as the intake's); unusual ones are saved and flagged.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import get_instrument, score
from ketacare.clinical.safety.models import VitalsReading
from ketacare.clinical.validation import find_unusual, input_errors
from ketacare.lib.errors import FieldErrors

from .access import must_be_open, session_for
from .assessment import judge
from .chart import load_chart
from .models import Acknowledgement, Event, Observation, TreatmentSession, VitalSign
from .timing import is_late, measured_time
from .view import SessionView, view_of

#: Body temperature accepted at the chair, and its usual band (deg C; the intake's bounds are
#: for vital signs the core rules read; these two are charted for the record).
TEMPERATURE_C = (Decimal("30.0"), Decimal("43.0"))
TEMPERATURE_TYPICAL_C = (Decimal("35.5"), Decimal("38.0"))
#: Pain numeric rating scale 0-10 (pain NRS; sources.toml pain-nrs).
PAIN_NRS = (0, 10)

#: Side effects the chair charts, by label (ketamine and esketamine labels' common adverse
#: reactions: SPRAVATO PI section 6, KETALAR PI section 6).
SIDE_EFFECTS = {
    "nausea": "Nausea",
    "vomiting": "Vomiting",
    "headache": "Headache",
    "dizziness": "Dizziness",
    "dissociation": "Dissociation",
    "anxiety": "Anxiety",
    "hypertension": "Raised blood pressure",
    "hypertensive_symptoms": "Chest pain, severe headache or neurological signs",
    "sedation": "Sedation",
    "respiratory_depression": "Respiratory depression",
    "dysgeusia": "Altered taste",
    "vertigo": "Vertigo",
    "paresthesia": "Numbness or tingling",
    "other": "Other (describe)",
}


def _chart_entry(
    actor: Actor, session: TreatmentSession, at: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "session": session,
        "measured_at": at,
        "late": is_late(at, now),
        "entered_by": actor.user,
        "entered_by_label": actor.label[:300],
        "entered_at": now,
    }


def _open_session(actor: Actor, session_id: int) -> TreatmentSession:
    session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
    must_be_open(session)
    return session


VITAL_FIELDS = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_percent",
    "respiratory_rate_per_min",
)


@audit.records_refusals("session.vitals")
def vitals_record(
    actor: Actor, session_id: int, *, measured_at: datetime | None = None, **values: Any
) -> tuple[VitalSign, SessionView]:
    """One set of vital signs (blood pressure as a pair); at least one value."""
    with transaction.atomic():
        session = _open_session(actor, session_id)
        now = timezone.now()
        errors: dict[str, str] = {}
        at = measured_time(session, measured_at, now, errors)
        core = {name: values.get(name) for name in VITAL_FIELDS if values.get(name) is not None}
        reading = None
        try:
            reading = VitalsReading.model_validate({"t_min": 0.0, **core})
        except ValidationError as exc:
            errors.update(
                {
                    ("systolic_mmhg" if k == "(top level)" else k): v
                    for k, v in input_errors(exc).items()
                }
            )
        temperature = values.get("temperature_c")
        if temperature is not None:
            temperature = Decimal(str(temperature)).quantize(Decimal("0.1"))
            if not TEMPERATURE_C[0] <= temperature <= TEMPERATURE_C[1]:
                errors["temperature_c"] = "must be 30.0-43.0 °C"
        pain = values.get("pain_nrs")
        if pain is not None and not (isinstance(pain, int) and PAIN_NRS[0] <= pain <= PAIN_NRS[1]):
            errors["pain_nrs"] = "must be a whole number 0-10"
        unknown = set(values) - {*VITAL_FIELDS, "temperature_c", "pain_nrs"}
        for name in sorted(unknown):
            errors[name] = "unknown field"
        if not core and temperature is None and pain is None and not errors:
            errors["vitals"] = "give at least one vital sign"
        if errors:
            raise FieldErrors(errors)
        flags = [f"{u.field}: {u.message}" for u in (find_unusual(reading) if reading else [])]
        if temperature is not None and not (
            TEMPERATURE_TYPICAL_C[0] <= temperature <= TEMPERATURE_TYPICAL_C[1]
        ):
            flags.append(f"temperature_c: {temperature} °C is outside the usual 35.5-38.0 °C")
        vital = VitalSign.objects.create(
            **_chart_entry(actor, session, at, now),
            **core,
            temperature_c=temperature,
            pain_nrs=pain,
            flags=flags,
        )
        audit.record(
            actor,
            "session.vitals",
            patient_id=session.patient_id,
            target=vital,
            data={"session": session.pk, **core},
        )
        view = view_of(session, now)
    return vital, view


@audit.records_refusals("session.observation")
def observation_record(
    actor: Actor,
    session_id: int,
    *,
    instrument: str,
    answers: dict[str, int] | None = None,
    score_value: int | None = None,
    measured_at: datetime | None = None,
) -> tuple[Observation, SessionView]:
    """A MOAA/S rating or a CADSS: item answers (scored by the core) or the total."""
    with transaction.atomic():
        session = _open_session(actor, session_id)
        now = timezone.now()
        errors: dict[str, str] = {}
        at = measured_time(session, measured_at, now, errors)
        if instrument not in Observation.Instrument.values:
            raise FieldErrors({"instrument": "one of: moaas, cadss", **errors})
        definition = get_instrument(instrument)
        total: int | None = None
        band = ""
        if answers is not None and score_value is not None:
            errors["score"] = "give the item answers or the total, not both"
        elif answers is not None:
            try:
                result = score(instrument, answers)
                total, band = result.total, result.severity_label or ""
            except ClinicalInputError as exc:
                # The core names an item "answers.<id>" already.
                field = exc.field if exc.field.startswith("answers") else f"answers.{exc.field}"
                errors[field] = exc.message
        elif score_value is not None:
            if not 0 <= score_value <= definition.max_total:
                errors["score"] = f"must be 0-{definition.max_total} for {definition.abbreviation}"
            total = score_value
        else:
            errors["score"] = "give the item answers or the total"
        if errors:
            raise FieldErrors(errors)
        assert total is not None
        observation = Observation.objects.create(
            **_chart_entry(actor, session, at, now),
            instrument=instrument,
            instrument_version=definition.version,
            answers=answers,
            score=total,
            band=band,
        )
        audit.record(
            actor,
            "session.observation",
            patient_id=session.patient_id,
            target=observation,
            data={"session": session.pk, "instrument": instrument, "score": total},
        )
        view = view_of(session, now)
    return observation, view


@audit.records_refusals("session.event")
def event_record(
    actor: Actor,
    session_id: int,
    *,
    kind: str,
    code: str,
    severity: str,
    outcome: str,
    serious: bool = False,
    description: str = "",
    resolved_at: datetime | None = None,
    measured_at: datetime | None = None,
) -> tuple[Event, SessionView]:
    """A side effect, or an adverse event with its seriousness and outcome."""
    description = description.strip()
    with transaction.atomic():
        session = _open_session(actor, session_id)
        now = timezone.now()
        errors: dict[str, str] = {}
        at = measured_time(session, measured_at, now, errors)
        if kind not in Event.Kind.values:
            errors["kind"] = "one of: " + ", ".join(Event.Kind.values)
        if code not in SIDE_EFFECTS:
            errors["code"] = "one of: " + ", ".join(SIDE_EFFECTS)
        if severity not in Event.Severity.values:
            errors["severity"] = "one of: " + ", ".join(Event.Severity.values)
        if outcome not in Event.Outcome.values:
            errors["outcome"] = "one of: " + ", ".join(Event.Outcome.values)
        if (code == "other" or serious) and not 3 <= len(description) <= 2000:
            errors["description"] = "describe what happened, in 3-2000 characters"
        if len(description) > 2000:
            errors["description"] = "at most 2000 characters"
        if serious and kind != Event.Kind.ADVERSE_EVENT:
            errors["serious"] = "a serious event is charted as an adverse event"
        if resolved_at is not None and (resolved_at < at or resolved_at > now):
            errors["resolved_at"] = "between when it began and now"
        if (
            outcome != Event.Outcome.ONGOING
            and outcome != Event.Outcome.TRANSFERRED
            and resolved_at is None
            and not errors
        ):
            resolved_at = now
        if errors:
            raise FieldErrors(errors)
        event = Event.objects.create(
            **_chart_entry(actor, session, at, now),
            kind=kind,
            code=code,
            severity=severity,
            serious=serious,
            outcome=outcome,
            resolved_at=resolved_at if outcome not in (Event.Outcome.ONGOING,) else None,
            description=description,
        )
        audit.record(
            actor,
            "session.event",
            patient_id=session.patient_id,
            target=event,
            data={"session": session.pk, "kind": kind, "code": code, "serious": serious},
        )
        view = view_of(session, now)
    return event, view


@audit.records_refusals("session.acknowledge")
def alert_acknowledge(
    actor: Actor, session_id: int, *, code: str, t_min: float, note: str = ""
) -> tuple[Acknowledgement, SessionView]:
    """Staff saw an alert the core raised (its code and minute) and acted on it."""
    with transaction.atomic():
        session = _open_session(actor, session_id)
        now = timezone.now()
        chart = load_chart(session)
        judgement = judge(chart, now)
        match = next(
            (
                a
                for a in judgement.assessment.alerts
                if a.code == code and abs(a.t_min - t_min) < 0.01 and a.level == "alert"
            ),
            None,
        )
        if match is None:
            raise FieldErrors({"code": "no open alert with this code at this minute"})
        if any(
            a.code == code and abs(a.alert_t_min - match.t_min) < 0.01
            for a in chart.acknowledgements
        ):
            raise FieldErrors({"code": "this alert is already acknowledged"})
        if len(note) > 500:
            raise FieldErrors({"note": "at most 500 characters"})
        ack = Acknowledgement.objects.create(
            **_chart_entry(actor, session, now, now),
            code=code,
            alert_t_min=match.t_min,
            note=note.strip(),
        )
        audit.record(
            actor,
            "session.acknowledge",
            patient_id=session.patient_id,
            target=ack,
            data={"session": session.pk, "code": code, "t_min": match.t_min},
        )
        view = view_of(session, now)
    return ack, view
