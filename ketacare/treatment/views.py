"""Treatment-plan pages: choose a protocol, see the dose and its curve, adjust, sign, revise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.clinical import get_protocol
from ketacare.clinical.labels import label
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.lib.svgchart import line_chart
from ketacare.patients import queries as patient_queries
from ketacare.patients.rules import years_between
from ketacare.patients.services import clinic_today
from ketacare.screening.queries import latest_screening, screening_staleness

from . import display, queries, services
from .choices import protocol_choices
from .forms import AdjustForm, PlanForm, ReviseForm, SignForm
from .models import TreatmentPlan


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_queries.patient_for_edit(actor, pk, Perm.PLAN_WRITE)
    screening = latest_screening(patient)
    choices = protocol_choices(screening, years_between(patient.date_of_birth, clinic_today(actor)))
    form = PlanForm(
        request.POST or None, protocol_choices=[(c.protocol.id, c.protocol.title) for c in choices]
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.plan_create(
                    actor,
                    patient.pk,
                    protocol_id=data["protocol"],
                    dose_mg=_float(data["dose_mg"]),
                    concentration_mg_per_ml=_float(data["concentration_mg_per_ml"]),
                    override_reason=data["override_reason"],
                    course_note=data["course_note"],
                    integrative_items=form.integrative_items(),
                )
            except FieldErrors as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(
                    request, "Draft plan created: check the dose and the curve, then sign."
                )
                return redirect(plan)
    return render(
        request,
        "treatment/plan_new.html",
        {
            "form": form,
            "patient": patient,
            "screening": screening,
            "staleness": screening_staleness(screening),
            "choices": choices,
        },
        status=status,
    )


def _adjust_form(plan: TreatmentPlan) -> AdjustForm:
    return AdjustForm(
        initial={
            "version": plan.version,
            "dose_mg": plan.dose_mg,
            "concentration_mg_per_ml": plan.dose.get("concentration_mg_per_ml"),
        }
    )


def _refused_adjust(plan: TreatmentPlan, errors: dict[str, str]) -> AdjustForm:
    """The adjust form after a refusal: the stored dose (not the refused one) with the
    errors, each naming its field and the allowed range."""
    concentration = plan.dose.get("concentration_mg_per_ml")
    form = AdjustForm(
        {
            "version": plan.version,
            "dose_mg": plan.dose_mg,
            "concentration_mg_per_ml": "" if concentration is None else concentration,
        }
    )
    form.is_valid()
    for name, message in errors.items():
        field = name if name in form.fields else None
        shown = form.fields[name].label if field else name.replace("_", " ")
        form.add_error(
            field,
            f"{message} (refused; the stored value is kept)" if field else f"{shown}: {message}",
        )
    return form


def _plan_page(
    request: HttpRequest,
    actor: Actor,
    plan: TreatmentPlan,
    *,
    status: int = 200,
    adjust: AdjustForm | None = None,
    revise: ReviseForm | None = None,
    error: str = "",
) -> HttpResponse:
    curve = plan.curve
    versions = queries.plan_versions(plan)
    warnings, unconfirmed = display.curve_notes(curve.get("warnings", []))
    revision = next((p for p in versions if p.previous_id == plan.pk), None)
    context: dict[str, Any] = {
        "plan": plan,
        "patient": plan.patient,
        "error": error,
        "protocol": get_protocol(plan.protocol_id),
        "chart": line_chart(
            curve["t_min"],
            curve["conc_ng_per_ml"],
            x_label="Time from the start of the dose (min)",
            y_label="Plasma concentration (ng/mL)",
            bands=[
                (label("band", b["name"]), b["low_ng_per_ml"], b["high_ng_per_ml"])
                for b in curve["bands"]
            ],
        ),
        "curve_warnings": warnings,
        "curve_unconfirmed": unconfirmed,
        "course_rows": display.course_rows(plan.course),
        "versions": display.version_rows(versions, plan),
        "revision": revision,
        "staleness": screening_staleness(plan.screening),
        "adjust": adjust or _adjust_form(plan),
        "revise": revise or ReviseForm(),
        "can_write": actor.can(Perm.PLAN_WRITE),
        "can_sign": actor.can(Perm.PLAN_SIGN),
    }
    if plan.drug == "esketamine":
        context["prior_auth"] = queries.prior_auth_for(plan.patient, clinic_today(actor))
    return render(request, "treatment/plan.html", context, status=status)


@login_required
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _plan_page(request, actor, queries.read_plan(actor, pk))


@login_required
@require_POST
def plan_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.plan_update(
                actor,
                pk,
                expected_version=form.cleaned_data["version"],
                dose_mg=float(form.cleaned_data["dose_mg"]),
                concentration_mg_per_ml=_float(form.cleaned_data["concentration_mg_per_ml"]),
            )
        except FieldErrors as exc:
            plan = queries.read_plan(actor, pk)
            return _plan_page(
                request, actor, plan, status=400, adjust=_refused_adjust(plan, exc.errors)
            )
        except Conflict as exc:
            return _plan_page(
                request, actor, queries.read_plan(actor, pk), status=409, error=exc.message
            )
        messages.success(request, "Dose changed; the curve is recalculated.")
        return redirect("treatment:plan", pk=pk)
    return _plan_page(request, actor, queries.read_plan(actor, pk), status=400, adjust=form)


def _sign_page(
    request: HttpRequest, plan: TreatmentPlan, form: SignForm, *, status: int = 200, error: str = ""
) -> HttpResponse:
    return render(
        request,
        "treatment/plan_sign.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "form": form,
            "error": error,
            "dose_line": display.dose_line(plan),
            "staleness": screening_staleness(plan.screening),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what signing approves, with [Sign] and [Cancel]; POST signs only with the
    confirmation field of that page and the version it showed."""
    actor = actor_from_request(request)
    if request.method == "GET":
        return _sign_page(request, queries.read_plan(actor, pk, Perm.PLAN_SIGN), SignForm())
    form = SignForm(request.POST)
    confirmed = form.is_valid()
    try:
        services.plan_sign(
            actor,
            pk,
            expected_version=form.cleaned_data["version"] if confirmed else None,
            confirmed=confirmed,
        )
    except FieldErrors:
        return _sign_page(request, queries.read_plan(actor, pk, Perm.PLAN_SIGN), form, status=400)
    except Conflict as exc:
        plan = queries.read_plan(actor, pk, Perm.PLAN_SIGN)
        return _sign_page(request, plan, SignForm(), status=409, error=exc.message)
    messages.success(request, "Plan signed. It is now locked; changes make a new version.")
    return redirect("treatment:plan", pk=pk)


@login_required
@require_POST
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = ReviseForm(request.POST)
    if form.is_valid():
        try:
            draft = services.plan_revise(actor, pk, reason=form.cleaned_data["reason"])
        except Conflict as exc:
            return _plan_page(
                request, actor, queries.read_plan(actor, pk), status=409, error=exc.message
            )
        messages.success(request, f"Version {draft.plan_version} drafted from the signed plan.")
        return redirect(draft)
    return _plan_page(request, actor, queries.read_plan(actor, pk), status=400, revise=form)
