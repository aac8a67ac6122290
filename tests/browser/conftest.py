"""A real clinic server (``tests.live``: the demo on a scratch database of the suite's engine)
and real Chromium for browser tests. In CI (``CI=true``) a missing Chromium is a failure, not a
skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests import live

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI,
    reason="Debian chromium is not installed (apt-get install chromium)",
)


@pytest.fixture(scope="session")
def clinic_server() -> Iterator[str]:
    with live.clinic_server() as clinic:
        yield clinic.url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail(
            "CI=true but Debian chromium is not installed: a browser test must not skip in CI"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
