"""The page form that records a REMS form's submission (the API takes the same fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from .models import RemsForm
from .rems import CONFIRMATION_MAX_LENGTH

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class SubmissionForm(forms.Form):
    method = forms.ChoiceField(
        label="Submitted by", choices=RemsForm.Method.choices, widget=forms.RadioSelect
    )
    submitted_at = forms.CharField(
        label="When",
        help_text="Local time at the site.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    confirmation = forms.CharField(
        label="Confirmation number",
        max_length=CONFIRMATION_MAX_LENGTH,
        help_text="The number the REMS portal showed, or the fax transmission report's.",
    )
    file = forms.FileField(
        label="Confirmation file",
        required=False,
        help_text="Optional: the portal's receipt or the fax report (PDF, PNG or JPEG, 5 MB).",
    )

    def __init__(self, *args: Any, tz_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(tz_name)

    def clean_submitted_at(self) -> datetime:
        text = self.cleaned_data["submitted_at"].strip()
        try:
            naive = datetime.strptime(text, LOCAL_FORMAT)  # noqa: DTZ007 (local to the site)
        except ValueError:
            raise forms.ValidationError("Give the date and time, e.g. 2026-03-03 14:00.") from None
        return naive.replace(tzinfo=self.tz)
