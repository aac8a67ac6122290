"""What the web benchmarks share: a served clinic on a scratch database, and percentiles."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "ketacare.cli"]
DEMO_PASSWORD = "ketacare-demo"  # noqa: S105 - the demo seed's published password


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    base: str
    env: dict[str, str]
    work: Path

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*CLI, *args], env=self.env, check=True, capture_output=True, text=True
        )
        return done.stdout


@contextmanager
def scratch_env() -> Iterator[tuple[dict[str, str], Path]]:
    """Settings for a SQLite database in a new temporary directory, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="ketacare-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
        "KETACARE_VAR_DIR": str(work),
        "DATABASE_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    try:
        yield env, work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def serve(
    env: dict[str, str], work: Path, *, workers: int = 2, cwd: Path | None = None
) -> Iterator[Served]:
    """``ketacare serve`` on the prepared database until the block ends."""
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        yield Served(base, env, work)
    finally:
        server.terminate()
        server.wait(timeout=20)


def timed(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str]) -> float:
    """Milliseconds to fetch ``url`` (a 200), body read."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    start = time.perf_counter()
    with opener.open(request, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - start) * 1000


def login(base: str, email: str, password: str = DEMO_PASSWORD) -> urllib.request.OpenerDirector:
    """A browser-like client logged in to the served clinic (session cookie, CSRF)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "csrfmiddlewaretoken": csrf.group(1)}
    ).encode()
    opener.open(
        urllib.request.Request(  # noqa: S310
            f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
        )
    )
    return opener


def seeded_patient_ids(work: Path) -> list[str]:
    """The ids of the patients ``bench/web_seed.py`` wrote (MRNs BN...), as URLs spell them."""
    import sqlite3

    with sqlite3.connect(work / "ketacare.sqlite3") as conn:
        rows = conn.execute("SELECT id FROM patients_patient WHERE mrn LIKE 'BN%'").fetchall()
    # Django stores UUIDs in SQLite as 32 hex digits; URLs use the dashed form.
    return [str(uuid.UUID(row[0])) for row in rows]
