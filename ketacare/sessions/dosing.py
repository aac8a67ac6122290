"""Doses at the chair: each administration drawn from a lot in the ledger, the end of an
infusion, and every change of its rate.

Dosing waits for the pre-dose decision (go, or a prescriber's release of a hold) and pauses
while a stop rule is open; a dose or rate outside the plan needs a prescriber's order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Membership, Role
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.controlled.models import Lot
from ketacare.controlled.services import administer
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible

from .access import must_be_open, session_for
from .assessment import Judgement, judge, minutes
from .chart import Chart, load_chart
from .models import Decision, Dose, RateChange, TreatmentSession
from .plan_check import Order, PlannedDose, outside_plan, refusals
from .services import phase_now
from .timing import is_late, measured_time
from .view import SessionView, view_of

#: Who may witness a dose: clinical staff of the clinic.
WITNESS_ROLES = (Role.PRESCRIBER, Role.NURSE, Role.OWNER)


def dosing_blocked(chart: Chart, judgement: Judgement) -> str | None:
    """Why no dose may be given now, or None."""
    check = chart.latest_predose
    if check is None:
        return "chart the pre-dose checklist first"
    since = check.entered_at
    if chart.decisions_of(Decision.Kind.PREDOSE_DECLINE, since=since):
        return "the prescriber declined today's dose"
    if judgement.predose != "proceed" and not chart.decisions_of(
        Decision.Kind.PREDOSE_RELEASE, since=since
    ):
        label = "hold for review" if judgement.predose == "prescriber_review" else "do not dose"
        return f"the pre-dose decision is '{label}': a prescriber must release it with a reason"
    if judgement.open_stops:
        codes = ", ".join(sorted({a.code for a in judgement.open_stops}))
        return f"dosing is paused by a stop ({codes}) until a prescriber clears it"
    return None


def _planned(session: TreatmentSession, chart: Chart | None = None) -> PlannedDose:
    """The plan's dose, or the one the core recalculated for today's weight at the
    pre-dose check."""
    dose = session.plan.dose
    today = chart.latest_predose.dose_today if chart and chart.latest_predose else None
    source = today or dose
    rate = source.get("rate_mg_per_h")
    devices = dose.get("devices")
    return PlannedDose(
        dose_mg=float(today["dose_mg"] if today else session.plan.dose_mg),
        rate_mg_per_h=float(rate) if rate is not None else None,
        devices=int(devices) if devices is not None else None,
    )


def _latest_order(chart: Chart) -> tuple[Decision | None, Order | None]:
    orders = chart.decisions_of(Decision.Kind.DOSE_ORDER)
    if not orders:
        return None, None
    latest = orders[-1]
    return latest, Order(latest.detail.get("dose_mg"), latest.detail.get("rate_mg_per_h"))


def _witness(
    session: TreatmentSession, witness_id: int | None, actor: Actor, errors: dict[str, str]
) -> Membership | None:
    if witness_id is None:
        return None
    witness = (
        Membership.objects.select_related("user")
        .filter(pk=witness_id, clinic_id=session.clinic_id, is_active=True, role__in=WITNESS_ROLES)
        .first()
    )
    if witness is None:
        errors["witness_id"] = (
            "the witness must be an active prescriber, nurse or owner of the clinic"
        )
        return None
    if witness.user_id == actor.user_id:
        errors["witness_id"] = "the witness must be someone other than the person giving the dose"
    return witness


def _lot(session: TreatmentSession, lot_id: int | None, errors: dict[str, str]) -> Lot | None:
    if lot_id is None:
        errors["lot_id"] = "every dose is drawn from a lot: choose the lot"
        return None
    lot = (
        Lot.objects.select_related("product")
        .filter(pk=lot_id, product__clinic_id=session.clinic_id)
        .first()
    )
    if lot is None:
        errors["lot_id"] = "no such lot in this clinic"
        return None
    if lot.product.drug != session.drug:
        errors["lot_id"] = f"this lot is {lot.product.drug}; the session gives {session.drug}"
    return lot


@audit.records_refusals("session.dose")
def dose_record(
    actor: Actor,
    session_id: int,
    *,
    kind: str,
    lot_id: int | None,
    dose_mg: Decimal | float | None = None,
    measured_at: datetime | None = None,
    ended_at: datetime | None = None,
    rate_mg_per_h: Decimal | float | None = None,
    concentration_mg_per_ml: Decimal | float | None = None,
    witness_id: int | None = None,
) -> tuple[Dose, SessionView]:
    """Chart one administration and draw it from its lot (a Spravato device: one device of
    28 mg; an infusion: its rate, and its end when known)."""
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
        must_be_open(session)
        now = timezone.now()
        chart = load_chart(session)
        judgement = judge(chart, now)
        blocked = dosing_blocked(chart, judgement)
        if blocked:
            raise Conflict("session", blocked)
        errors: dict[str, str] = {}
        start = measured_time(session, measured_at, now, errors)
        lot = _lot(session, lot_id, errors)
        witness = _witness(session, witness_id, actor, errors)
        devices_before = [d for d in chart.doses if d.kind == Dose.Kind.DEVICE]
        since_last = (
            minutes(start, devices_before[-1].measured_at)
            if kind == Dose.Kind.DEVICE and devices_before
            else None
        )
        errors.update(
            refusals(
                drug=session.drug,
                route=session.route,
                kind=kind,
                device_minutes_since_last=since_last,
            )
        )
        if kind == Dose.Kind.DEVICE and lot is not None:
            dose_mg = lot.product.mg_per_unit
        mg = _positive(dose_mg, "dose_mg", 600, errors)
        rate = None
        if kind == Dose.Kind.INFUSION:
            rate = _positive(rate_mg_per_h, "rate_mg_per_h", 600, errors)
            if ended_at is not None and ended_at <= start:
                errors["ended_at"] = "the infusion ends after it starts"
        elif rate_mg_per_h is not None:
            errors["rate_mg_per_h"] = "only an infusion has a rate"
        if errors:
            raise FieldErrors(errors)
        assert mg is not None and lot is not None
        order_row, order = _latest_order(chart)
        check = {
            "given_before_mg": float(sum(d.dose_mg for d in chart.doses)),
            "dose_mg": float(mg),
            "rate_mg_per_h": float(rate) if rate is not None else None,
            "devices_before": len(devices_before),
        }
        problems = outside_plan(_planned(session, chart), order=order, **check)  # type: ignore[arg-type]
        if problems:
            raise FieldErrors(problems)
        # A dose beyond the plan stands on the prescriber's order: it is named with it.
        beyond_plan = bool(outside_plan(_planned(session, chart), order=None, **check))  # type: ignore[arg-type]
        quantity = Decimal(1) if lot.product.unit == "device" else mg
        try:
            entry = administer(
                actor,
                lot_id=lot.pk,
                quantity=quantity,
                patient=session.patient,
                source_ref=f"session:{session.pk}",
                occurred_at=start,
                site_id=session.site_id,
            )
        except FieldErrors as exc:
            # The ledger names the lot "lot"; the chair chose it as "lot_id".
            raise FieldErrors(
                {("lot_id" if k == "lot" else k): v for k, v in exc.errors.items()}
            ) from None
        concentration = concentration_mg_per_ml or lot.product.concentration_mg_per_ml
        dose = Dose.objects.create(
            session=session,
            measured_at=start,
            late=is_late(start, now),
            entered_by=actor.user,
            entered_by_label=actor.label[:300],
            entered_at=now,
            kind=kind,
            drug=session.drug,
            route=session.route,
            product=lot.product.name,
            lot=lot,
            lot_number=lot.lot_number,
            lot_expiry=lot.expires_on,
            ledger_entry=entry,
            concentration_mg_per_ml=concentration,
            dose_mg=mg,
            ended_at=ended_at,
            rate_mg_per_h=rate,
            device_number=len(devices_before) + 1 if kind == Dose.Kind.DEVICE else None,
            given_by=actor.user,
            given_by_label=actor.label[:300],
            witnessed_by=witness.user if witness else None,
            witnessed_by_label=witness.user.full_name if witness else "",
            order=order_row if beyond_plan else None,
        )
        _after_dose(session, start, ended_at)
        audit.record(
            actor,
            "session.dose",
            patient_id=session.patient_id,
            target=dose,
            data={
                "session": session.pk,
                "kind": kind,
                "dose_mg": str(mg),
                "lot": lot.lot_number,
                **({"rate_mg_per_h": str(rate)} if rate is not None else {}),
            },
        )
        view = view_of(session, now)
    return dose, view


def _positive(value: Any, name: str, high: float, errors: dict[str, str]) -> Decimal | None:
    if value is None:
        errors[name] = "required"
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        errors[name] = f"a number above 0 and at most {high:g}"
        return None
    if not Decimal(0) < number <= Decimal(str(high)):
        errors[name] = f"must be above 0 and at most {high:g}"
        return None
    return number


def _refresh_phase(session: TreatmentSession) -> None:
    chart = load_chart(session)
    running = any(d.kind == Dose.Kind.INFUSION and d.ended_at is None for d in chart.doses)
    planned = _planned(session).devices
    given = sum(1 for d in chart.doses if d.kind == Dose.Kind.DEVICE)
    session.phase = phase_now(
        session, infusion_running=running, devices_due=planned is not None and given < planned
    )


def _after_dose(session: TreatmentSession, start: datetime, ended_at: datetime | None) -> None:
    if session.first_dose_at is None or start < session.first_dose_at:
        session.first_dose_at = start
    end = ended_at or start
    if session.dose_end_at is None or end > session.dose_end_at:
        session.dose_end_at = end
    _refresh_phase(session)
    session.version += 1
    session.save(update_fields=["first_dose_at", "dose_end_at", "phase", "version"])


def _running_infusion(session: TreatmentSession, dose_id: int) -> Dose:
    dose = Dose.objects.select_for_update().filter(pk=dose_id, session=session).first()
    if dose is None:
        raise NotVisible("No such dose")
    if dose.kind != Dose.Kind.INFUSION:
        raise Conflict("dose", "only an infusion has a rate and an end")
    if dose.ended_at is not None:
        raise Conflict("dose", "this infusion has ended")
    return dose


@audit.records_refusals("session.dose_end")
def dose_end(
    actor: Actor, session_id: int, dose_id: int, *, ended_at: datetime | None = None
) -> tuple[Dose, SessionView]:
    """The infusion has ended (at ``ended_at``, else now)."""
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
        must_be_open(session)
        dose = _running_infusion(session, dose_id)
        now = timezone.now()
        errors: dict[str, str] = {}
        end = measured_time(session, ended_at, now, errors)
        last_change = (
            dose.rate_changes.order_by("-measured_at").values_list("measured_at", flat=True).first()
        )
        if end <= max(dose.measured_at, last_change or dose.measured_at):
            errors["ended_at"] = "the infusion ends after it starts and after its last rate change"
        if errors:
            raise FieldErrors(errors)
        dose.ended_at = end
        dose.save(update_fields=["ended_at"])
        _after_dose(session, dose.measured_at, end)
        audit.record(
            actor,
            "session.dose_end",
            patient_id=session.patient_id,
            target=dose,
            data={"session": session.pk, "ended_at": end.isoformat()},
        )
        view = view_of(session, now)
    return dose, view


@audit.records_refusals("session.rate_change")
def rate_change(
    actor: Actor,
    session_id: int,
    dose_id: int,
    *,
    rate_mg_per_h: Decimal | float,
    reason: str,
    measured_at: datetime | None = None,
) -> tuple[RateChange, SessionView]:
    """A running infusion's new rate, and why (0 pauses it). A rise waits while a stop is
    open, and above the plan's rate needs a prescriber's order."""
    reason = " ".join(reason.split())
    with transaction.atomic():
        session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
        must_be_open(session)
        dose = _running_infusion(session, dose_id)
        now = timezone.now()
        errors: dict[str, str] = {}
        at = measured_time(session, measured_at, now, errors)
        try:
            rate = Decimal(str(rate_mg_per_h)).quantize(Decimal("0.01"))
        except ArithmeticError:
            rate = Decimal(-1)
        if not Decimal(0) <= rate <= Decimal(600):
            errors["rate_mg_per_h"] = "must be 0 (paused) to 600 mg/h"
        if not 3 <= len(reason) <= 300:
            errors["reason"] = "say why the rate changes, in 3-300 characters"
        chart = load_chart(session)
        changes = chart.rate_changes.get(dose.pk, [])
        current = changes[-1].rate_mg_per_h if changes else dose.rate_mg_per_h
        latest_at = changes[-1].measured_at if changes else dose.measured_at
        if at <= latest_at:
            errors["measured_at"] = (
                "a rate change comes after the infusion's start and its last change"
            )
        if errors:
            raise FieldErrors(errors)
        judgement = judge(chart, now)
        if current is not None and rate > current:
            if judgement.open_stops:
                codes = ", ".join(sorted({a.code for a in judgement.open_stops}))
                raise Conflict(
                    "session", f"dosing is paused by a stop ({codes}) until a prescriber clears it"
                )
            _, order = _latest_order(chart)
            problems = outside_plan(
                _planned(session, chart),
                given_before_mg=0.0,
                dose_mg=0.0,
                rate_mg_per_h=float(rate),
                devices_before=0,
                order=order,
            )
            if problems:
                raise FieldErrors(problems)
        change = RateChange.objects.create(
            dose=dose,
            measured_at=at,
            late=is_late(at, now),
            entered_by=actor.user,
            entered_by_label=actor.label[:300],
            entered_at=now,
            rate_mg_per_h=rate,
            reason=reason,
        )
        audit.record(
            actor,
            "session.rate_change",
            patient_id=session.patient_id,
            target=change,
            data={
                "session": session.pk,
                "dose": dose.pk,
                "rate_mg_per_h": [str(current), str(rate)],
            },
            reason=reason,
        )
        session.version += 1
        session.save(update_fields=["version"])
        view = view_of(session, now)
    return change, view
