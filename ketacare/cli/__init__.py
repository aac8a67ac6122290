"""The `ketacare` command: a package that imports the cores, never the other way round.

Each module of the package registers its own sub-commands (``register(subparsers)``) so that
pure commands (scoring, screening, dosing, pharmacokinetics) never start Django, and Django
commands (serve, seed, audit, token) set it up only when they run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

#: Modules with a ``register(subparsers)`` function. Registration must stay cheap: heavy
#: imports (numpy, Django) happen inside the command handlers.
COMMAND_MODULES: tuple[str, ...] = (
    "ketacare.cli.server",  # serve, migrate, seed, audit, token, manage
    "ketacare.cli.pk",  # pk models, simulate, population, tci
    "ketacare.cli.clinical",  # score, screen, protocols, dose
    "ketacare.cli.safety",  # safety
    "ketacare.cli.jobs",  # worker, jobs
    "ketacare.cli.admin",  # clinic create, staff invite
)


class CommandError(Exception):
    """A user error: printed without a traceback, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketacare", description="Run and inspect a ketacare clinic."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.handler(args)
        sys.stdout.flush()
    except CommandError as exc:
        print(f"ketacare {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``ketacare ... | head``): stop quietly, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return int(status or 0)
