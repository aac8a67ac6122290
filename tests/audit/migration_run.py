"""Run by ``test_chain_migration.py`` in a subprocess, on a fresh database of its own (the
migrations run for real, outside any test transaction): migrate the audit app to 0003, load
the rows ketacare wrote before per-clinic chains (``data/legacy_chain.json``), migrate to the
latest, undo and redo 0004, write new rows, tamper, and print what it saw as JSON.
"""

# Its SQL is built from the table's name, its columns and integer ids only.
# ruff: noqa: S608

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

LEGACY = json.loads((Path(__file__).with_name("data") / "legacy_chain.json").read_text())
os.environ["KETACARE_AUDIT_KEY"] = LEGACY["audit_key"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.config.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from ketacare.accounts.actor import system_actor  # noqa: E402
from ketacare.audit import triggers  # noqa: E402
from ketacare.audit.models import AuditEvent  # noqa: E402
from ketacare.audit.services import record, verify_chain  # noqa: E402

TABLE = "audit_auditevent"


def migrate(*target: str) -> None:
    call_command("migrate", *target, verbosity=0)


def trigger_names() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "ORDER BY name",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                "ORDER BY tgname",
                [TABLE],
            )
        return [row[0] for row in cursor.fetchall()]


def load_legacy_rows() -> None:
    """The rows as the audit table of 0003 holds them (its historical model: no chain)."""
    state = MigrationExecutor(connection).loader.project_state(("audit", "0003_refuse_replace"))
    model: Any = state.apps.get_model("audit", "AuditEvent")
    with transaction.atomic():
        for row in LEGACY["rows"]:
            model.objects.create(
                **{**row, "occurred_at": datetime.fromisoformat(row["occurred_at"])}
            )


class _Allowed(Exception):
    pass


def attempt(sql: str, params: list[Any] | None = None) -> str:
    """What the database says to one statement (always rolled back)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            raise _Allowed
    except _Allowed:
        return "allowed"
    except DatabaseError as exc:
        return "refused: append-only" if "append-only" in str(exc) else f"error: {exc}"


def columns(*, with_id: bool) -> str:
    names = [field.column for field in AuditEvent._meta.fields]
    return ", ".join(name for name in names if with_id or name != "id")


def refusals(event_id: int) -> dict[str, str]:
    where = f"WHERE id = {int(event_id)}"
    probes = {
        "UPDATE": f"UPDATE {TABLE} SET actor_label = 'x' {where}",
        "DELETE": f"DELETE FROM {TABLE} {where}",
    }
    if connection.vendor == "sqlite":
        cols = columns(with_id=True)
        probes["REPLACE INTO"] = f"REPLACE INTO {TABLE} ({cols}) SELECT {cols} FROM {TABLE} {where}"
        probes["INSERT OR REPLACE"] = (
            f"INSERT OR REPLACE INTO {TABLE} ({cols}) SELECT {cols} FROM {TABLE} {where}"
        )
        new_id = columns(with_id=False)
        probes["REPLACE INTO a new id"] = (
            f"REPLACE INTO {TABLE} ({new_id}) SELECT {new_id} FROM {TABLE} {where}"
        )
    else:
        probes["TRUNCATE"] = f"TRUNCATE {TABLE}"
    unchained = ", ".join(
        c for c in columns(with_id=False).split(", ") if c not in ("chain", "seq")
    )
    probes["INSERT without a chain"] = (
        f"INSERT INTO {TABLE} ({unchained}) SELECT {unchained} FROM {TABLE} {where}"
    )
    return {name: attempt(sql) for name, sql in probes.items()}


def verification() -> list[list[Any]]:
    return [
        [
            r.kind,
            r.chain,
            r.checked,
            r.problem.row if r.problem else None,
            r.problem.message if r.problem else None,
        ]
        for r in verify_chain().chains
    ]


def rows(names: str = "id, chain, seq, prev_hash, row_hash") -> list[list[Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {TABLE} ORDER BY id")  # noqa: S608
        return [list(row) for row in cursor.fetchall()]


def main() -> None:
    report: dict[str, Any] = {"vendor": connection.vendor}
    migrate("audit", "0003")
    report["triggers_at_0003"] = trigger_names()
    load_legacy_rows()
    migrate()
    report["migrated"] = {
        "triggers": trigger_names(),
        "rows": rows(),
        "refused": refusals(LEGACY["rows"][2]["id"]),
        "verify": verification(),
    }
    migrate("audit", "0003")
    report["undone"] = {"triggers": trigger_names(), "rows": rows("id, prev_hash, row_hash")}
    migrate()
    report["migrated_again"] = {"triggers": trigger_names(), "rows": len(rows())}
    # New rows in two clinics' chains and the installation chain, interleaved.
    cli = system_actor("migration test")
    for clinic_id in (1, 2, None, 2, 1, 1):
        with transaction.atomic():
            record(cli, "clinic.create" if clinic_id else "auth.login_failed", clinic_id=clinic_id)
    report["new"] = {
        "rows": rows()[len(LEGACY["rows"]) :],
        "verify": verification(),
        "refused": refusals(rows()[-1][0]),
    }
    try:
        migrate("audit", "0003")
        report["undo_with_chained_rows"] = "allowed"
    except RuntimeError as exc:
        report["undo_with_chained_rows"] = str(exc)
    report["after_refused_undo"] = {"triggers": trigger_names(), "rows": len(rows())}
    # Tampering, the triggers dropped (this database is thrown away afterwards).
    with connection.cursor() as cursor:
        for statement in triggers.current_statements(connection.vendor, create=False):
            cursor.execute(statement)
        cursor.execute(f"UPDATE {TABLE} SET reason = 'covered up' WHERE id = 3")
    report["legacy_row_edited"] = verification()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = '' WHERE id = 3")
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [len(LEGACY["rows"])])
    report["legacy_end_deleted"] = verification()
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
