"""The `ketacare` command as a shell user meets it."""

from __future__ import annotations

import subprocess
import sys


def test_a_closed_pipe_ends_quietly() -> None:
    command = (
        f"{sys.executable} -m ketacare.cli pk simulate --drug ketamine --route iv --dose-mg 35 "
        "--over-min 40 --weight-kg 70 --until-min 240 --step-min 0.01 --csv | head -n 1"
    )
    result = subprocess.run(
        ["/bin/bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout == "t_min,conc_ng_per_ml\n"
    assert result.stderr == ""
    assert result.returncode == 141


def test_every_command_has_help() -> None:
    from ketacare.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert sorted(commands) == [
        "audit",
        "clinic",
        "dose",
        "jobs",
        "manage",
        "migrate",
        "pk",
        "protocols",
        "safety",
        "score",
        "screen",
        "seed",
        "serve",
        "staff",
        "token",
        "worker",
    ]
