"""Opening a session, its pre-dose checklist, and the prescriber's decisions at the chair.

Each is one audited transaction holding the session's row, so two tablets charting the same
session are judged one after the other. The chair's dosing, charting, discharge and note
services are in ``dosing``, ``charting``, ``discharge`` and ``notes``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from ketacare.accounts.actor import Actor
from ketacare.accounts.clinic_rules import current_settings_version
from ketacare.accounts.permissions import Perm
from ketacare.alerts import services as alerts
from ketacare.audit import services as audit
from ketacare.clinical.safety.models import SameDayScreen, TodaysFacts
from ketacare.clinical.validation import input_errors
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.patients.access import get_record_for_user
from ketacare.scheduling.models import Appointment
from ketacare.treatment.models import TreatmentPlan

from .access import must_be_open, session_for
from .assessment import Judgement, judge
from .chart import load_chart
from .models import Decision, Phase, PredoseCheck, RemsForm, TreatmentSession
from .rems_due import rems_due_on
from .timing import is_late, measured_time
from .todays_dose import dose_for_weight
from .todays_screen import todays_screen
from .view import SessionView, view_of


def _alert_if_positive(
    actor: Actor, session: TreatmentSession, check: PredoseCheck, view: SessionView
) -> None:
    """A positive same-day screen asked at the chair alerts the care team at once, in the
    check's transaction (a questionnaire from the portal raised its own alert when saved)."""
    screen = check.same_day_screen or {}
    if screen.get("source") != "now":
        return
    finding = next(
        (f for f in view.judgement.predose_findings if f.code == "predose_suicidality_positive"),
        None,
    )
    if finding is None:
        return
    answers = screen.get("cssrs_answers") or {}
    urgent = any(answers.get(q) for q in ("4", "5", "6"))
    alerts.alert_raise(
        actor,
        session.patient,
        kind="suicidality",
        severity="urgent" if urgent else "high",
        message=f"At the chair, before dosing: {finding.message}",
        source=check,
    )


#: Longest text a reason or a note field takes.
REASON_MAX = 1000


def _label(actor: Actor) -> str:
    return actor.label[:300]


def _plan_for(appointment: Appointment, plan_id: int | None, actor: Actor) -> TreatmentPlan:
    """The appointment's signed plan, or the one chosen now for a one-off session."""
    if appointment.plan_id is not None and plan_id not in (None, appointment.plan_id):
        raise FieldErrors(
            {"plan_id": "this appointment is booked under its own plan; start it with that plan"}
        )
    chosen = plan_id if plan_id is not None else appointment.plan_id
    if chosen is None:
        raise FieldErrors(
            {"plan_id": "this appointment has no plan: choose the patient's signed plan"}
        )
    plan = TreatmentPlan.objects.filter(pk=chosen, patient_id=appointment.patient_id).first()
    if plan is None:
        raise FieldErrors({"plan_id": "no such plan for this patient"})
    if plan.status != TreatmentPlan.Status.SIGNED:
        raise FieldErrors(
            {
                "plan_id": f"the plan is {plan.get_status_display().lower()}; a session needs a "
                "signed plan"
            }
        )
    return plan


@audit.records_refusals("session.start")
def session_start(
    actor: Actor, appointment_id: int, *, plan_id: int | None = None
) -> TreatmentSession:
    """Open the session of a checked-in appointment under a signed plan; it keeps the plan,
    protocol and settings versions it starts with. A Spravato session's REMS form is due 7
    calendar days later."""
    with transaction.atomic():
        appointment = get_record_for_user(
            actor.membership,
            Appointment.objects.select_related("site", "service", "resource", "patient"),
            appointment_id,
            perm=Perm.SESSION_CHART,
            name="appointment",
            lock=True,
        )
        if TreatmentSession.objects.filter(appointment=appointment).exists():
            raise Conflict("appointment", "this appointment's session is already open")
        if appointment.status != Appointment.Status.CHECKED_IN:
            raise Conflict(
                "appointment",
                f"the appointment is {appointment.get_status_display().lower()}: check the "
                "patient in first",
            )
        plan = _plan_for(appointment, plan_id, actor)
        now = timezone.now()
        session = TreatmentSession.objects.create(
            clinic_id=appointment.clinic_id,
            site=appointment.site,
            patient=appointment.patient,
            appointment=appointment,
            chair=appointment.resource,
            plan=plan,
            plan_version=plan.plan_version,
            protocol_id=plan.protocol_id,
            protocol_version=plan.protocol_version,
            settings_version=current_settings_version(appointment.clinic_id),
            drug=plan.drug,
            route=plan.route,
            weight_kg=plan.weight_kg,
            started_by=actor.user,
            started_at=now,
        )
        if plan.drug == "esketamine":
            RemsForm.objects.create(
                session=session,
                clinic_id=session.clinic_id,
                due_on=rems_due_on(now, appointment.site.time_zone),
            )
        audit.record(
            actor,
            "session.start",
            patient_id=session.patient_id,
            target=session,
            data={
                "appointment": appointment.pk,
                "plan": plan.pk,
                "plan_version": plan.plan_version,
                "protocol": f"{plan.protocol_id} v{plan.protocol_version}",
                "settings_version": session.settings_version.number,
            },
        )
    return session


