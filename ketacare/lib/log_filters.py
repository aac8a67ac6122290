"""Logging filters for the server log.

Django's ``django.request`` logger attaches the traceback (``exc_info``) to the warning it
writes for a ``PermissionDenied`` (403). A refusal is the application working as designed, so a
stack trace per refused request only buries real errors; one line with the status and the path
is enough (the refusal itself is in the audit log).
"""

from __future__ import annotations

import logging

# Statuses that are answers, not faults: logged without their traceback.
ONE_LINE_STATUSES = frozenset({403, 404})


class OneLineRefusals(logging.Filter):
    """Drop the traceback of a ``django.request`` record for a 403 or 404; keep the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in ONE_LINE_STATUSES:
            record.exc_info = None
            record.exc_text = None
        return True
