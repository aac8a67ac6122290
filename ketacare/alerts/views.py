from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors

from . import services


@dataclass(frozen=True)
class Refused:
    """An acknowledgement that was refused: shown on the alert it concerns, with the note as
    typed, instead of at the top of the page."""

    alert_id: int
    errors: dict[str, str]
    note: str


def _list_page(
    request: HttpRequest, *, status: int = 200, refused: Refused | None = None
) -> HttpResponse:
    actor = actor_from_request(request)
    alerts = list(services.open_alerts(actor))
    history = services.acknowledged_alerts(actor)
    with transaction.atomic():
        audit.record(
            actor,
            "alert.read",
            data={
                "open": len(alerts),
                "acknowledged_shown": len(history),
                "patients": sorted(
                    {str(a.patient_id) for a in [*alerts, *history] if a.patient_id}
                ),
            },
        )
    return render(
        request,
        "alerts/list.html",
        {
            "alerts": alerts,
            "history": history,
            "refused": refused,
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
    note = request.POST.get("note", "")
    try:
        services.alert_acknowledge(actor, pk, note=note)
    except FieldErrors as exc:
        return _list_page(request, status=400, refused=Refused(pk, dict(exc.errors), note))
    messages.success(request, "Alert acknowledged.")
    return redirect("alerts:list")
