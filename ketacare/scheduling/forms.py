"""The schedule's forms: which day and site, the booking search and the booking itself, and
the actions on an appointment (check in, no-show, cancel with a reason, reschedule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django import forms

from ketacare.lib.errors import Conflict, FieldErrors, Taken
from ketacare.lib.forms import Form

#: How each field a booking service names reads on a page that has no field of that name.
FIELD_LABELS = {
    "start": "Start",
    "resource": "Chair or room",
    "performer": "Performer",
    "patient": "Patient",
    "prescriber_on_site": "Prescriber on site",
    "status": "Status",
    "ride_home": "Ride home",
    "plan": "Plan",
    "service": "Service",
    "reason": "Reason",
    "site": "Site",
    "from": "From",
    "to": "To",
}
#: Refusals about the record, not a field of the form (a change saved in between).
_NOT_FIELDS = frozenset({"version"})
Choices = Sequence[tuple[Any, str]]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class _TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M", attrs={"step": 900})


def show_refusal(
    form: forms.Form, errors: Mapping[str, str], fields: Mapping[str, str] | None = None
) -> None:
    """A service's refusal on the form: each error on the field it names (``fields`` maps a
    service's name to the form's), else at the top, named by its label."""
    fields = fields or {}
    for name, message in errors.items():
        target = fields.get(name, name)
        if target in form.fields and name not in _NOT_FIELDS:
            form.add_error(target, message)
        elif name in FIELD_LABELS:
            form.add_error(None, f"{FIELD_LABELS[name]}: {message}")
        else:
            form.add_error(None, message[:1].upper() + message[1:])


def refused(form: forms.Form, exc: Exception, fields: Mapping[str, str] | None = None) -> int:
    """Show a service's refusal on ``form``; the status to answer with."""
    if isinstance(exc, Taken):
        show_refusal(form, exc.conflicts, fields)
        return 409
    if isinstance(exc, Conflict):
        show_refusal(form, {exc.field: exc.message}, fields)
        return 409
    assert isinstance(exc, FieldErrors)
    show_refusal(form, exc.errors, fields)
    return 400


class DayForm(Form):
    """Which site and day (or week) the page shows; both default (the first site, today)."""

    site = forms.IntegerField(required=False, min_value=1, label="Site")
    date = forms.DateField(required=False, label="Date", widget=_DateInput())


class VersionForm(Form):
    """Check-in and no-show: the version the page showed, so a change in between is seen."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CancelForm(VersionForm):
    reason = forms.CharField(
        label="Why it is cancelled",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: the patient called, unwell; rebooked for next week.",
    )


def _any(choices: Choices, words: str) -> list[tuple[Any, str]]:
    return [("", words), *choices]


class RescheduleForm(VersionForm):
    start_date = forms.DateField(label="New date", widget=_DateInput())
    start_time = forms.TimeField(label="New start time", widget=_TimeInput())
    resource = forms.TypedChoiceField(
        label="Chair or room", required=False, coerce=int, empty_value=None
    )
    performer = forms.TypedChoiceField(
        label="Performer", required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, resources: Choices = (), performers: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("resource", _any(resources, "Any free chair or room"))
        self._choices("performer", _any(performers, "Anyone free who performs it"))

    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class BookSearchForm(Form):
    """The booking page's search: a patient (by name, or the chart's link), a service and
    the days to search."""

    q = forms.CharField(label="Find the patient", required=False, max_length=200)
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    service = forms.TypedChoiceField(label="Service", required=False, coerce=int)
    first_day = forms.DateField(label="From", required=False, widget=_DateInput())
    last_day = forms.DateField(label="To", required=False, widget=_DateInput())
    site = forms.TypedChoiceField(label="Site", required=False, coerce=int, empty_value=None)
    plan = forms.TypedChoiceField(label="On the plan", required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        services: Choices = (),
        sites: Choices = (),
        plans: Choices = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("service", _any(services, "Choose a service")),
            ("site", _any(sites, "Every site")),
            ("plan", _any(plans, "Not on a plan")),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", f"must not be before the first day ({first:%Y-%m-%d})")
        return data


class BookForm(Form):
    """Book one of the free slots the page lists (its hidden fields)."""

    patient = forms.UUIDField(widget=forms.HiddenInput, label="Patient")
    service = forms.IntegerField(widget=forms.HiddenInput, label="Service")
    start = forms.CharField(widget=forms.HiddenInput, label="Start")
    resource = forms.IntegerField(widget=forms.HiddenInput, label="Chair or room", required=False)
    performer = forms.IntegerField(widget=forms.HiddenInput, label="Performer", required=False)
    plan = forms.IntegerField(widget=forms.HiddenInput, label="Plan", required=False)

    def clean_start(self) -> datetime:
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError(
                "must be a date and time with its UTC offset (ISO 8601)"
            ) from None
        if start.tzinfo is None:
            raise forms.ValidationError("must carry its UTC offset (ISO 8601)")
        return start


class WalkInForm(Form):
    """A walk-in: the patient is here, the appointment starts now."""

    walk_in = forms.BooleanField(widget=forms.HiddenInput)
    patient = forms.UUIDField(widget=forms.HiddenInput, label="Patient")
    service = forms.IntegerField(widget=forms.HiddenInput, label="Service")
    plan = forms.IntegerField(widget=forms.HiddenInput, label="Plan", required=False)
    resource = forms.TypedChoiceField(
        label="Chair or room", required=False, coerce=int, empty_value=None
    )
    performer = forms.TypedChoiceField(
        label="Performer", required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(label="Note", required=False, max_length=300)

    def __init__(
        self, *args: Any, resources: Choices = (), performers: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("resource", _any(resources, "Any free chair or room")),
            ("performer", _any(performers, "Anyone free who performs it")),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
