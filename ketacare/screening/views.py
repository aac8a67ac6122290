"""Intake and screening pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm

from .models import Intake
from .queries import read_screening, screening_staleness


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
