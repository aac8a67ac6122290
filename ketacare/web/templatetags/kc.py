"""Display helpers shared by every page."""

from __future__ import annotations

from django import template

from ketacare.clinical.vocabulary import CARE_ITEM_KINDS

register = template.Library()

OPTION_LABELS = {
    "ketamine_iv": "Ketamine IV infusion",
    "ketamine_im": "Ketamine IM injection",
    "ketamine_intranasal": "Racemic ketamine nasal spray",
    "ketamine_sublingual_home": "Sublingual ketamine at home",
    "esketamine_nasal": "Esketamine (Spravato) nasal spray",
}
DECISION_LABELS = {
    "eligible": "Eligible",
    "needs_prescriber_review": "Needs prescriber review",
    "not_eligible": "Not eligible",
    "not_screened": "Not screened",
}


@register.filter
def integrative_label(value: str) -> str:
    return CARE_ITEM_KINDS.get(value, value)


@register.filter
def option_label(value: str) -> str:
    return OPTION_LABELS.get(value, value.replace("_", " "))


@register.filter
def decision_label(value: str) -> str:
    return DECISION_LABELS.get(value, value.replace("_", " "))
