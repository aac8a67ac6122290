"""Intake and screening pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.alerts.services import raised_by
from ketacare.lib.errors import FieldErrors
from ketacare.patients import queries as patient_queries
from ketacare.patients.services import clinic_today

from . import services
from .chart import chart_facts
from .forms import IntakeForm
from .models import Intake
from .queries import read_screening, screening_staleness


@login_required
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_queries.patient_for_edit(actor, pk, Perm.INTAKE_RECORD)
    facts = chart_facts(patient, clinic_today(actor))
    initial: dict[str, object] = {"concomitant_drug_classes": facts.ongoing_classes}
    if facts.latest is not None:
        initial.update(weight_kg=facts.latest.weight_kg, height_cm=facts.latest.height_cm)
    if patient.sex_at_birth == "male":
        initial.update(pregnant="no", breastfeeding="no")
    form = IntakeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                outcome = services.intake_submit(
                    actor,
                    patient.pk,
                    fields=form.document_fields(facts.diagnoses, facts.trials),
                    scales=form.scale_answers(),
                    notes=form.cleaned_data["notes"],
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                alerts = raised_by(outcome.responses)
                for alert in alerts:
                    messages.error(request, f"Alert raised to the prescriber: {alert.message}")
                messages.success(request, f"Intake {outcome.intake.number} recorded and screened.")
                return redirect("screening:detail", pk=patient.pk)
    return render(
        request,
        "screening/intake_form.html",
        {
            "form": form,
            "patient": patient,
            "facts": facts,
            "history_fields": [form[name] for name in form.fields if name.startswith("history__")],
        },
        status=status,
    )


@login_required
@require_safe
def screening_detail(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_from_request(request)
    patient, screening = read_screening(actor, pk)
    intakes = Intake.objects.filter(patient=patient).order_by("-number")
    responses = screening.intake.responses.order_by("id") if screening else []
    return render(
        request,
        "screening/detail.html",
        {
            "patient": patient,
            "screening": screening,
            "intakes": intakes,
            "responses": responses,
            "staleness": screening_staleness(screening),
            "can_record": actor.can(Perm.INTAKE_RECORD),
            "can_plan": actor.can(Perm.PLAN_WRITE),
        },
    )
