"""Database triggers that make the audit table append-only, on SQLite and PostgreSQL.

The application never updates or deletes audit rows; these triggers make sure nothing else
connected with the application's credentials can either (ONC 170.315(d)(2): actions "must not
be capable of being changed, overwritten or deleted").

Each migration installs the statements of its own time (0002: UPDATE/DELETE/TRUNCATE, 0003:
the SQLite REPLACE guard by id, 0004: all of them again, with the REPLACE guard extended to a
row's place in its chain, and a guard refusing new rows without a chain). The constants of a
migration never change afterwards: a fresh database replays them in order. ``CURRENT`` names
what a migrated database holds.

On SQLite, Django changes most columns by remaking the table (create a new one, copy the rows,
drop the old one, rename): the triggers go with the old table, so a migration that alters the
audit table must end with ``reinstall`` (as 0004 does); ``tests/audit/test_chain_migration.py``
checks a migrated database has every trigger of ``CURRENT`` and refuses each kind of change.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
MESSAGE = "audit log is append-only"

SQLITE_CREATE = [
    f"CREATE TRIGGER audit_refuse_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER audit_refuse_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_refuse_update;",
    "DROP TRIGGER IF EXISTS audit_refuse_delete;",
]

POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;",
    f"CREATE TRIGGER audit_refuse_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();",
    f"CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_refuse_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_refuse_update_delete ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]


# SQLite's REPLACE (``REPLACE INTO``, ``INSERT OR REPLACE``) removes a conflicting row without
# firing DELETE triggers (unless ``recursive_triggers`` is on), so a row could be overwritten in
# place. Refuse any INSERT whose id is already taken, before the conflict is resolved. (An
# UPSERT's ``DO UPDATE`` already fires the UPDATE trigger, as it does on PostgreSQL, where
# there is no REPLACE.) Added by migration 0003; ``statements`` stays what 0002 installed.
SQLITE_INSERT_GUARD_CREATE = [
    # Built from the constants above only (no input), hence the noqa.
    f"CREATE TRIGGER audit_refuse_replace BEFORE INSERT ON {TABLE} "  # noqa: S608
    f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_INSERT_GUARD_DROP = ["DROP TRIGGER IF EXISTS audit_refuse_replace;"]


# Migration 0004 (per-clinic chains): a row's place (chain, seq) is unique too, so a REPLACE
# with a new id over an existing (chain, seq) would delete that row just as silently. NULL
# never equals NULL, so legacy rows (no chain) are guarded by their id alone.
SQLITE_CHAIN_GUARD_CREATE = [
    # Built from the constants above only (no input), hence the noqa.
    f"CREATE TRIGGER audit_refuse_replace BEFORE INSERT ON {TABLE} "  # noqa: S608
    f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id) "
    f"OR EXISTS (SELECT 1 FROM {TABLE} WHERE chain = NEW.chain AND seq = NEW.seq) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]

# Migration 0004: the legacy chain (rows without a chain, written before 0004) is closed; a
# new row without a chain would be an old writer still running, or a forgery.
LEGACY_MESSAGE = f"{MESSAGE}: new events need a chain (the legacy chain is closed)"
SQLITE_LEGACY_GUARD_CREATE = [
    f"CREATE TRIGGER audit_refuse_legacy_insert BEFORE INSERT ON {TABLE} "
    f"WHEN NEW.chain IS NULL BEGIN SELECT RAISE(ABORT, '{LEGACY_MESSAGE}'); END;",
]
SQLITE_LEGACY_GUARD_DROP = ["DROP TRIGGER IF EXISTS audit_refuse_legacy_insert;"]
POSTGRES_LEGACY_GUARD_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_refuse_legacy_insert() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{LEGACY_MESSAGE}'; END $$;",
    f"CREATE TRIGGER audit_refuse_legacy_insert BEFORE INSERT ON {TABLE} "
    "FOR EACH ROW WHEN (NEW.chain IS NULL) EXECUTE FUNCTION audit_refuse_legacy_insert();",
]
POSTGRES_LEGACY_GUARD_DROP = [
    f"DROP TRIGGER IF EXISTS audit_refuse_legacy_insert ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_refuse_legacy_insert();",
]

# The triggers a database migrated to the latest migration holds, by name.
CURRENT = {
    "sqlite": (
        "audit_refuse_delete",
        "audit_refuse_legacy_insert",
        "audit_refuse_replace",
        "audit_refuse_update",
    ),
    "postgresql": (
        "audit_refuse_legacy_insert",
        "audit_refuse_truncate",
        "audit_refuse_update_delete",
    ),
}


def statements(vendor: str, *, create: bool) -> list[str]:
    """The UPDATE, DELETE (and on PostgreSQL TRUNCATE) triggers of migration 0002."""
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    raise RuntimeError(f"no append-only audit triggers for database {vendor!r}")


def insert_guard_statements(vendor: str, *, create: bool) -> list[str]:
    """The trigger of migration 0003 refusing an INSERT that would replace a row (SQLite)."""
    if vendor == "sqlite":
        return SQLITE_INSERT_GUARD_CREATE if create else SQLITE_INSERT_GUARD_DROP
    if vendor == "postgresql":
        return []
    raise RuntimeError(f"no append-only audit triggers for database {vendor!r}")


def install(apps: Any, schema_editor: Any) -> None:
    for statement in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement)


def remove(apps: Any, schema_editor: Any) -> None:
    for statement in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement)


def install_insert_guard(apps: Any, schema_editor: Any) -> None:
    for statement in insert_guard_statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement)


def remove_insert_guard(apps: Any, schema_editor: Any) -> None:
    for statement in insert_guard_statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement)


def current_statements(vendor: str, *, create: bool) -> list[str]:
    """Every trigger of the latest migration (0004), to create or to drop."""
    if vendor == "sqlite":
        if create:
            return [*SQLITE_CREATE, *SQLITE_CHAIN_GUARD_CREATE, *SQLITE_LEGACY_GUARD_CREATE]
        return [*SQLITE_DROP, *SQLITE_INSERT_GUARD_DROP, *SQLITE_LEGACY_GUARD_DROP]
    if vendor == "postgresql":
        if create:
            return [*POSTGRES_CREATE, *POSTGRES_LEGACY_GUARD_CREATE]
        return [*POSTGRES_LEGACY_GUARD_DROP, *POSTGRES_DROP]
    raise RuntimeError(f"no append-only audit triggers for database {vendor!r}")


def reinstall(apps: Any, schema_editor: Any) -> None:
    """Migration 0004: drop whatever triggers survived the table changes, create all of them."""
    vendor = schema_editor.connection.vendor
    for statement in [
        *current_statements(vendor, create=False),
        *current_statements(vendor, create=True),
    ]:
        schema_editor.execute(statement)


def reinstall_before_chains(apps: Any, schema_editor: Any) -> None:
    """Migration 0004 undone: the triggers of 0002 and 0003 again, after the table changes."""
    vendor = schema_editor.connection.vendor
    for statement in [
        *current_statements(vendor, create=False),
        *statements(vendor, create=True),
        *insert_guard_statements(vendor, create=True),
    ]:
        schema_editor.execute(statement)
