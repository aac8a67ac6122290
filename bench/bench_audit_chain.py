"""Audit chain benchmark: audited-write throughput on PostgreSQL with 2 clinics and 4 concurrent
clients (2 per clinic), with one hash chain for the whole installation (before) and one chain
per clinic (after), measured side by side in the same run.

"Before" is the code of the commit before per-clinic chains (the parent of the commit that
added ``audit/migrations/0004_per_clinic_chains.py``; ``BENCH_BASELINE`` overrides), unpacked
with ``git archive`` into a temporary directory and put first on PYTHONPATH; "after" is this
working tree. Each gets its own database on one throwaway PostgreSQL cluster started here on a
free loopback port (or on the server DATABASE_URL names, if it is PostgreSQL), migrated and
seeded by its own code.

Two cases, each run by 4 processes (2 nurses of each clinic, each on a patient of their own,
so nothing but the audit chain is shared) for ``BENCH_SECONDS``, back to back:
``record``, a transaction holding one ``audit.record`` (an audited read), and ``patient_edit``,
``patients.services.patient_update`` (row lock, version check, write, audit). The versions
alternate over ``BENCH_ROUNDS`` rounds so a busy moment on the machine touches both alike.
Reports writes/s and p50/p95 per clinic, and after/before. Writes bench/results/audit_chain.json.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from baseline import baseline_code, commit_before, git
from server import ROOT, percentiles

WORKER = ROOT / "bench" / "audit_chain_worker.py"
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CASES = ("record", "patient_edit")
MIGRATION = "ketacare/audit/migrations/0004_per_clinic_chains.py"


def _baseline_commit() -> str:
    if os.environ.get("BENCH_BASELINE"):
        return git("rev-parse", os.environ["BENCH_BASELINE"])
    return commit_before(MIGRATION)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres() -> Iterator[tuple[str, str]]:
    """A PostgreSQL server: the one DATABASE_URL names, or a throwaway cluster (as .ci/run
    starts one). Yields its URL without a database name, and what it is."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(url)
        yield f"{parts.scheme}://{parts.netloc}", "the server DATABASE_URL names"
        return
    pg_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    work = Path(tempfile.mkdtemp(prefix="ketacare-bench-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(work, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = work / "data"
    ctl = [*as_pg, f"{pg_bin}/pg_ctl", "-D", str(data)]
    subprocess.run(
        [*as_pg, f"{pg_bin}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust"]
        + ["-E", "UTF8", "--no-locale"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {work} -c fsync=on"
    subprocess.run(
        [*ctl, "-l", str(work / "log"), "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}", f"throwaway cluster ({pg_bin})"
    finally:
        subprocess.run([*ctl, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def database(server: str, name: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Version:
    """One side of the comparison: its code, its database, its clients."""

    def __init__(self, label: str, code: Path, url: str, scratch: Path) -> None:
        self.label, self.code, self.scratch = label, code, scratch
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
            "DATABASE_URL": url,
            "PYTHONPATH": str(code),
            "KETACARE_VAR_DIR": str(scratch),
        }
        self.clients: list[dict[str, Any]] = json.loads(self._worker("setup").splitlines()[-1])
        self.samples: dict[str, dict[str, list[float]]] = {
            case: {c["clinic"]: [] for c in self.clients} for case in CASES
        }
        self.seconds: dict[str, float] = dict.fromkeys(CASES, 0.0)
        self.ketacare = ""

    def _worker(self, *args: str) -> str:
        # Run from a scratch directory so that only PYTHONPATH decides which code is imported.
        return subprocess.run(
            [sys.executable, str(WORKER), *args],
            env=self.env,
            cwd=self.scratch,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def run(self, case: str) -> None:
        """The 4 clients at once: warm up, start together, run SECONDS."""
        procs = [
            subprocess.Popen(
                [sys.executable, str(WORKER), "load", case]
                + [str(client["membership"]), client["patient"], str(SECONDS)],
                env=self.env,
                cwd=self.scratch,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for client in self.clients
        ]
        for proc in procs:
            assert proc.stdout is not None
            ready = json.loads(proc.stdout.readline())
            if not Path(ready["ketacare"]).is_relative_to(self.code):
                raise RuntimeError(f"{self.label}: imported {ready['ketacare']}, not {self.code}")
            self.ketacare = ready["ketacare"]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        longest = 0.0
        for client, proc in zip(self.clients, procs, strict=True):
            assert proc.stdout is not None
            done = json.loads(proc.stdout.readline())
            if proc.wait(timeout=60) != 0:
                raise RuntimeError(f"{self.label}: a {case} client failed")
            self.samples[case][client["clinic"]].extend(done["latencies_ms"])
            longest = max(longest, done["seconds"])
        self.seconds[case] += longest

    def summary(self, case: str) -> dict[str, Any]:
        seconds = self.seconds[case]
        clinics = {
            clinic: {"writes_per_s": round(len(values) / seconds, 1), **percentiles(values)}
            for clinic, values in self.samples[case].items()
        }
        total = sum(len(values) for values in self.samples[case].values()) / seconds
        everything = [v for values in self.samples[case].values() for v in values]
        return {
            "writes_per_s": round(total, 1),
            "p50_ms": percentiles(everything)["p50_ms"],
            "p95_ms": percentiles(everything)["p95_ms"],
            "clinics": clinics,
        }

    def verify(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self._worker("verify").splitlines()[-1])
        return result


def main() -> None:
    load_before = os.getloadavg()[0]
    commit = _baseline_commit()
    scratch = Path(tempfile.mkdtemp(prefix="ketacare-bench-audit-"))
    try:
        with (
            baseline_code(commit) as before_code,
            postgres() as (server, where),
            database(server, "ketacare_bench_audit_before") as before_url,
            database(server, "ketacare_bench_audit_after") as after_url,
        ):
            before = Version("before", before_code, before_url, scratch)
            after = Version("after", ROOT, after_url, scratch)
            for n in range(ROUNDS):
                order = (before, after) if n % 2 == 0 else (after, before)
                for case in CASES:
                    for version in order:
                        version.run(case)
            import psycopg

            with psycopg.connect(f"{server}/postgres") as conn:
                row = conn.execute("SHOW server_version").fetchone()
                pg_version = row[0] if row else "unknown"
            verified = {"before": before.verify(), "after": after.verify()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = {}
    for case in CASES:
        b, a = before.summary(case), after.summary(case)
        results[case] = {
            "before": b,
            "after": a,
            "after_over_before_writes_per_s": round(a["writes_per_s"] / b["writes_per_s"], 2),
            "after_over_before_p95": round(a["p95_ms"] / b["p95_ms"], 2),
        }
    report = {
        "benchmark": "audit_chain",
        "database": f"postgresql {pg_version} (fsync=on, synchronous_commit=on), {where}",
        "load": (
            "2 clinics x 2 client processes, each on its own patient, short transactions back "
            "to back; record = one audit.record in a transaction (an audited read), "
            "patient_edit = patients.services.patient_update (row lock, version, write, audit)"
        ),
        "seconds_per_run": SECONDS,
        "rounds": ROUNDS,
        "before": {
            "code": f"git {commit[:10]}: one chain for the installation, one global lock",
            "ketacare": before.ketacare.replace(str(before_code), "<git archive>"),
        },
        "after": {
            "code": "this tree: one chain per clinic, a lock per chain",
            "ketacare": str(Path(after.ketacare).relative_to(ROOT)),
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            # Other work on the machine shares the CPUs with both versions alike.
            "load_average_1min_at_start_and_end": [
                round(load_before, 2),
                round(os.getloadavg()[0], 2),
            ],
        },
        "results": results,
        "chains_verified_after_the_load": verified,
    }
    out = ROOT / "bench" / "results" / "audit_chain.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
