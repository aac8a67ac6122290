"""Display helpers shared by every page."""

from __future__ import annotations

from django import template

from ketacare.clinical.labels import label as vocabulary_label

register = template.Library()


@register.filter
def label(value: str, vocabulary: str) -> str:
    """``{{ code|label:"decision" }}``: the human label of a clinical-core code."""
    return vocabulary_label(vocabulary, value)


@register.filter
def integrative_label(value: str) -> str:
    return vocabulary_label("care_item", value)


@register.filter
def option_label(value: str) -> str:
    return vocabulary_label("option", value)


@register.filter
def decision_label(value: str) -> str:
    return vocabulary_label("decision", value)
