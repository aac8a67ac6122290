"""Helpers for tests of emailed links: send through the real pages and services, read the link
from the email (Django's locmem outbox), open it as a browser does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core import mail
from django.test import Client, TestCase

from ketacare.accounts import invitations
from ketacare.accounts.actor import system_actor

LINK = re.compile(r"^http://127\.0\.0\.1:8000/\S+$", re.MULTILINE)


def sent(action: Callable[[], Any]) -> Any:
    """Run ``action`` and the emails its transaction queued for after the commit (the test's
    own transaction never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action()


def last_link() -> str:
    """The link in the newest email."""
    links = LINK.findall(mail.outbox[-1].body)
    assert len(links) == 1, mail.outbox[-1].body
    return str(links[0])


def path_and_query(link: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(link)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def token_of(link: str) -> str:
    return path_and_query(link)[1]["token"]


def invite(clinic_slug: str, email: str, role: str) -> tuple[Any, str]:
    """An invitation from the command line, and the link its email carries."""
    invitation = sent(
        lambda: invitations.invite_from_command_line(
            system_actor("tests"), clinic_slug=clinic_slug, email=email, role=role
        )
    )
    return invitation, last_link()


def open_link(client: Client, link: str) -> Any:
    """Open an emailed link: the page keeps its token in the session and redirects."""
    path, query = path_and_query(link)
    response = client.get(path, query)
    assert (response.status_code, response["Location"]) == (302, path)
    return client.get(path)
