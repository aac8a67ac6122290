"""The style guide page (``/dev/style-guide/``): every component of the design system with
realistic sample content, for whoever builds a page. Development only: it answers 404 unless
``settings.DEBUG``, so a production server never shows it. No patient data: all made up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketacare.lib.svgchart import line_chart


class SampleVitalsForm(forms.Form):
    """A form shaped like the chair-side vitals, to show field, help and every error at once."""

    systolic_mmhg = forms.IntegerField(
        label="Systolic blood pressure", min_value=50, max_value=260, help_text="mmHg, 50–260."
    )
    diastolic_mmhg = forms.IntegerField(
        label="Diastolic blood pressure", min_value=30, max_value=160, help_text="mmHg, 30–160."
    )
    position = forms.ChoiceField(
        label="Position", choices=[("", "Choose…"), ("seated", "Seated"), ("supine", "Lying down")]
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    escort_confirmed = forms.BooleanField(label="Escort confirmed for the ride home")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sys_, dia = data.get("systolic_mmhg"), data.get("diastolic_mmhg")
        if isinstance(sys_, int) and isinstance(dia, int) and dia >= sys_:
            raise forms.ValidationError("The diastolic pressure must be below the systolic.")
        return data


SAMPLE_ROWS = [
    {
        "name": "Ðorđević, Zoë",
        "mrn": "KC000001",
        "stage": "In induction",
        "tone": "info",
        "alerts": 1,
    },
    {
        "name": "Okonkwo-Villanueva, Maximiliana",
        "mrn": "KC000014",
        "stage": "Maintenance",
        "tone": "good",
        "alerts": 0,
    },
    {"name": "Lee, Sam", "mrn": "KC000027", "stage": "Screened", "tone": "warn", "alerts": 2},
]


@require_safe
def style_guide(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404("The style guide is served in development only.")
    t = [0, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 180, 240]
    c = [0, 90, 165, 215, 240, 228, 190, 140, 110, 88, 64, 48, 28]
    context = {
        "empty_form": SampleVitalsForm(),
        "bad_form": SampleVitalsForm(
            data={"systolic_mmhg": "300", "diastolic_mmhg": "", "position": "", "note": ""}
        ),
        "clashing_form": SampleVitalsForm(
            data={
                "clash-systolic_mmhg": "110",
                "clash-diastolic_mmhg": "120",
                "clash-position": "seated",
                "clash-escort_confirmed": "on",
            },
            prefix="clash",
        ),
        "rows": SAMPLE_ROWS,
        "chart": line_chart(
            t,
            c,
            x_label="Time from the start of the dose (min)",
            y_label="Plasma concentration (ng/mL)",
            bands=[("analgesia", 70.0, 160.0), ("dissociation", 100.0, 250.0)],
            series_label="Predicted plasma concentration",
        ),
        "tokens": ["ink", "muted", "line", "accent", "good", "warn", "bad", "info", "bg"],
    }
    return render(request, "web/style_guide.html", context)
