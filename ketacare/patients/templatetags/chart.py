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


@register.simple_tag(takes_context=True)
def render_panel(context: Any, shown: Any) -> str:
    """One chart panel, rendered with its own context on top of the page's (no second run of
    the context processors)."""
    template = context.template.engine.get_template(shown.panel.template)
    with context.push(panel=shown.panel, **shown.context):
        return str(template.render(context))
