"""``ketacare serve --with-worker`` (what ``make demo`` runs): the web server and the worker as
two child processes of one command.

Ctrl-C (SIGINT) or SIGTERM stops both: each child's process group gets one SIGTERM (gunicorn
finishes its requests, the worker its task) and is killed if it has not stopped after
``STOP_TIMEOUT_SECONDS`` (at once at a second Ctrl-C). When either child stops on its own,
the other is stopped too and the command exits with the stopped child's status, so one
command never leaves half the clinic running. The children run in process groups of their
own, so a terminal's Ctrl-C reaches them only through this process, once; on Linux they get
a SIGTERM too if this process is killed outright.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import TextIO

CLI = [sys.executable, "-m", "ketacare.cli"]
STOP_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.2


def _say(text: str, *, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(text + "\n")
    out.flush()


def _die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when this process dies, however it dies (Linux's
    PR_SET_PDEATHSIG), so that a killed supervisor does not leave the clinic half running."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def exit_status(returncode: int) -> int:
    """A child's status as a shell reports it (128 + the signal that killed it)."""
    return 128 - returncode if returncode < 0 else returncode


def serve_with_worker(serve_args: list[str]) -> int:
    """Run ``ketacare serve SERVE_ARGS`` and ``ketacare worker`` until stopped."""
    stop: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in (("web server", ["serve", *serve_args]), ("worker", ["worker"])):
            children[name] = subprocess.Popen(  # noqa: S603
                [*CLI, *command], process_group=0, preexec_fn=_die_with_parent
            )
        pids = " and ".join(f"{name} (pid {child.pid})" for name, child in children.items())
        _say(f"ketacare: {pids} started; Ctrl-C stops both")
        ended = _wait_for_first(children, stop)
    finally:
        _stop_all(children, stop)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if ended is None:
        _say("ketacare: web server and worker stopped")
        return 0
    name, returncode = ended
    other = "worker" if name == "web server" else "web server"
    _say(
        f"ketacare: the {name} stopped (exit status {exit_status(returncode)}); "
        f"stopped the {other} too",
        stream=sys.stderr,
    )
    return exit_status(returncode) or 1


def _wait_for_first(
    children: dict[str, subprocess.Popen[bytes]], stop: list[int]
) -> tuple[str, int] | None:
    """Until a stop signal (None) or a child's exit (its name and return code)."""
    while not stop:
        for name, child in children.items():
            returncode = child.poll()
            if returncode is not None:
                return name, returncode
        time.sleep(POLL_SECONDS)
    return None


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> bool:
    """Send ``signum`` to the child's process group (gunicorn's own workers are in it, and
    outlive a master that was killed); whether any process of the group was left."""
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        return False
    return True


def _stop_all(children: dict[str, subprocess.Popen[bytes]], stop: list[int]) -> None:
    """SIGTERM to each child's process group; SIGKILL after the timeout, or at a further signal
    (a second Ctrl-C). Returns when every process of every group has gone."""
    groups = [child for child in children.values() if _signal_group(child, signal.SIGTERM)]
    signals_seen = len(stop)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    killed = False
    while True:
        for child in groups:
            child.poll()  # reap the child itself, so that only live processes count
        groups = [child for child in groups if _signal_group(child, 0)]
        if not groups:
            return
        if not killed and (time.monotonic() >= deadline or len(stop) > signals_seen):
            for child in groups:
                _signal_group(child, signal.SIGKILL)
            killed = True
        time.sleep(POLL_SECONDS)
