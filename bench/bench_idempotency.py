"""Idempotency benchmark: what an ``Idempotency-Key`` costs on a patient registration.

Three cases on one served demo clinic (SQLite, gunicorn 2 workers), interleaved round-robin so
a busy moment touches each alike: ``POST /api/v1/patients`` without a key, the same with a new
key (the key is claimed and the answer stored in the write's transaction), and a replay of a
stored key (answered from the store, nothing written). p50/p95 of each, and the overhead of a
key over no key. Writes bench/results/idempotency.json.
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

from server import ROOT, percentiles, scratch_env, serve

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 20
NURSE = "nurse@demo.ketacare.org"


def _post(base: str, token: str, body: dict[str, str], key: str | None) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
        f"{base}/api/v1/patients", data=json.dumps(body).encode(), headers=headers
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()
        if response.status != 201:
            raise RuntimeError(f"registration answered {response.status}")
    return (time.perf_counter() - start) * 1000


class People:
    """A new person for each registration (the same one twice would be a duplicate)."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> dict[str, str]:
        self.n += 1
        return {
            "given_name": f"Bench{self.n}",
            "family_name": "Idempotency",
            "date_of_birth": "1980-01-01",
            "sex_at_birth": "unknown",
        }


def _measure(base: str, token: str) -> dict[str, dict[str, float]]:
    people = People()
    replayed = people.next()
    replay_key = str(uuid.uuid4())
    _post(base, token, replayed, replay_key)
    cases = {
        "post_without_key": lambda: _post(base, token, people.next(), None),
        "post_with_new_key": lambda: _post(base, token, people.next(), str(uuid.uuid4())),
        "replay_of_stored_key": lambda: _post(base, token, replayed, replay_key),
    }
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
        for step in (["migrate"], ["seed"]):
            subprocess.run(
                [sys.executable, "-m", "ketacare.cli", *step],
                env=env,
                check=True,
                capture_output=True,
            )
        with serve(env, work) as served:
            token = served.cli("token", "create", "--user", NURSE).strip()
            results = _measure(served.base, token)
    plain, keyed = results["post_without_key"], results["post_with_new_key"]
    report = {
        "benchmark": "idempotency",
        "database": "sqlite (WAL, synchronous=FULL)",
        "requests_per_case": REQUESTS,
        "server": "gunicorn, 2 workers x 4 threads, one client in sequence",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": results,
        "key_overhead_p50_ms": round(keyed["p50_ms"] - plain["p50_ms"], 2),
        "key_overhead_p95_ms": round(keyed["p95_ms"] - plain["p95_ms"], 2),
        "key_over_no_key_p50": round(keyed["p50_ms"] / plain["p50_ms"], 3),
    }
    out = ROOT / "bench" / "results" / "idempotency.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
