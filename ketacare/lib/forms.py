"""The base of every HTML form, so a page refuses what the API refuses: text with control
characters (and line breaks in one-line fields), and dates outside ``DATE_RANGE``, each with
the field named. Numbers need nothing more: Django's number fields refuse NaN and infinity."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .inputs import date_problem
from .text import text_problem


class _Text:
    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        problem = text_problem(str(value), multiline=self.multiline) if value else None
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".", code="text")


def _date(value: date | None) -> None:
    problem = date_problem(value) if value is not None else None
    if problem:
        raise ValidationError(problem[:1].upper() + problem[1:] + ".", code="date_range")


class Form(forms.Form):
    """A form with the project's text and date rules on every field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(_Text(multiline=isinstance(field.widget, forms.Textarea)))
            elif isinstance(field, forms.DateField):
                field.validators.append(_date)
