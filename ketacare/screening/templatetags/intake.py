"""``{% intake_link patient %}``: the chart's and the screening page's way into an intake, which
resumes the one in progress ("Resume intake (3 of 8 saved)") rather than starting over."""

from __future__ import annotations

from typing import Any

from django import template

from ketacare.patients.models import Patient
from ketacare.screening import drafts

register = template.Library()


@register.inclusion_tag("screening/intake_link.html")
def intake_link(patient: Patient, css: str = "") -> dict[str, Any]:
    draft = drafts.draft_of(patient)
    return {
        "patient": patient,
        "progress": drafts.progress(draft) if draft is not None else None,
        "css": css,
    }
