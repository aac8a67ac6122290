from __future__ import annotations

from typing import Any

from django import forms

from ketacare.lib.forms import Form

from .services import INTEGRATIVE_KINDS

ITEM_ROWS = 4


class PlanForm(Form):
    protocol = forms.ChoiceField(widget=forms.RadioSelect)
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        required=False,
        max_digits=8,
        decimal_places=2,
        help_text="Leave blank for the protocol's standard dose for this patient.",
    )
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)",
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text="Of the solution drawn up: gives the volume and the pump rate in mL/h.",
    )
    override_reason = forms.CharField(
        label="Override reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a protocol the screening does not open.",
    )
    course_note = forms.CharField(
        label="Course note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, protocol_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol = self.fields["protocol"]
        assert isinstance(protocol, forms.ChoiceField)
        protocol.choices = protocol_choices
        for n in range(ITEM_ROWS):
            self.fields[f"item_{n}_kind"] = forms.ChoiceField(
                label="Integrative care",
                required=False,
                choices=[("", "—"), *INTEGRATIVE_KINDS.items()],
            )
            self.fields[f"item_{n}_description"] = forms.CharField(
                label="What", required=False, max_length=300
            )
            self.fields[f"item_{n}_frequency"] = forms.CharField(
                label="How often", required=False, max_length=100
            )

    def item_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"item_{n}_{part}"] for part in ("kind", "description", "frequency")]
            for n in range(ITEM_ROWS)
        ]

    def integrative_items(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {
                "kind": data[f"item_{n}_kind"],
                "description": data[f"item_{n}_description"],
                "frequency": data[f"item_{n}_frequency"],
            }
            for n in range(ITEM_ROWS)
            if data.get(f"item_{n}_kind") or data.get(f"item_{n}_description")
        ]


class AdjustForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    dose_mg = forms.DecimalField(label="Dose (mg)", max_digits=8, decimal_places=2)
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", required=False, max_digits=6, decimal_places=2
    )


class ReviseForm(Form):
    reason = forms.CharField(
        label="Why the plan changes", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignForm(Form):
    """The confirmation step of signing: the plan version shown, and an explicit yes."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label="Confirm",
        widget=forms.HiddenInput,
        error_messages={
            "required": "sign from the confirmation page, which shows what you approve"
        },
    )
