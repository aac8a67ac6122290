"""A real clinic server for tests that need one: the demo itself (``ketacare migrate``,
``seed``, ``serve``) on a scratch database of the suite's engine (SQLite in a temporary
directory, or a new PostgreSQL database beside the suite's own), removed afterwards."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

CLI = [sys.executable, "-m", "ketacare.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scratch_database(tmp: Path) -> tuple[dict[str, str], Callable[[], None]]:
    """Environment for a fresh database of the suite's engine, and a function that drops it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {"KETACARE_VAR_DIR": str(tmp), "DATABASE_URL": ""}, lambda: None
    import psycopg

    name = f"ketacare_live_{uuid.uuid4().hex[:10]}"
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


@dataclass(frozen=True)
class LiveClinic:
    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str) -> str:
        """Run a ``ketacare`` command against the server's database; its standard output."""
        done = subprocess.run(
            [*CLI, *args], env=self.env, check=True, capture_output=True, text=True, timeout=300
        )
        return done.stdout

    def token(self, email: str) -> str:
        return self.cli("token", "create", "--user", email).strip()

    def logins(self) -> dict[str, str]:
        """The demo logins by role (``ketacare seed --json``)."""
        seeded = json.loads(self.cli("seed", "--json"))
        return {role: email for email, role in reversed(seeded["logins"])}


@contextmanager
def clinic_server(*, workers: int = 1, threads: int = 4, **env: str) -> Iterator[LiveClinic]:
    """Serve the seeded demo clinic; ``env`` adds settings for the server."""
    tmp = Path(tempfile.mkdtemp(prefix="ketacare-live-"))
    db_env, drop = scratch_database(tmp)
    full_env = {
        **os.environ,
        **db_env,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
        **env,
    }
    for step in (["migrate"], ["seed"]):
        subprocess.run([*CLI, *step], env=full_env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log_path = tmp / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, log_path)
        yield LiveClinic(base, full_env, log_path)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_until_healthy(base: str, log: Path) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start: {log.read_text()}")


def api(
    clinic: LiveClinic, method: str, path: str, token: str, body: Any = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """One API call: status, headers and the decoded JSON body (None if empty)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{clinic.url}{path}",
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            **({"Content-Type": "application/json"} if data is not None else {}),
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None
