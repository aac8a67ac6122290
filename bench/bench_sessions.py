"""Sessions benchmark: the chair page and the chair board with 8 active chairs, a vitals POST
with its safety evaluation, the safety read, and the curve endpoint after 10 rate changes,
beside /healthz measured the same way in the same run (SQLite, served by gunicorn).

The morning (``bench/sessions_seed.py``): 8 chairs, each with an IV infusion started 50
minutes ago and charted every 5 minutes; the first with 10 rate changes. One client in
sequence, round-robin over the cases so a busy moment of the machine touches each alike; the
chair page cycles through the 8 sessions. p50/p95 of each; writes
bench/results/bench_sessions.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from server import ROOT, Served, login, percentiles, scratch_env, serve, timed

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
WARMUP = 10
VITALS = {"systolic": 124, "diastolic": 80, "heart_rate": 72, "spo2": 98, "resp_rate": 14}


def _post(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str]) -> float:
    """Milliseconds to POST one set of vitals (a 201), with a new Idempotency-Key."""
    body = json.dumps(VITALS).encode()
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="POST",
        headers={
            **headers,
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    start = time.perf_counter()
    with opener.open(request, timeout=30) as response:
        response.read()
        if response.status != 201:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - start) * 1000


def _cases(served: Served, ids: dict[str, Any]) -> dict[str, Callable[[], float]]:
    base = served.base
    nurse = login(base, ids["nurse"])
    token = served.cli("token", "create", "--user", ids["nurse"]).strip()
    bearer = {"Authorization": f"Bearer {token}"}
    plain = urllib.request.build_opener()
    sessions = ids["sessions"]
    turn = {"chair": 0, "vitals": 0}

    def chair_page() -> float:
        turn["chair"] += 1
        return timed(nurse, f"{base}/sessions/{sessions[turn['chair'] % len(sessions)]}/", {})

    def vitals_post() -> float:
        turn["vitals"] += 1
        session = sessions[turn["vitals"] % len(sessions)]
        return _post(plain, f"{base}/api/v1/sessions/{session}/vitals", bearer)

    rated = ids["rate_changed_session"]
    return {
        "healthz": lambda: timed(plain, f"{base}/healthz", {}),
        "chair_page": chair_page,
        "board_page": lambda: timed(nurse, f"{base}/sessions/board/?site={ids['site']}", {}),
        "vitals_post_api": vitals_post,
        "safety_api": lambda: timed(plain, f"{base}/api/v1/sessions/{rated}/safety", bearer),
        "curve_api_10_rate_changes": lambda: timed(
            plain, f"{base}/api/v1/sessions/{rated}/curve", bearer
        ),
    }


def _measure(cases: dict[str, Callable[[], float]]) -> dict[str, dict[str, float]]:
    for call in cases.values():
        for _ in range(WARMUP):
            call()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(REQUESTS):
        for name, call in cases.items():
            samples[name].append(call())
    return {name: percentiles(values) for name, values in samples.items()}


def main() -> None:
    with scratch_env() as (env, work):
        started = time.perf_counter()
        seeded = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "sessions_seed.py")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seed_s = time.perf_counter() - started
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        with serve(env, work) as served:
            results = _measure(_cases(served, ids))
    healthz = results["healthz"]["p95_ms"]
    report = {
        "benchmark": "sessions",
        "database": "sqlite (WAL, synchronous=FULL)",
        "morning": {
            "active_chairs": len(ids["sessions"]),
            "charted": "IV infusion started 50 min ago, vitals every 5 min",
            "rate_changes_on_curve_session": 10,
        },
        "requests_per_case": REQUESTS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "seed_seconds": round(seed_s, 1),
        "how": "gunicorn, 2 workers, one client in sequence, round-robin over the cases",
        "results": results,
        "p95_over_healthz_p95": {
            name: round(r["p95_ms"] / healthz, 1)
            for name, r in results.items()
            if name != "healthz"
        },
    }
    out = ROOT / "bench" / "results" / "bench_sessions.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
