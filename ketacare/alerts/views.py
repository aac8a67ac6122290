from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors
from ketacare.lib.forms import Form

from . import services


class AcknowledgeForm(Form):
    note = forms.CharField(
        label="What was done", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _list_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    actor = actor_from_request(request)
    alerts = list(services.open_alerts(actor))
    with transaction.atomic():
        audit.record(
            actor,
            "alert.read",
            data={
                "open": len(alerts),
                "patients": sorted({str(a.patient_id) for a in alerts if a.patient_id}),
            },
        )
    return render(
        request,
        "alerts/list.html",
        {
            "alerts": alerts,
            "error": error,
            "ackable": {a.pk for a in alerts if actor.can(services.acknowledge_perm(a))},
        },
        status=status,
    )


@login_required
@require_safe
def alert_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = AcknowledgeForm(request.POST)
    try:
        services.alert_acknowledge(actor, pk, note=form.data.get("note", ""))
    except FieldErrors as exc:
        return _list_page(request, status=400, error="; ".join(exc.errors.values()))
    messages.success(request, "Alert acknowledged.")
    return redirect("alerts:list")
