"""The chair's pages: start a session, the chair page with every form of the chart, the parts
of it the page's script reloads, and the board of a site's chairs.

Thin: each form calls one service; the services check the permissions (reading needs
``SESSION_READ``, charting ``SESSION_CHART``, a decision ``SESSION_PRESCRIBE``). A write
answers with a redirect (a 2xx after it means saved); a refusal shows the chair page again with
every error beside its field (400), or a clash with the chart's state at the top (409), and
nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.models import Site
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.clinical.labels import label
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible

from . import charting, discharge, display, dosing, notes, services
from .access import session_for
from .curve import session_curves
from .dosing import dosing_blocked
from .forms import (
    AckForm,
    AddendumForm,
    CadssForm,
    DecisionForm,
    DischargeForm,
    DoseForm,
    EndForm,
    EventForm,
    MoaasForm,
    NoteForm,
    PredoseForm,
    RateForm,
    SignForm,
    StartForm,
    VitalsForm,
    show_refusal,
)
from .models import Dose, Phase, RemsForm, SessionNote, TreatmentSession
from .queries import board, session_read
from .view import SessionView

Run = Callable[[Actor, TreatmentSession, Any], Any]


# --- the forms of a session -------------------------------------------------------------------


def _tz(session: TreatmentSession) -> Any:
    return session.site.tz


def _predose_form(session: TreatmentSession, data: Any = None) -> PredoseForm:
    return PredoseForm(
        data,
        prefix="predose",
        tz=_tz(session),
        rems=session.drug == "esketamine",
        initial=display.predose_defaults(session),
    )


def _decision_form(view: SessionView, data: Any = None) -> DecisionForm:
    criteria = [
        (c.code, label("discharge_criterion", c.code))
        for c in view.judgement.assessment.discharge_checks
    ]
    return DecisionForm(data, prefix="decision", criteria=criteria)


def _dose_form(session: TreatmentSession, user_id: int | None, data: Any = None) -> DoseForm:
    kinds = display.dose_kinds(session)
    lots = display.lot_choices(session)
    return DoseForm(
        data,
        prefix="dose",
        tz=_tz(session),
        kinds=kinds,
        lots=lots,
        witnesses=display.witness_choices(session, user_id),
        initial={
            "kind": kinds[0][0] if kinds else "",
            "lot_id": lots[0][0] if lots else "",
            "dose_mg": session.plan.dose_mg if session.drug != "esketamine" else None,
            "rate_mg_per_h": session.plan.dose.get("rate_mg_per_h"),
        },
    )


def _discharge_form(session: TreatmentSession, data: Any = None) -> DischargeForm:
    check = session.predose.order_by("entered_at", "pk").last()
    initial = {"left_with_name": check.escort_name} if check and check.escort_name else {}
    return DischargeForm(
        data, prefix="discharge", rems=session.drug == "esketamine", initial=initial
    )


def _note_forms(session: TreatmentSession) -> dict[str, Any]:
    note = SessionNote.objects.filter(session=session).prefetch_related("addenda").first()
    if note is None:
        return {"note": None}
    return {
        "note": note,
        "note_form": NoteForm(prefix="note", initial={"body": note.body, "version": note.version}),
        "sign_form": SignForm(prefix="sign", initial={"version": note.version}),
        "addendum_form": AddendumForm(prefix="addendum"),
    }


def _chart_context(view: SessionView) -> dict[str, Any]:
    """What the live part of the page shows (the safety panel, the timeline, the curve)."""
    session = view.session
    chart_svg, predicted_points = display.curve_chart(
        session_curves(view.chart, view.judgement.now)
    )
    alerts = [{"alert": a, "acknowledge": a.level == "alert"} for a in view.open_alerts]
    next_at = view.next_check_at
    return {
        "view": view,
        "session": session,
        "now": view.judgement.now,
        "blocked": dosing_blocked(view.chart, view.judgement)
        if session.phase != Phase.DISCHARGED
        else None,
        "open_alerts": alerts,
        "next_at": next_at,
        "next_in": display.minutes_from_now(next_at, view.judgement.now) if next_at else "",
        "timeline": display.timeline(view),
        "chart": chart_svg,
        "predicted_points": predicted_points,
        "has_doses": bool(view.chart.doses),
    }


def _page(
    request: HttpRequest,
    actor: Actor,
    pk: int,
    *,
    status: int = 200,
    conflicts: list[str] | None = None,
    unmet: list[tuple[str, str]] | None = None,
    **shown: forms.Form,
) -> HttpResponse:
    view = session_read(actor, pk)
    session = view.session
    open_ = session.phase != Phase.DISCHARGED
    can_chart = actor.can(Perm.SESSION_CHART) and open_
    can_prescribe = actor.can(Perm.SESSION_PRESCRIBE) and open_
    rems = session.drug == "esketamine"
    user_id = actor.user.pk if actor.user else None
    context: dict[str, Any] = {
        **_chart_context(view),
        "patient": session.patient,
        "tz": _tz(session),
        "protocol": label("protocol", session.protocol_id),
        "observation_ends_at": None
        if display.running_infusions(view)
        else display.observation_ends_at(session),
        "rems": rems,
        "rems_form": RemsForm.objects.filter(session=session).first()
        if rems and actor.can(Perm.REMS_MANAGE)
        else None,
        "can_chart": can_chart,
        "can_prescribe": can_prescribe,
        "can_note": actor.can(Perm.SESSION_CHART),
        "conflicts": conflicts or [],
        "unmet": unmet or [],
        "show_predose": can_chart and session.first_dose_at is None,
        "show_discharge": can_chart and session.first_dose_at is not None,
        "device": display.next_device(view) if can_chart else None,
        "running": [
            {
                "dose": d,
                "rate": display.current_rate(view, d),
                "rate_form": shown.get(f"rate-{d.pk}")
                or RateForm(prefix=f"rate-{d.pk}", tz=_tz(session)),
                "end_form": shown.get(f"end-{d.pk}")
                or EndForm(prefix=f"end-{d.pk}", tz=_tz(session)),
            }
            for d in display.running_infusions(view)
        ]
        if can_chart
        else [],
        "predose_form": shown.get("predose") or _predose_form(session),
        "decision_form": shown.get("decision") or _decision_form(view),
        "dose_form": shown.get("dose") or _dose_form(session, user_id),
        "vitals_form": shown.get("vitals") or VitalsForm(prefix="vitals", tz=_tz(session)),
        "moaas_form": shown.get("moaas")
        or MoaasForm(prefix="moaas", tz=_tz(session), options=display.moaas_options()),
        "cadss_form": shown.get("cadss")
        or CadssForm(prefix="cadss", tz=_tz(session), max_total=display.cadss_max()),
        "event_form": shown.get("event") or EventForm(prefix="event", tz=_tz(session)),
        "discharge_form": shown.get("discharge") or _discharge_form(session),
        "bound": next(iter(shown), ""),
        **_note_forms(session),
    }
    context["no_lots"] = len(context["dose_form"].fields["lot_id"].choices) <= 1
    for key in ("note", "sign", "addendum"):
        if key in shown:
            context[f"{key}_form"] = shown[key]
    return render(request, "sessions/chair.html", context, status=status)


@login_required
@require_safe
def chair(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, actor_from_request(request), pk)


@login_required
@require_safe
def chair_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the chair page alone (the safety panel, the timeline, the curve), for
    the page's script after each entry it sent."""
    actor = actor_from_request(request)
    view = session_read(actor, pk)
    context = {**_chart_context(view), "tz": _tz(view.session)}
    return render(request, "sessions/_live.html", context)


