"""Helpers of the design system's components (``{% load ui %}``): which header link is the
current page, and a bound form's errors in the order a person reads the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template

register = template.Library()


@register.filter
def is_under(path: str, href: str) -> bool:
    """``request.path|is_under:href``: the page is ``href`` or below it (``/`` only itself)."""
    if not href:
        return False
    if href == "/":
        return path == "/"
    return path == href or path.startswith(href.rstrip("/") + "/")


@dataclass(frozen=True)
class FieldError:
    label: str
    message: str
    field_id: str


@register.simple_tag
def form_error_list(form: object) -> list[FieldError]:
    """Every error of a bound form at once: the form's own (label empty) first, then each
    field's, in field order, named by the field's label (hidden fields by their name)."""
    if not isinstance(form, forms.BaseForm) or not form.is_bound or not form.errors:
        return []
    found = [FieldError("", str(message), "") for message in form.non_field_errors()]
    for bound in form:
        for message in bound.errors:
            name = str(bound.label) if bound.label else bound.name.replace("_", " ").capitalize()
            field_id = "" if bound.is_hidden else bound.id_for_label
            found.append(FieldError(name, str(message), field_id))
    return found


@dataclass(frozen=True)
class FieldAttrs:
    widget: str
    help_id: str
    error_id: str
    describedby: str
    is_check: bool
    is_group: bool


@register.simple_tag
def field_attrs(field: forms.BoundField) -> FieldAttrs:
    """The field's widget rendered with ``aria-describedby`` (its help and its errors) and
    ``aria-invalid`` when it has errors, for ``components/field.html``."""
    base = field.auto_id or f"id_{field.html_name}"
    help_id, error_id = f"{base}-help", f"{base}-errors"
    described = [
        i for i, on in ((help_id, bool(field.help_text)), (error_id, bool(field.errors))) if on
    ]
    widget = field.field.widget
    is_group = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
    attrs: dict[str, Any] = {}
    if described and not is_group:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return FieldAttrs(
        widget=field.as_widget(attrs=attrs),
        help_id=help_id,
        error_id=error_id,
        describedby=" ".join(described),
        is_check=isinstance(widget, forms.CheckboxInput),
        is_group=is_group,
    )
