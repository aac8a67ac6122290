"""A benchmark's baseline: the project's own code at an earlier commit, measured beside this
tree in the same run (``git archive`` into a temporary directory, put first on PYTHONPATH)."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_before(path: str) -> str:
    """The commit before ``path`` was added (HEAD when it is not committed yet)."""
    added = git("log", "--diff-filter=A", "--format=%H", "--", path).splitlines()
    return git("rev-parse", f"{added[-1]}^" if added else "HEAD")


@contextmanager
def baseline_code(commit: str) -> Iterator[Path]:
    """The tree of ``commit`` in a temporary directory, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="ketacare-bench-before-"))
    try:
        archive = work / "tree.tar"
        git("archive", "--output", str(archive), commit)
        with tarfile.open(archive) as tar:
            tar.extractall(work / "tree", filter="data")
        archive.unlink()
        yield work / "tree"
    finally:
        shutil.rmtree(work, ignore_errors=True)
