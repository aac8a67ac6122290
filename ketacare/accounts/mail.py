"""Emails the accounts send (invitations, password-reset links): rendered from a template and
handed to Django's email backend once the transaction that made the link commits, so a link
never points at a row that was rolled back.

Development prints emails on the console; production sends them over SMTP (``DJANGO_EMAIL_*``,
docs/operations.md). Links are built on ``KETACARE_BASE_URL``, never on the request's Host
header, so a forged Host cannot send a user a link to someone else's server.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.mail.backends import console
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger("ketacare.mail")


class ConsoleBackend(console.EmailBackend):
    """Django's console backend on standard error: the development default, so an email
    never mixes into a command's printed results (``--json``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)


def absolute_url(path: str) -> str:
    """``path`` on the clinic's own address (``KETACARE_BASE_URL``)."""
    return settings.KETACARE_BASE_URL.rstrip("/") + path


def send_after_commit(*, to: str, subject: str, template: str, context: Mapping[str, Any]) -> None:
    """Send the email when the current transaction commits. A failure to send is logged
    (``ketacare.mail``), not raised: what was saved stays saved, and the owner or the user asks
    again for a new link."""
    body = render_to_string(template, dict(context))

    def deliver() -> None:
        send_mail(subject, body, None, [to])

    transaction.on_commit(_logged(deliver, to=to, subject=subject))


def _logged(deliver: Any, *, to: str, subject: str) -> Any:
    def run() -> None:
        try:
            deliver()
        except OSError:
            # smtplib's errors are OSErrors; the address is not logged in full.
            domain = to.rpartition("@")[2]
            logger.exception("could not send %r to an address at %s", subject, domain)

    return run
