"""Template helpers to show a chart row's fields generically (choices by their labels)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.db import models

register = template.Library()


@register.simple_tag
def cell(row: models.Model, name: str) -> str:
    field = row._meta.get_field(name)
    value = getattr(row, name)
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return str(getattr(row, f"get_{name}_display")())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@register.simple_tag
def label(model_row: Any, name: str) -> str:
    text = str(model_row._meta.get_field(name).verbose_name)
    return text[:1].upper() + text[1:]


@register.simple_tag
def age_today(patient: Any) -> int:
    from django.utils import timezone

    return int(patient.age_on(timezone.localdate()))
