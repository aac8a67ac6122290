"""Template helpers for the chart page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def age_today(patient: Any) -> int:
    """Age in whole years on today's date in the clinic's time zone."""
    return int(patient.age_on(timezone.localdate()))
