"""Chart benchmark: the chart page composed of registered panels against the chart before the
panel registry, side by side in the same run, 10,000 patients with history each (SQLite).

"Before" is the project's own code at the commit before the panel registry was added
(``lib/panels.py``; ``BENCH_BASELINE`` overrides), from ``git archive``, with its own seed and
its own server; "after" is this tree. Requests alternate between the two servers, so a busy
moment of the machine touches both alike. Writes bench/results/chart_panels.json.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from baseline import baseline_code, commit_before, git
from server import (
    ROOT,
    Served,
    login,
    percentiles,
    scratch_env,
    seeded_patient_ids,
    serve,
    timed,
)

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 20
NURSE = "nurse@demo.ketacare.org"


@contextmanager
def clinic(code: Path) -> Iterator[tuple[Served, float]]:
    """``code``'s demo clinic with PATIENTS patients, served by ``code`` (only PYTHONPATH
    decides which code runs), and the seconds its seed took."""
    with scratch_env() as (env, work):
        env = {**env, "PYTHONPATH": str(code)}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(code / "bench" / "web_seed.py"), str(PATIENTS)],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
        )
        seeded_s = time.perf_counter() - started
        with serve(env, work, cwd=work) as served:
            yield served, seeded_s


def main() -> None:
    commit = git(
        "rev-parse", os.environ.get("BENCH_BASELINE") or commit_before("ketacare/lib/panels.py")
    )
    with ExitStack() as stack:
        before_code = stack.enter_context(baseline_code(commit))
        before, before_seed = stack.enter_context(clinic(before_code))
        after, after_seed = stack.enter_context(clinic(ROOT))
        sides = {"before": before, "after": after}
        clients = {name: login(s.base, NURSE) for name, s in sides.items()}
        ids = {name: seeded_patient_ids(s.work) for name, s in sides.items()}
        rng = random.Random(11)  # noqa: S311

        def chart(name: str) -> float:
            return timed(clients[name], f"{sides[name].base}/patients/{rng.choice(ids[name])}/", {})

        for name in sides:
            for _ in range(WARMUP):
                chart(name)
        samples: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(REQUESTS):
            for name in sides:
                samples[name].append(chart(name))
    results = {name: percentiles(values) for name, values in samples.items()}
    report = {
        "benchmark": "chart_panels",
        "database": "sqlite (WAL, synchronous=FULL)",
        "patients": PATIENTS,
        "requests_per_side": REQUESTS,
        "server": "gunicorn, 2 workers x 4 threads, one client in sequence, alternating",
        "before": {"code": f"git {commit[:10]}: the chart before the panel registry"},
        "after": {"code": "this tree: the chart composed of registered panels"},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "seed_seconds": {"before": round(before_seed, 1), "after": round(after_seed, 1)},
        "results": results,
        "after_p95_over_before_p95": round(
            results["after"]["p95_ms"] / results["before"]["p95_ms"], 3
        ),
        "after_p50_over_before_p50": round(
            results["after"]["p50_ms"] / results["before"]["p50_ms"], 3
        ),
    }
    out = ROOT / "bench" / "results" / "chart_panels.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
