"""A real clinic server and real Chromium for browser tests.

The server is the demo itself (``ketacare migrate``, ``seed``, ``serve``) on a scratch database
of the same engine as the rest of the suite. In CI (``CI=true``) a missing Chromium is a failure,
not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scratch_database(tmp: Path) -> tuple[dict[str, str], object]:
    """Environment for a fresh database of the suite's engine, and a function that drops it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {"KETACARE_VAR_DIR": str(tmp), "DATABASE_URL": ""}, lambda: None
    import psycopg

    name = f"ketacare_browser_{uuid.uuid4().hex[:10]}"
    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {
        "KETACARE_VAR_DIR": str(tmp),
        "DATABASE_URL": urlunparse(parts._replace(path=f"/{name}")),
    }, drop


@pytest.fixture(scope="session")
def clinic_server() -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix="ketacare-browser-"))
    db_env, drop = _scratch_database(tmp)
    env = {**os.environ, **db_env, "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base"}
    cli = [sys.executable, "-m", "ketacare.cli"]
    for step in (["migrate"], ["seed"]):
        subprocess.run([*cli, *step], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not start: {(tmp / 'server.log').read_text()}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        drop()  # type: ignore[operator]
        shutil.rmtree(tmp, ignore_errors=True)


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