def _write(
    request: HttpRequest,
    pk: int,
    key: str,
    make: Callable[[TreatmentSession, Any], forms.Form],
    run: Run,
    done: str,
    *,
    perm: Perm = Perm.SESSION_CHART,
    anchor: str = "",
) -> HttpResponse:
    """One form of the chair page: the role first (a refused write leaves no read in the log),
    then the service; saved → back to the chair page; refused → the page with the errors."""
    actor = actor_from_request(request)
    require_perm(actor.membership, perm)
    session = session_for(actor, pk, perm=perm)
    form = make(session, request.POST)
    status, conflicts, unmet = 400, list[str](), list[tuple[str, str]]()
    if form.is_valid():
        try:
            run(actor, session, form)
        except (FieldErrors, Conflict) as exc:
            status, conflicts = show_refusal(form, exc)
            if hasattr(exc, "conflicts") and key == "discharge":
                unmet = [
                    (label("discharge_criterion", code), message)
                    for code, message in exc.conflicts.items()
                ]
                conflicts = []
        else:
            messages.success(request, done)
            url = reverse("sessions:chair", kwargs={"pk": pk})
            return redirect(url + (f"#{anchor}" if anchor else ""))
    return _page(request, actor, pk, status=status, conflicts=conflicts, unmet=unmet, **{key: form})


