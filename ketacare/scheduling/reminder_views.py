"""The owner's reminders page: when the email reminders go out, each turned on or off."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import FieldErrors
from ketacare.lib.forms import Form

from . import reminders
from .models import ReminderRule


class ReminderForm(Form):
    hours_before = forms.IntegerField(
        label="Hours before the appointment", min_value=1, max_value=reminders.MAX_HOURS_BEFORE
    )
    active = forms.BooleanField(label="Send this reminder", required=False)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_rules(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.SCHEDULE_MANAGE)
    assert actor.membership is not None
    form = ReminderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = reminders.reminder_rule_set(
                actor, form.cleaned_data["hours_before"], active=form.cleaned_data["active"]
            )
        except FieldErrors as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            state = "on" if rule.is_active else "off"
            messages.success(request, f"The reminder {rule.hours_before} h before is {state}.")
            return redirect("calendar_setup:reminders")
    rules = ReminderRule.objects.filter(clinic_id=actor.membership.clinic_id).order_by(
        "-hours_before"
    )
    status = 422 if request.method == "POST" else 200
    return render(
        request, "scheduling/setup/reminders.html", {"rules": rules, "form": form}, status=status
    )
