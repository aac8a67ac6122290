"""Database triggers that make the audit table append-only, on SQLite and PostgreSQL.

The application never updates or deletes audit rows; these triggers make sure nothing else
connected with the application's credentials can either (ONC 170.315(d)(2): actions "must not
be capable of being changed, overwritten or deleted").
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