def _screen(
    session: TreatmentSession,
    screen: dict[str, Any] | None,
    now: datetime,
    errors: dict[str, str],
) -> dict[str, Any] | None:
    """Today's suicidality screen as charted: C-SSRS screener answers or PHQ-9 item 9,
    asked now at the chair, or ("portal") the patient's own questionnaire from today."""
    if screen is None:
        return None
    source = screen.get("source", "now")
    if source not in ("now", "portal"):
        errors["same_day_screen.source"] = 'either "now" (asked at the chair) or "portal"'
    if source == "portal":
        found = todays_screen(session, now)
        if found is None:
            errors["same_day_screen.source"] = (
                "the patient has no PHQ-9 or C-SSRS screener from today: ask it now"
            )
        return found
    body = {k: screen[k] for k in ("cssrs_answers", "phq9_item9") if screen.get(k) is not None}
    try:
        SameDayScreen.model_validate({"t_min": 0.0, **body})
    except ValidationError as exc:
        errors.update(input_errors(exc, "same_day_screen"))
        return None
    return {"source": source, **body}


def _validate_predose(session: TreatmentSession, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        TodaysFacts.model_validate(
            {
                k: data[k]
                for k in (
                    "hours_since_solids",
                    "hours_since_clear_fluids",
                    "concomitant_drug_classes",
                )
                if data.get(k) is not None
            }
        )
    except ValidationError as exc:
        errors.update(input_errors(exc))
    if data.get("escort_present"):
        if not 2 <= len(data.get("escort_name", "").strip()) <= 200:
            errors["escort_name"] = "who takes the patient home: their name, 2-200 characters"
        if not 7 <= len(data.get("escort_phone", "").strip()) <= 40:
            errors["escort_phone"] = "a phone number for the escort, 7-40 characters"
    weight = data.get("weight_kg")
    if weight is not None and not Decimal("25") <= Decimal(str(weight)) <= Decimal("350"):
        errors["weight_kg"] = "today's weight must be 25-350 kg"
    if data.get("pregnancy") not in PredoseCheck.Pregnancy.values:
        errors["pregnancy"] = "one of: " + ", ".join(PredoseCheck.Pregnancy.values)
    if session.drug == "esketamine":
        for name in ("rems_patient_enrolled", "rems_prescriber_on_site", "rems_pulse_oximeter"):
            if data.get(name) is None:
                errors[name] = "answer yes or no: a Spravato session needs every REMS item"
    return errors


@audit.records_refusals("session.predose")
def predose_record(actor: Actor, session_id: int, **data: Any) -> tuple[PredoseCheck, SessionView]:
    """Chart the pre-dose checklist; the newest one counts until the first dose. The core's
    decision is stored with it; today's weight recalculates a weight-based dose."""
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
        must_be_open(session)
        if session.first_dose_at is not None:
            raise Conflict("session", "dosing has started: the pre-dose checklist is closed")
        now = timezone.now()
        errors = _validate_predose(session, data)
        screen = _screen(session, data.get("same_day_screen"), now, errors)
        measured_at = measured_time(session, data.get("measured_at"), now, errors)
        if errors:
            raise FieldErrors(errors)
        weight = data.get("weight_kg")
        dose_today = None
        if weight is not None and Decimal(str(weight)) != session.weight_kg:
            dose_today = dose_for_weight(session.plan, float(weight))
            session.weight_kg = Decimal(str(weight)).quantize(Decimal("0.1"))
            session.save(update_fields=["weight_kg"])
        check = PredoseCheck.objects.create(
            session=session,
            measured_at=measured_at,
            late=is_late(measured_at, now),
            entered_by=actor.user,
            entered_by_label=_label(actor),
            entered_at=now,
            identity_confirmed=bool(data.get("identity_confirmed")),
            consent_confirmed=bool(data.get("consent_confirmed")),
            hours_since_solids=data.get("hours_since_solids"),
            hours_since_clear_fluids=data.get("hours_since_clear_fluids"),
            escort_present=bool(data.get("escort_present")),
            escort_name=data.get("escort_name", "").strip(),
            escort_phone=data.get("escort_phone", "").strip(),
            pregnancy=data["pregnancy"],
            weight_kg=weight,
            same_day_screen=screen,
            concomitant_drug_classes=list(data.get("concomitant_drug_classes") or []),
            rems_patient_enrolled=data.get("rems_patient_enrolled"),
            rems_prescriber_on_site=data.get("rems_prescriber_on_site"),
            rems_pulse_oximeter=data.get("rems_pulse_oximeter"),
            decision="",
            dose_today=dose_today,
        )
        view = view_of(session, now)
        check.decision = view.judgement.predose
        check.findings = [f.model_dump(mode="json") for f in view.judgement.predose_findings]
        check.save(update_fields=["decision", "findings"])
        _alert_if_positive(actor, session, check, view)
        audit.record(
            actor,
            "session.predose",
            patient_id=session.patient_id,
            target=check,
            data={"session": session.pk, "decision": check.decision},
        )
    return check, view


def _decision_allowed(kind: str, judgement: Judgement, chart_has_predose: bool) -> str | None:
    """Why this decision does not apply now, or None."""
    if kind in (Decision.Kind.PREDOSE_RELEASE, Decision.Kind.PREDOSE_DECLINE):
        if not chart_has_predose:
            return "chart the pre-dose checklist first"
        if judgement.predose == "proceed":
            return "the pre-dose decision is go: there is no hold to decide"
    if kind == Decision.Kind.STOP_CLEARED and not judgement.open_stops:
        return "no stop is open"
    return None


@audit.records_refusals("session.decision")
def decision_record(
    actor: Actor,
    session_id: int,
    *,
    kind: str,
    reason: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> tuple[Decision, SessionView]:
    """A prescriber decides, with a reason: release or decline a pre-dose hold, order a dose
    outside the plan (``detail``: ``dose_mg``, ``rate_mg_per_h``), clear a stop, or override
    one discharge criterion (``subject``: its code)."""
    reason = " ".join(reason.split())
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_PRESCRIBE, lock=True)
        must_be_open(session)
        now = timezone.now()
        errors: dict[str, str] = {}
        if kind not in Decision.Kind.values:
            errors["kind"] = "one of: " + ", ".join(Decision.Kind.values)
        if not 3 <= len(reason) <= REASON_MAX:
            errors["reason"] = f"say why, in 3-{REASON_MAX} characters"
        chart = load_chart(session)
        judgement = judge(chart, now)
        if kind == Decision.Kind.CRITERION_OVERRIDE:
            codes = [c.code for c in judgement.assessment.discharge_checks]
            if subject not in codes:
                errors["subject"] = "the discharge criterion overridden, one of: " + ", ".join(
                    codes
                )
        detail = dict(detail or {})
        if kind == Decision.Kind.DOSE_ORDER:
            errors.update(_order_errors(detail))
        if errors:
            raise FieldErrors(errors)
        refused = _decision_allowed(kind, judgement, bool(chart.predose))
        if refused:
            raise Conflict("kind", refused)
        decision = Decision.objects.create(
            session=session,
            kind=kind,
            subject=subject[:80],
            detail=detail,
            reason=reason,
            decided_by=actor.user,
            decided_by_label=_label(actor),
            decided_at=now,
        )
        audit.record(
            actor,
            "session.decision",
            patient_id=session.patient_id,
            target=decision,
            data={"session": session.pk, "kind": kind, "subject": subject, **detail},
            reason=reason,
        )
        view = view_of(session, now)
    return decision, view


def _order_errors(detail: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, high in (("dose_mg", 600), ("rate_mg_per_h", 600)):
        value = detail.get(name)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 < number <= high:
            errors[f"detail.{name}"] = f"must be above 0 and at most {high}"
        else:
            detail[name] = number
    if not {"dose_mg", "rate_mg_per_h"} & set(detail):
        errors["detail"] = "name the dose ordered: dose_mg, rate_mg_per_h, or both"
    unknown = set(detail) - {"dose_mg", "rate_mg_per_h"}
    if unknown:
        errors["detail"] = "unknown field(s): " + ", ".join(sorted(unknown))
    return errors


def phase_now(session: TreatmentSession, *, infusion_running: bool, devices_due: bool) -> str:
    """The phase the chart is in: before any dose, dosing (an infusion running or devices
    still to give), observing, or discharged."""
    if session.discharged_at is not None:
        return Phase.DISCHARGED
    if session.first_dose_at is None:
        return Phase.PREDOSE
    if infusion_running or devices_due:
        return Phase.DOSING
    return Phase.OBSERVING
