"""Logging filters for the server log.

Django's ``django.request`` logger attaches the traceback (``exc_info``) to the warning it
writes for a ``PermissionDenied`` (403). A refusal is the application working as designed, so a
stack trace per refused request only buries real errors; one line with the status and the path
is enough (the refusal itself is in the audit log).

A calendar feed's URL holds its secret token: ``HideFeedTokens`` keeps it out of every log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

# Statuses that are answers, not faults: logged without their traceback.
ONE_LINE_STATUSES = frozenset({403, 404})


class OneLineRefusals(logging.Filter):
    """Drop the traceback of a ``django.request`` record for a 403 or 404; keep the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in ONE_LINE_STATUSES:
            record.exc_info = None
            record.exc_text = None
        return True


# A private calendar feed's secret token rides in its path (calendar apps cannot send a
# header), so the access log's rule of "the path, never the query string" is not enough there:
# the token is replaced in every logged string.
_FEED_TOKEN = re.compile(r"(/calendar/)[^/\s\"'?#]+(\.ics)")
FEED_TOKEN_SHOWN = r"\1[token]\2"  # noqa: S105 - what replaces a token


def hide_feed_tokens(text: str) -> str:
    """``/calendar/<secret>.ics`` as ``/calendar/[token].ics``."""
    return _FEED_TOKEN.sub(FEED_TOKEN_SHOWN, text)


def _hidden(value: Any) -> Any:
    return hide_feed_tokens(value) if isinstance(value, str) else value


class HideFeedTokens(logging.Filter):
    """Hide calendar feed tokens in a record's message and arguments: Django's request
    warnings (``Not Found: /calendar/...``), the development server's request lines, and the
    access log of ``ketacare serve`` (gunicorn passes its atoms as one mapping, changed in
    place so that its header lookups keep working)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _hidden(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):
            for key, value in list(args.items()):
                args[key] = _hidden(value)
        elif isinstance(args, tuple):
            record.args = tuple(_hidden(arg) for arg in args)
        return True