@login_required
@require_POST
def start(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Open the session of a checked-in appointment; on to its chair page."""
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SESSION_CHART)
    form = StartForm(request.POST, plans=_signed_plans(actor, appointment_id))
    back = reverse("scheduling:appointment", kwargs={"pk": appointment_id})
    if form.is_valid():
        try:
            session = services.session_start(
                actor, appointment_id, plan_id=form.cleaned_data["plan"]
            )
        except (FieldErrors, Conflict) as exc:
            text = exc.message if isinstance(exc, Conflict) else "; ".join(exc.errors.values())
            messages.error(request, f"The session was not started: {text[:1].lower()}{text[1:]}.")
            return redirect(back)
        messages.success(request, "Session started.")
        return redirect(session)
    messages.error(
        request, "The session was not started: choose one of the patient's signed plans."
    )
    return redirect(back)


def _signed_plans(actor: Actor, appointment_id: int) -> list[tuple[int, str]]:
    from ketacare.scheduling.models import Appointment
    from ketacare.treatment.models import TreatmentPlan

    assert actor.membership is not None
    appointment = Appointment.objects.filter(
        pk=appointment_id, clinic_id=actor.membership.clinic_id
    ).first()
    if appointment is None:
        raise NotVisible("No such appointment")
    plans = TreatmentPlan.objects.filter(
        patient_id=appointment.patient_id, status=TreatmentPlan.Status.SIGNED
    )
    return [(p.pk, label("protocol", p.protocol_id)) for p in plans]


@login_required
@require_POST
def predose(request: HttpRequest, pk: int) -> HttpResponse:
    def run(actor: Actor, session: TreatmentSession, form: PredoseForm) -> Any:
        return services.predose_record(actor, session.pk, **form.service_data())

    return _write(
        request, pk, "predose", _predose_form, run, "Pre-dose checklist saved.", anchor="safety"
    )


@login_required
@require_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> DecisionForm:
        from .view import view_of

        return _decision_form(view_of(session), data)

    def run(actor: Actor, session: TreatmentSession, form: DecisionForm) -> Any:
        return services.decision_record(actor, session.pk, **form.service_data())

    return _write(
        request,
        pk,
        "decision",
        make,
        run,
        "Decision saved.",
        perm=Perm.SESSION_PRESCRIBE,
        anchor="safety",
    )


@login_required
@require_POST
def dose(request: HttpRequest, pk: int) -> HttpResponse:
    actor_id = request.user.pk

    def make(session: TreatmentSession, data: Any) -> DoseForm:
        return _dose_form(session, actor_id, data)

    def run(actor: Actor, session: TreatmentSession, form: DoseForm) -> Any:
        d = form.cleaned_data
        return dosing.dose_record(
            actor,
            session.pk,
            kind=d["kind"],
            lot_id=d["lot_id"],
            dose_mg=None if d["kind"] == Dose.Kind.DEVICE else d["dose_mg"],
            measured_at=d["measured_at"],
            rate_mg_per_h=d["rate_mg_per_h"] if d["kind"] == Dose.Kind.INFUSION else None,
            witness_id=d["witness_id"],
        )

    return _write(request, pk, "dose", make, run, "Dose charted.", anchor="safety")


@login_required
@require_POST
def rate(request: HttpRequest, pk: int, dose_id: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> RateForm:
        return RateForm(data, prefix=f"rate-{dose_id}", tz=_tz(session))

    def run(actor: Actor, session: TreatmentSession, form: RateForm) -> Any:
        d = form.cleaned_data
        return dosing.rate_change(
            actor,
            session.pk,
            dose_id,
            rate_mg_per_h=d["rate_mg_per_h"],
            reason=d["reason"],
            measured_at=d["measured_at"],
        )

    return _write(request, pk, f"rate-{dose_id}", make, run, "Rate changed.", anchor="infusion")


@login_required
@require_POST
def end(request: HttpRequest, pk: int, dose_id: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> EndForm:
        return EndForm(data, prefix=f"end-{dose_id}", tz=_tz(session))

    def run(actor: Actor, session: TreatmentSession, form: EndForm) -> Any:
        return dosing.dose_end(
            actor, session.pk, dose_id, ended_at=form.cleaned_data["measured_at"]
        )

    return _write(request, pk, f"end-{dose_id}", make, run, "Infusion ended.", anchor="safety")


@login_required
@require_POST
def vitals(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> VitalsForm:
        return VitalsForm(data, prefix="vitals", tz=_tz(session))

    def run(actor: Actor, session: TreatmentSession, form: VitalsForm) -> Any:
        data = form.service_data()
        return charting.vitals_record(actor, session.pk, **data)

    return _write(request, pk, "vitals", make, run, "Vital signs saved.", anchor="vitals")


@login_required
@require_POST
def moaas(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> MoaasForm:
        return MoaasForm(data, prefix="moaas", tz=_tz(session), options=display.moaas_options())

    def run(actor: Actor, session: TreatmentSession, form: MoaasForm) -> Any:
        d = form.cleaned_data
        return charting.observation_record(
            actor,
            session.pk,
            instrument="moaas",
            score_value=d["score"],
            measured_at=d["measured_at"],
        )

    return _write(request, pk, "moaas", make, run, "MOAA/S saved.", anchor="observations")


@login_required
@require_POST
def cadss(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> CadssForm:
        return CadssForm(data, prefix="cadss", tz=_tz(session), max_total=display.cadss_max())

    def run(actor: Actor, session: TreatmentSession, form: CadssForm) -> Any:
        d = form.cleaned_data
        return charting.observation_record(
            actor,
            session.pk,
            instrument="cadss",
            score_value=d["score"],
            measured_at=d["measured_at"],
        )

    return _write(request, pk, "cadss", make, run, "CADSS saved.", anchor="observations")


@login_required
@require_POST
def event(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> EventForm:
        return EventForm(data, prefix="event", tz=_tz(session))

    def run(actor: Actor, session: TreatmentSession, form: EventForm) -> Any:
        return charting.event_record(actor, session.pk, **form.cleaned_data)

    return _write(request, pk, "event", make, run, "Saved.", anchor="events")


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> AckForm:
        return AckForm(data, prefix="ack")

    def run(actor: Actor, session: TreatmentSession, form: AckForm) -> Any:
        d = form.cleaned_data
        return charting.alert_acknowledge(
            actor, session.pk, code=d["code"], t_min=d["t_min"], note=d["note"]
        )

    return _write(request, pk, "ack", make, run, "Alert acknowledged.", anchor="safety")


@login_required
@require_POST
def discharge_view(request: HttpRequest, pk: int) -> HttpResponse:
    def run(actor: Actor, session: TreatmentSession, form: DischargeForm) -> Any:
        return discharge.discharge_record(actor, session.pk, **form.cleaned_data)

    return _write(
        request,
        pk,
        "discharge",
        _discharge_form,
        run,
        "Discharged. The note is drafted from the chart.",
        anchor="note",
    )


@login_required
@require_POST
def note_save(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> NoteForm:
        return NoteForm(data, prefix="note")

    def run(actor: Actor, session: TreatmentSession, form: NoteForm) -> Any:
        d = form.cleaned_data
        return notes.note_save(actor, session.pk, body=d["body"], expected_version=d["version"])

    return _write(request, pk, "note", make, run, "Note saved.", anchor="note")


@login_required
@require_POST
def note_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> SignForm:
        return SignForm(data, prefix="sign")

    def run(actor: Actor, session: TreatmentSession, form: SignForm) -> Any:
        return notes.note_sign(actor, session.pk, expected_version=form.cleaned_data["version"])

    return _write(request, pk, "sign", make, run, "Note signed.", anchor="note")


@login_required
@require_POST
def addendum(request: HttpRequest, pk: int) -> HttpResponse:
    def make(session: TreatmentSession, data: Any) -> AddendumForm:
        return AddendumForm(data, prefix="addendum")

    def run(actor: Actor, session: TreatmentSession, form: AddendumForm) -> Any:
        return notes.addendum_add(actor, session.pk, body=form.cleaned_data["body"])

    return _write(request, pk, "addendum", make, run, "Addendum added.", anchor="note")


# --- the board ----------------------------------------------------------------------------------


def _board_context(request: HttpRequest) -> dict[str, Any]:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SESSION_READ)
    require_perm(actor.membership, Perm.PATIENT_LIST)
    assert actor.membership is not None
    sites = list(
        Site.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True).order_by("pk")
    )
    raw = request.GET.get("site", "")
    site = (
        next((s for s in sites if str(s.pk) == raw), None) if raw else (sites[0] if sites else None)
    )
    if site is None:
        raise NotVisible("No such site")
    now = timezone.now()
    return {
        "site": site,
        "sites": sites,
        "tz": site.tz,
        "now": now,
        "rows": display.board_rows(board(actor, site.pk, now=now), now),
    }


@login_required
@require_safe
def board_view(request: HttpRequest) -> HttpResponse:
    """Every chair of a site: who is in it, how far along, the next check, open alerts."""
    return render(request, "sessions/board.html", _board_context(request))


@login_required
@require_safe
def board_grid(request: HttpRequest) -> HttpResponse:
    """The board's grid alone, polled by the board page every 5 seconds."""
    return render(request, "sessions/_board_grid.html", _board_context(request))
