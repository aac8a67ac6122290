"""``make demo`` runs ``ketacare serve --with-worker``: one command that starts the web server
and the worker, and stops both when it is stopped or when either of them stops."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.jobs.live import Scratch, scratch_clinic, wait_until
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"ketacare: web server \(pid (\d+)\) and worker \(pid (\d+)\) started")


def test_make_demo_serves_with_the_worker() -> None:
    recipe = ROOT.joinpath("Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert recipe.splitlines()[1:] == [
        "\t$(BIN)/ketacare migrate",
        "\t$(BIN)/ketacare seed",
        "\t$(BIN)/ketacare serve --port $(PORT) --with-worker",
    ]


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
            return bool(response.read() == b"ok")
    except OSError:
        return False


def stop(demo: subprocess.Popen[bytes]) -> None:
    """Stop a demo the test left running, the way its user would (SIGKILL would leave its
    children running: they are in process groups of their own)."""
    if demo.poll() is None:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()


def start_demo(clinic: Scratch) -> tuple[subprocess.Popen[bytes], Path, str, int, int]:
    port = free_port()
    demo, log = clinic.start(
        "serve", "--port", str(port), "--workers", "1", "--with-worker", log="demo.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        match = wait_until(lambda: STARTED.search(log.read_text()), what="both children")
        wait_until(lambda: healthy(url), what="the web server")
    except BaseException:
        stop(demo)
        raise
    return demo, log, url, int(match.group(1)), int(match.group(2))


def test_it_runs_the_web_server_and_the_worker_and_ctrl_c_stops_both() -> None:
    with scratch_clinic() as clinic:
        demo, log, url, web_pid, worker_pid = start_demo(clinic)
        try:
            assert alive(web_pid) and alive(worker_pid)
            # The worker runs what the clinic queues.
            queued = json.loads(clinic.cli("jobs", "run", "idempotency.prune", "--json"))
            wait_until(
                lambda: (
                    [(r["status"], r["result"]) for r in clinic.runs() if r["id"] == queued["id"]]
                    == [("succeeded", {"deleted": 0})]
                ),
                what="the worker to run the job",
            )
            demo.send_signal(signal.SIGINT)
            status = demo.wait(timeout=60)
        finally:
            stop(demo)
        assert status == 0, log.read_text()
        assert (alive(web_pid), alive(worker_pid), healthy(url)) == (False, False, False)
        assert log.read_text().endswith("ketacare: web server and worker stopped\n")


@pytest.mark.parametrize(("victim", "other"), [("worker", "web server"), ("web server", "worker")])
def test_when_either_stops_the_other_is_stopped_too(victim: str, other: str) -> None:
    with scratch_clinic() as clinic:
        demo, log, url, web_pid, worker_pid = start_demo(clinic)
        try:
            os.kill(worker_pid if victim == "worker" else web_pid, signal.SIGKILL)
            status = demo.wait(timeout=60)
        finally:
            stop(demo)
        assert status == 128 + signal.SIGKILL
        assert (alive(web_pid), alive(worker_pid), healthy(url)) == (False, False, False)
        assert log.read_text().endswith(
            f"ketacare: the {victim} stopped (exit status 137); stopped the {other} too\n"
        )


def test_a_killed_demo_leaves_neither_running() -> None:
    """SIGKILL cannot be caught: the children are told by the kernel (PR_SET_PDEATHSIG)."""
    with scratch_clinic() as clinic:
        demo, log, url, web_pid, worker_pid = start_demo(clinic)
        demo.kill()
        assert demo.wait(timeout=60) == -signal.SIGKILL
        wait_until(
            lambda: (alive(web_pid), alive(worker_pid), healthy(url)) == (False, False, False),
            what="both children to stop",
            seconds=60,
        )
