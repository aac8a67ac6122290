"""The layers of DESIGN.md hold: import-linter's contracts (pyproject.toml) are all kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = (
    "Layers",
    "The pure cores import no Django and nothing of ketacare outside themselves",
    "The lib helpers import neither core",
    "Domain modules never import views, forms or the API",
    "The scheduling domain imports no Django",
)


def test_every_import_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:]
    # "Layers KEPT (1 ignored import)": the job registry, which any layer may import.
    kept = [
        re.sub(r" KEPT( \(\d+ ignored imports?\))?$", "", line)
        for line in done.stdout.splitlines()
        if re.search(r" KEPT( \(\d+ ignored imports?\))?$", line)
    ]
    assert kept == list(CONTRACTS)
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout
