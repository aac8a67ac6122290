"""What the web benchmarks share: a served clinic on a scratch database, and percentiles."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "ketacare.cli"]


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
def serve(env: dict[str, str], work: Path, *, workers: int = 2) -> Iterator[Served]:
    """``ketacare serve`` on the prepared database until the block ends."""
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
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
