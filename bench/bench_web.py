"""Web benchmark: p50/p95 of the patient search page, the chart page and the patient API read,
next to /healthz on the same server, with 10,000 patients with history in SQLite.

Target (issue: foundation): chart page p95 at most 10x /healthz p95 and under 150 ms.
Writes bench/results/web.json.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from server import ROOT, Served, login, percentiles, scratch_env, seeded_patient_ids, serve, timed

NURSE = "nurse@demo.ketacare.org"
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 20
# Name words (accent-folded), a name and number, an MRN prefix, a date of birth.
SEARCHES = ["müller", "chen", "park 12", "BN00042", "1970-01-01"]


def main() -> None:
    with scratch_env() as (env, work):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "web_seed.py"), str(PATIENTS)],
            env=env,
            check=True,
        )
        seed_s = time.perf_counter() - started
        with serve(env, work) as served:
            results = _measure(served, served.cli("token", "create", "--user", NURSE).strip())
    chart, health = results["chart_page"], results["healthz"]
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


def _measure(served: Served, token: str) -> dict[str, dict[str, float]]:
    base, work = served.base, served.work
    opener = login(base, NURSE)
    ids = seeded_patient_ids(work)
    rng = random.Random(7)  # noqa: S311
    plain = urllib.request.build_opener()
    bearer = {"Authorization": f"Bearer {token}"}
    cases = {
        "healthz": lambda: timed(plain, f"{base}/healthz", {}),
        "patient_search_page": lambda: timed(
            opener,
            f"{base}/patients/?q={urllib.parse.quote(rng.choice(SEARCHES))}",
            {},
        ),
        "chart_page": lambda: timed(opener, f"{base}/patients/{rng.choice(ids)}/", {}),
        "patient_api_read": lambda: timed(
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
    return {name: percentiles(values) for name, values in samples.items()}


if __name__ == "__main__":
    main()
