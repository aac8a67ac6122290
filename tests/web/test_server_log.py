"""The server log: a refused request is one line with its path, not a traceback."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest

from ketacare.lib.log_filters import OneLineRefusals
from tests.conftest import Cast


def _request_records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, Any, Any]]:
    return [
        (r.levelname, r.getMessage(), r.exc_info, r.exc_text)
        for r in caplog.records
        if r.name == "django.request"
    ]


def test_a_403_page_is_logged_as_one_line_with_its_path(
    cast: Cast, as_role: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/patients/{cast.dan.pk}/edit/"
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = as_role("patient").get(path)
    assert response.status_code == 403
    assert _request_records(caplog) == [("WARNING", f"Forbidden: {path}", None, None)]
    assert "Traceback" not in caplog.text


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
    record.status_code = status_code
    return record


def test_the_filter_keeps_the_traceback_of_a_server_error() -> None:
    record = _record(500)
    assert OneLineRefusals().filter(record) is True
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
