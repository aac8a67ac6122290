"""Web benchmark: p50/p95 of the patient search page, the chart page and the patient API read,
next to /healthz on the same server, with 10,000 patients with history in SQLite.

Target (issue: foundation): chart page p95 at most 10x /healthz p95 and under 150 ms.
Writes bench/results/web.json.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import platform
import random
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 20
# Name words (accent-folded), a name and number, an MRN prefix, a date of birth.
SEARCHES = ["müller", "chen", "park 12", "BN00042", "1970-01-01"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def _timed(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    start = time.perf_counter()
    with opener.open(request, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ketacare-bench-web-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
        "KETACARE_VAR_DIR": str(work),
        "DATABASE_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "web_seed.py"), str(PATIENTS)], env=env, check=True
    )
    seed_s = time.perf_counter() - started
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "ketacare.cli",
            "token",
            "create",
            "--user",
            "nurse@demo.ketacare.org",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ketacare.cli", "serve", "--port", str(port), "--workers", "2"],
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
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{base}/accounts/login/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
        assert csrf is not None
        form = urllib.parse.urlencode(
            {
                "email": "nurse@demo.ketacare.org",
                "password": "ketacare-demo",
                "csrfmiddlewaretoken": csrf.group(1),
            }
        ).encode()
        opener.open(
            urllib.request.Request(
                f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
            )
        )
        ids = _patient_ids(work)
        rng = random.Random(7)  # noqa: S311
        plain = urllib.request.build_opener()
        bearer = {"Authorization": f"Bearer {token}"}
        cases = {
            "healthz": lambda: _timed(plain, f"{base}/healthz", {}),
            "patient_search_page": lambda: _timed(
                opener,
                f"{base}/patients/?q={urllib.parse.quote(rng.choice(SEARCHES))}",
                {},
            ),
            "chart_page": lambda: _timed(opener, f"{base}/patients/{rng.choice(ids)}/", {}),
            "patient_api_read": lambda: _timed(
                plain, f"{base}/api/v1/patients/{rng.choice(ids)}", bearer
            ),
        }
        for call in cases.values():
            for _ in range(WARMUP):
                call()
        # Round-robin, so a busy moment on the machine touches every case alike.
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(REQUESTS):
            for name, call in cases.items():
                samples[name].append(call())
        results = {name: _percentiles(values) for name, values in samples.items()}
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    chart, health = results["chart_page"], results["healthz"]
    report = {
        "benchmark": "web",
        "database": "sqlite (WAL, synchronous=FULL)",
        "patients": PATIENTS,
        "requests_per_case": REQUESTS,
        "server": "gunicorn, 2 workers x 4 threads, one client in sequence",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "seed_seconds": round(seed_s, 1),
        "results": results,
        "chart_p95_over_healthz_p95": round(chart["p95_ms"] / health["p95_ms"], 2),
        "targets": {"chart_p95_ms_max": 150, "chart_p95_over_healthz_p95_max": 10},
        "targets_met": chart["p95_ms"] < 150 and chart["p95_ms"] / health["p95_ms"] <= 10,
    }
    out = ROOT / "bench" / "results" / "web.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def _patient_ids(work: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(work / "ketacare.sqlite3") as conn:
        rows = conn.execute("SELECT id FROM patients_patient WHERE mrn LIKE 'BN%'").fetchall()
    # Django stores UUIDs in SQLite as 32 hex digits; URLs use the dashed form.
    return [str(__import__("uuid").UUID(row[0])) for row in rows]


if __name__ == "__main__":
    main()
