"""``ketacare serve`` logs each request's path, never its query string or referrer (where a
search puts a patient's name, MRN or birth date), and never a calendar feed's token (which
rides in the path)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

CLI = [sys.executable, "-m", "ketacare.cli"]
FEED_TOKEN = "Zx9_secret-Token0123456789abcdefghijklmnopq"  # noqa: S105 - a made-up one


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _wait_for(port: int) -> None:
    for _ in range(150):
        try:
            if _get(port, "/healthz", {}) == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("ketacare serve did not answer /healthz")


def test_the_access_log_has_the_path_and_not_the_search(tmp_path: Path) -> None:
    # A scratch SQLite database, whatever database the rest of the suite uses.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.test",
        "KETACARE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    out, err = (tmp_path / "stdout.log"), (tmp_path / "stderr.log")
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            _wait_for(port)
            search = {"User-Agent": "probe", "X-Request-ID": "probe-0000search"}
            assert _get(port, "/patients/?q=Dawson", search) == 302
            health = {
                "User-Agent": "probe",
                "X-Request-ID": "probe-0000health",
                "Referer": "http://127.0.0.1/patients/?q=Dawson+1980-04-02",
            }
            assert _get(port, "/healthz?x=1", health) == 200
            feed = {"User-Agent": "probe", "X-Request-ID": "probe-00000feed"}
            assert _get(port, f"/calendar/{FEED_TOKEN}.ics", feed) == 404
            for _ in range(50):
                if "probe-00000feed" in out.read_text():
                    break
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=20)
    log = out.read_text() + err.read_text()
    lines = [
        line
        for line in log.splitlines()
        if line.endswith(("0000search", "0000health", "00000feed"))
    ]
    stamp = r"127\.0\.0\.1 - - \[[^\]]+\]"
    assert len(lines) == 3, log
    assert re.fullmatch(
        f'{stamp} "GET /patients/ HTTP/1.1" 302 0 "probe" probe-0000search', lines[0]
    )
    assert re.fullmatch(f'{stamp} "GET /healthz HTTP/1.1" 200 2 "probe" probe-0000health', lines[1])
    assert re.fullmatch(
        f'{stamp} "GET /calendar/\\[token\\].ics HTTP/1.1" 404 \\d+ "probe" probe-00000feed',
        lines[2],
    )
    # Django's own warning names the path too: with the token hidden.
    assert "Not Found: /calendar/[token].ics" in log
    for leaked in ("Dawson", "q=", "x=1", FEED_TOKEN):
        assert leaked not in log
