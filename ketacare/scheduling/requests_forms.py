"""The queue's forms: close a request with a note, and book its consultation for an existing
patient or one registered on the spot. They parse; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.lib.forms import Form
from ketacare.patients.models import Patient, SexAtBirth

from .models import Resource, Service
from .requests import NOTE_MAX

ANOTHER = "mrn"
NEW = "new"
ANY_ROOM = ""


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class CloseForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The rules (a note is needed, at most NOTE_MAX characters) are the service's.
    note = forms.CharField(
        label="Why it is closed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX}),
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def patient_choice_label(patient: Patient) -> str:
    return f"{patient.display_name}, MRN {patient.mrn}, born {patient.date_of_birth:%Y-%m-%d}"


class BookForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    patient = forms.ChoiceField(label="Patient", widget=forms.RadioSelect)
    mrn = forms.CharField(
        label="MRN", required=False, max_length=32, help_text="Of the patient, if not listed."
    )
    given_name = forms.CharField(label="Given name", required=False, max_length=100)
    family_name = forms.CharField(label="Family name", required=False, max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput)
    sex_at_birth = forms.ChoiceField(
        label="Sex at birth", required=False, choices=[("", "—"), *SexAtBirth.choices]
    )
    email = forms.CharField(label="Email", required=False, max_length=254)
    phone = forms.CharField(label="Phone", required=False, max_length=32)
    confirm_new_person = forms.BooleanField(
        label="This is another person with the same names and date of birth", required=False
    )
    reason = forms.CharField(
        label="How you know it is another person", required=False, max_length=500
    )
    service = forms.ChoiceField(label="Service")
    room = forms.ChoiceField(label="Room", required=False)
    day = forms.DateField(label="Date", widget=DateInput)
    start_time = forms.TimeField(label="Start", widget=TimeInput, help_text="Local time.")

    NEW_PATIENT_FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "sex_at_birth",
        "email",
        "phone",
    )

    def __init__(
        self,
        *args: Any,
        suggestions: list[Patient],
        services: list[Service],
        rooms: list[Resource],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choice("patient").choices = [
            *((str(p.pk), patient_choice_label(p)) for p in suggestions),
            (ANOTHER, "Another patient: enter the MRN"),
            (NEW, "Register a new patient"),
        ]
        self._choice("service").choices = [(str(s.pk), s.name) for s in services]
        self._choice("room").choices = [
            (ANY_ROOM, "The first free room"),
            *((str(r.pk), f"{r.site.name}: {r.name}") for r in rooms),
        ]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def new_patient(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.NEW_PATIENT_FIELDS}
        return {k: v for k, v in data.items() if v not in (None, "")}
