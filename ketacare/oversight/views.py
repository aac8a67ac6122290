from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit.actions import ACTIONS
from ketacare.lib.errors import FieldErrors

from .display import event_rows, zone_names
from .queries import OUTCOMES, AuditFilter, audit_report


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


# The registered actions by what they say ("Opened the chart"), not by their codes.
ACTION_CHOICES = [("", "Any action")] + [
    (code, _sentence_case(text)) for code, text in ACTIONS.items()
]
OUTCOME_CHOICES = [("", "Any outcome")] + [
    (code, _sentence_case(text)) for code, text in OUTCOMES.items()
]


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    patient = forms.CharField(required=False, max_length=32, label="Patient MRN")
    user = forms.CharField(required=False, max_length=254, label="User email")
    date_from = forms.DateField(required=False, widget=DateInput, label="From (clinic date)")
    date_to = forms.DateField(required=False, widget=DateInput, label="To (clinic date)")
    action = forms.ChoiceField(required=False, choices=ACTION_CHOICES, label="Action")
    outcome = forms.ChoiceField(required=False, choices=OUTCOME_CHOICES, label="Outcome")
    page = forms.IntegerField(required=False, min_value=1)


@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.AUDIT_READ)
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        try:
            page = audit_report(
                actor,
                AuditFilter(
                    patient=data.get("patient") or "",
                    user=data.get("user") or "",
                    date_from=data.get("date_from"),
                    date_to=data.get("date_to"),
                    action=data.get("action") or "",
                    outcome=data.get("outcome") or "",
                    page=data.get("page") or 1,
                ),
            )
        except FieldErrors as exc:
            for name, message in exc.errors.items():
                form.add_error(name, message)
    tz = actor.membership.clinic.tz  # type: ignore[union-attr]
    rows = event_rows(actor, list(page.object_list), tz) if page is not None else []
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "time_zone": str(tz),
            "zone_names": zone_names(tz, [r.event.occurred_at for r in rows] or [timezone.now()]),
        },
        status=200 if page is not None else 400,
    )
