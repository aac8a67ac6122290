"""How a chart row's fields read on the page: choices by their labels, dates as ISO dates,
booleans as Yes/No, empty as a dash. Done in Python once per row rather than per template tag,
because the chart is the most read page of the system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import models

from ketacare.clinical.labels import label

#: Fields that hold a code of the clinical core, by the vocabulary that names it for people.
CODED_FIELDS = {"drug_class": "drug_class"}


def header(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    text = str(getattr(field, "verbose_name", name))
    return text[:1].upper() + text[1:]


def cell(row: models.Model, name: str) -> str:
    field = row._meta.get_field(name)
    value = getattr(row, name)
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return str(getattr(row, f"get_{name}_display")())
    if name in CODED_FIELDS:
        return label(CODED_FIELDS[name], str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Any]
) -> tuple[list[str], list[tuple[Any, list[str]]]]:
    """Column headers, and each row with its cells."""
    return [header(model, n) for n in names], [(row, [cell(row, n) for n in names]) for row in rows]
