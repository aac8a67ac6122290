"""A calendar feed's token rides in its path; no log line ever holds it: Django's request
warnings, the development server's lines and the access log of ``ketacare serve`` show
``/calendar/[token].ics`` (tests/test_serve_access_log.py runs the real server)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from gunicorn.glogging import SafeAtoms

from ketacare.cli.server import ACCESS_LOG_FORMAT
from ketacare.lib.log_filters import HideFeedTokens, hide_feed_tokens
from tests.conftest import Cast

SECRET = "Zx9_secret-Token0123456789abcdefghijklmnopq"


def test_an_unknown_feed_is_logged_without_its_token(
    cast: Cast, as_role: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_role("anonymous").get(f"/calendar/{SECRET}.ics")
    assert response.status_code == 404
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [
        "Not Found: /calendar/[token].ics"
    ]
    assert SECRET not in caplog.text


def test_the_access_log_line_keeps_everything_but_the_token() -> None:
    atoms = SafeAtoms(
        {
            "h": "127.0.0.1",
            "l": "-",
            "u": "-",
            "t": "[03/Dec/2026:12:00:00 +0000]",
            "m": "GET",
            "U": f"/calendar/{SECRET}.ics",
            "H": "HTTP/1.1",
            "s": "200",
            "b": "512",
            "a": "Calendar/1.0",
            "r": f"GET /calendar/{SECRET}.ics HTTP/1.1",
            "{x-request-id}o": "req-1",
        }
    )
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, ACCESS_LOG_FORMAT, (atoms,), None
    )
    assert HideFeedTokens().filter(record) is True
    assert record.getMessage() == (
        '127.0.0.1 - - [03/Dec/2026:12:00:00 +0000] "GET /calendar/[token].ics HTTP/1.1" 200 '
        '512 "Calendar/1.0" req-1'
    )
    assert atoms["r"] == "GET /calendar/[token].ics HTTP/1.1"


def test_the_loggers_that_write_paths_have_the_filter() -> None:
    for name in ("django.request", "django.server", "gunicorn.access"):
        filters = logging.getLogger(name).filters
        assert any(isinstance(f, HideFeedTokens) for f in filters), name


def test_only_feed_paths_change() -> None:
    assert (
        hide_feed_tokens(f'"GET /calendar/{SECRET}.ics?x=1"') == '"GET /calendar/[token].ics?x=1"'
    )
    assert hide_feed_tokens("/calendar/mine/") == "/calendar/mine/"
    assert hide_feed_tokens("/patients/?q=Dawson") == "/patients/?q=Dawson"
