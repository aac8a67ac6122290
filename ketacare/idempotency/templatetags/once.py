"""``{% once_token %}``: the hidden one-time token that makes a double-submitted form write
once (see ``ketacare.idempotency.middleware``)."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ketacare.idempotency.middleware import ONCE_FIELD

register = template.Library()


@register.simple_tag
def once_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', ONCE_FIELD, uuid.uuid4())
