"""Migration ``audit.0004`` (per-clinic chains) on a database holding rows written before it.

The migrations run for real in a subprocess, on a fresh database of their own (a SQLite file,
or a new PostgreSQL database beside the suite's, ``tests.live.scratch_database``), since they
cannot run inside the test's transaction: ``migration_run.py`` migrates the audit app to 0003,
loads rows that ketacare wrote before per-clinic chains (``data/legacy_chain.json``, made by
``make_legacy_chain.py`` with the code of that time), migrates, undoes and redoes 0004, writes
new rows and tampers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ketacare.audit import triggers
from tests.live import scratch_database

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
LEGACY = json.loads((HERE / "data" / "legacy_chain.json").read_text())["rows"]
LAST_LEGACY_HASH = LEGACY[-1]["row_hash"]
VENDOR = connection.vendor
SETTINGS = "ketacare.config.settings.base"
REFUSED = "refused: append-only"
BEFORE_0004 = {
    "sqlite": ["audit_refuse_delete", "audit_refuse_replace", "audit_refuse_update"],
    "postgresql": ["audit_refuse_truncate", "audit_refuse_update_delete"],
}
# What each kind of change is answered after the migration, per database.
REFUSALS = {
    "sqlite": {
        "UPDATE": REFUSED,
        "DELETE": REFUSED,
        "REPLACE INTO": REFUSED,
        "INSERT OR REPLACE": REFUSED,
        "REPLACE INTO a new id": REFUSED,
        "INSERT without a chain": REFUSED,
    },
    "postgresql": {
        "UPDATE": REFUSED,
        "DELETE": REFUSED,
        "TRUNCATE": REFUSED,
        "INSERT without a chain": REFUSED,
    },
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db_env, drop = scratch_database(tmp_path_factory.mktemp("audit-migration"))
    try:
        yield _run({**os.environ, **db_env, "DJANGO_SETTINGS_MODULE": SETTINGS})
    finally:
        drop()


def _run(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / "migration_run.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["vendor"] == VENDOR
    return result


def _legacy_rows() -> list[list[Any]]:
    return [[row["id"], None, None, row["prev_hash"], row["row_hash"]] for row in LEGACY]


def test_the_rows_before_the_migration_are_left_as_they_were(report: dict[str, Any]) -> None:
    assert report["migrated"]["rows"] == _legacy_rows()


def test_they_verify_as_the_legacy_chain(report: dict[str, Any]) -> None:
    assert report["migrated"]["verify"] == [["legacy", None, 9, None, None]]


def test_after_migrate_every_trigger_is_present(report: dict[str, Any]) -> None:
    assert report["triggers_at_0003"] == BEFORE_0004[VENDOR]
    assert report["migrated"]["triggers"] == sorted(triggers.CURRENT[VENDOR])
    assert report["migrated_again"]["triggers"] == sorted(triggers.CURRENT[VENDOR])


def test_after_migrate_every_kind_of_change_is_refused_on_old_and_new_rows(
    report: dict[str, Any],
) -> None:
    assert report["migrated"]["refused"] == REFUSALS[VENDOR]
    assert report["new"]["refused"] == REFUSALS[VENDOR]


def test_new_rows_start_a_chain_per_clinic_after_the_legacy_chain(
    report: dict[str, Any],
) -> None:
    # Written for clinics 1, 2, none, 2, 1, 1; ids continue after the last legacy id.
    rows = report["new"]["rows"]
    assert [row[:3] for row in rows] == [
        [10, 1, 1],
        [11, 2, 1],
        [12, 0, 1],
        [13, 2, 2],
        [14, 1, 2],
        [15, 1, 3],
    ]
    by_id = {row[0]: row for row in rows}
    assert [row[3] for row in rows] == [
        LAST_LEGACY_HASH,
        LAST_LEGACY_HASH,
        LAST_LEGACY_HASH,
        by_id[11][4],
        by_id[10][4],
        by_id[14][4],
    ]
    assert report["new"]["verify"] == [
        ["legacy", None, 9, None, None],
        ["installation", 0, 1, None, None],
        ["clinic", 1, 3, None, None],
        ["clinic", 2, 2, None, None],
    ]


def test_undoing_it_restores_the_triggers_of_0003_and_keeps_the_rows(
    report: dict[str, Any],
) -> None:
    assert report["undone"]["triggers"] == BEFORE_0004[VENDOR]
    assert report["undone"]["rows"] == [[r[0], r[3], r[4]] for r in _legacy_rows()]
    assert report["migrated_again"]["rows"] == 9


def test_undoing_it_is_refused_once_rows_are_in_per_clinic_chains(
    report: dict[str, Any],
) -> None:
    assert report["undo_with_chained_rows"] == (
        "audit.0004 cannot be undone: 6 audit events are in per-clinic chains and could not "
        "be verified without their chain and place"
    )
    assert report["after_refused_undo"] == {
        "triggers": sorted(triggers.CURRENT[VENDOR]),
        "rows": 15,
    }


def test_an_edited_legacy_row_is_named_and_the_new_chains_hold(report: dict[str, Any]) -> None:
    assert report["legacy_row_edited"] == [
        ["legacy", None, 2, 3, "row 3 does not match its hash (edited or inserted out of band)"],
        ["installation", 0, 1, None, None],
        ["clinic", 1, 3, None, None],
        ["clinic", 2, 2, None, None],
    ]


def test_legacy_rows_deleted_at_its_end_break_the_start_of_every_new_chain(
    report: dict[str, Any],
) -> None:
    message = (
        "row 1 does not start from the last row of the legacy chain (legacy rows deleted at its "
        "end, or inserted out of band)"
    )
    assert report["legacy_end_deleted"] == [
        ["legacy", None, 8, None, None],
        ["installation", 0, 0, 1, message],
        ["clinic", 1, 0, 1, message],
        ["clinic", 2, 0, 1, message],
    ]
