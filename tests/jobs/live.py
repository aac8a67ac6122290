"""Real ``ketacare`` processes on a scratch database of the suite's engine (``tests.live``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.live import CLI, scratch_database


@dataclass(frozen=True)
class Scratch:
    env: dict[str, str]
    tmp: Path

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*CLI, *args], env=self.env, check=True, capture_output=True, text=True, timeout=300
        )
        return done.stdout

    def runs(self) -> list[dict[str, Any]]:
        """``ketacare jobs list --json``: the runs, newest first."""
        return json.loads(self.cli("jobs", "list", "--json", "--limit", "50"))["runs"]  # type: ignore[no-any-return]

    def start(self, *args: str, log: str) -> tuple[subprocess.Popen[bytes], Path]:
        path = self.tmp / log
        with path.open("wb") as out:
            process = subprocess.Popen([*CLI, *args], env=self.env, stdout=out, stderr=out)
        return process, path


@contextmanager
def scratch_clinic(**env: str) -> Iterator[Scratch]:
    """A migrated scratch database; ``env`` adds settings for every process."""
    tmp = Path(tempfile.mkdtemp(prefix="ketacare-jobs-"))
    db_env, drop = scratch_database(tmp)
    full_env = {
        **os.environ,
        **db_env,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
        **env,
    }
    try:
        subprocess.run(
            [*CLI, "migrate"], env=full_env, check=True, capture_output=True, timeout=300
        )
        yield Scratch(full_env, tmp)
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


def wait_until(condition: Callable[[], Any], *, what: str, seconds: float = 90) -> Any:
    """Poll ``condition`` until it returns something true; that value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)
