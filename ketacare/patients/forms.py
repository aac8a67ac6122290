"""HTML forms. They parse and render; the rules live in ``patients.validation``."""

from __future__ import annotations

from functools import cache

from django import forms

from ketacare.lib.forms import Form

from .models import Patient
from .parts import PARTS
from .queries import SORTS, STATUSES
from .services import PATIENT_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


def _form_class(model: type, fields: tuple[str, ...], name: str) -> type[forms.Form]:
    """A plain form with the model's field types, labels and choices (no model validation)."""
    declared = forms.fields_for_model(
        model, fields=list(fields), widgets={f: DateInput() for f in fields if _is_date(model, f)}
    )
    return type(name, (Form,), dict(declared))


def _is_date(model: type, name: str) -> bool:
    from django.db import models

    return isinstance(model._meta.get_field(name), models.DateField)  # type: ignore[attr-defined]


@cache
def patient_form_class() -> type[forms.Form]:
    form_class = _form_class(Patient, PATIENT_FIELDS, "PatientForm")
    mrn = form_class.base_fields["mrn"]
    mrn.required = False
    mrn.help_text = "Leave blank to assign the next free number."
    return form_class


@cache
def part_form_class(key: str) -> type[forms.Form]:
    spec = PARTS[key]
    form_class = _form_class(spec.model, spec.fields, f"{spec.model.__name__}Form")
    if key == "trials":
        from ketacare.clinical.codes import DRUG_CLASSES, TRIAL_DRUG_CLASSES

        # The classes a medication trial may name, as a list to pick from, not free text.
        labels = sorted((DRUG_CLASSES[k].label, k) for k in TRIAL_DRUG_CLASSES)
        form_class.base_fields["drug_class"] = forms.ChoiceField(
            label="Drug class", choices=[("", "—"), *((k, label) for label, k in labels)]
        )
    return form_class


class ConfirmNewPersonForm(Form):
    """Shown when registration finds a patient with the same names and date of birth."""

    confirm_new_person = forms.BooleanField(
        required=False, label="This is a different person: register a new record"
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why this is a different person",
        help_text="For example: a twin, or a namesake with the same birthday (it goes into the "
        "audit log).",
    )


class StatusForm(Form):
    """Make a record inactive (with the reason) or active again."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason",
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for the change (optional)",
    )


class SearchForm(Form):
    q = forms.CharField(required=False, max_length=200, label="Name, MRN, phone or date of birth")
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    status = forms.ChoiceField(required=False, choices=[(s, s.title()) for s in STATUSES])
    page = forms.IntegerField(required=False, min_value=1)
