"""Scheduling benchmark: the free slots of a month and the day view of a busy site, beside
/healthz measured the same way in the same run (SQLite).

The site (``bench/scheduling_seed.py``) has 8 chairs, 2 rooms, 10 staff, opening hours every
day 07:00-19:00 and 2,000 appointments over the 30 days from tomorrow. Two ways, each
round-robin so a busy moment of the machine touches every case alike:

- in one process (``bench/scheduling_reads.py``): ``availability.free_slots`` for the 40-minute
  IV infusion and one patient over the 30 days, ``queries.site_day`` of a full day (an audited
  read), and the day page ``/schedule/`` and ``/healthz`` through Django's test client;
- served (gunicorn, 2 workers): ``/healthz``, the day page logged in as the front desk, and
  ``GET /api/v1/availability`` over the same month with an API token.

p50/p95 of each. Writes bench/results/bench_scheduling.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

from server import ROOT, Served, login, percentiles, scratch_env, serve, timed

APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", "2000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
WARMUP = 10


def _in_process(env: dict[str, str], ids: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scheduling_reads.py"),
            json.dumps(ids),
            str(REQUESTS),
            str(WARMUP),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "results": {name: percentiles(values) for name, values in answer["samples"].items()},
        "found": answer["found"],
    }


def _served(served: Served, ids: dict[str, Any]) -> dict[str, dict[str, float]]:
    base = served.base
    desk = login(base, ids["front_desk"])
    token = served.cli("token", "create", "--user", ids["front_desk"]).strip()
    bearer = {"Authorization": f"Bearer {token}"}
    plain = urllib.request.build_opener()
    query = urllib.parse.urlencode(
        {
            "service": ids["service"],
            "patient": ids["patient"],
            "from": ids["first"],
            "to": ids["last"],
            "site": ids["site"],
        }
    )
    day_page = f"{base}/schedule/?site={ids['site']}&date={ids['day']}"
    availability = f"{base}/api/v1/availability?{query}"
    cases = {
        "healthz": lambda: timed(plain, f"{base}/healthz", {}),
        "schedule_page": lambda: timed(desk, day_page, {}),
        "availability_api_month": lambda: timed(plain, availability, bearer),
    }
    for call in cases.values():
        for _ in range(WARMUP):
            call()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(REQUESTS):
        for name, call in cases.items():
            samples[name].append(call())
    return {name: percentiles(values) for name, values in samples.items()}


def _ratio(results: dict[str, dict[str, float]], case: str, baseline: str, key: str) -> float:
    return round(results[case][key] / results[baseline][key], 1)


def main() -> None:
    with scratch_env() as (env, work):
        started = time.perf_counter()
        seeded = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "scheduling_seed.py"), str(APPOINTMENTS)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seed_s = time.perf_counter() - started
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        in_process = _in_process(env, ids)
        with serve(env, work) as served:
            http = _served(served, ids)
    local = in_process["results"]
    report = {
        "benchmark": "scheduling",
        "database": "sqlite (WAL, synchronous=FULL)",
        "site": {
            "chairs": 8,
            "rooms": 2,
            "staff": 10,
            "opening_hours": "every day 07:00-19:00 America/New_York",
            "appointments": ids["appointments"],
            "cancelled": ids["cancelled"],
            "days": f"{ids['first']} to {ids['last']}",
        },
        "searched": {
            "service": "Ketamine IV infusion (40 min + 60 min observation + 15 min buffer)",
            "from": ids["first"],
            "to": ids["last"],
            "day_view": ids["day"],
        },
        "requests_per_case": REQUESTS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "seed_seconds": round(seed_s, 1),
        "in_process": {
            "how": "one process, round-robin; pages and /healthz through django.test.Client",
            "results": local,
            "found": in_process["found"],
            "free_slots_p95_over_healthz_p95": _ratio(
                local, "free_slots_month", "healthz_test_client", "p95_ms"
            ),
            "site_day_p95_over_healthz_p95": _ratio(
                local, "site_day", "healthz_test_client", "p95_ms"
            ),
            "schedule_page_p95_over_healthz_p95": _ratio(
                local, "schedule_page_test_client", "healthz_test_client", "p95_ms"
            ),
        },
        "served": {
            "how": "gunicorn, 2 workers x 4 threads, one client in sequence, round-robin",
            "results": http,
            "schedule_page_p95_over_healthz_p95": _ratio(
                http, "schedule_page", "healthz", "p95_ms"
            ),
            "availability_api_p95_over_healthz_p95": _ratio(
                http, "availability_api_month", "healthz", "p95_ms"
            ),
        },
    }
    out = ROOT / "bench" / "results" / "bench_scheduling.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
