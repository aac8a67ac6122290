"""The audit log is append-only in the database and its hash chain exposes tampering."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction

from ketacare.audit import triggers
from ketacare.audit.models import AuditEvent
from ketacare.audit.services import GENESIS_HASH, record, verify_chain
from ketacare.cli import main
from tests.conftest import Cast


def _without_triggers() -> None:
    """Drop the append-only triggers inside the test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        for statement in [
            *triggers.statements(connection.vendor, create=False),
            *triggers.insert_guard_statements(connection.vendor, create=False),
        ]:
            cursor.execute(statement)


def test_chain_holds_after_normal_use(cast: Cast) -> None:
    checked, problem = verify_chain()
    assert problem is None
    assert checked == AuditEvent.objects.count()
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None and first.id == 1 and first.prev_hash == GENESIS_HASH


def test_ids_are_gapless_and_each_row_points_at_the_previous(cast: Cast) -> None:
    rows = list(AuditEvent.objects.order_by("id").values_list("id", "prev_hash", "row_hash"))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    for (_, _, previous_hash), (_, prev_hash, _) in zip(rows, rows[1:], strict=False):
        assert prev_hash == previous_hash


def test_database_refuses_update(cast: Cast) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET actor_label = 'x' WHERE id = 1")
    assert AuditEvent.objects.get(id=1).actor_label == "system: tests/conftest.py"


def test_database_refuses_delete(cast: Cast) -> None:
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 2")
    assert AuditEvent.objects.count() == count


COLUMNS = (
    "id, occurred_at, action, outcome, actor_id, actor_label, clinic_id, patient_id, "
    "target_type, target_id, changes, data, ip, request_id, reason, prev_hash, row_hash"
)
# Row 1 again under its own id, with the actor's name forged.
FORGED_ROW_1 = COLUMNS.replace("actor_label", "'forged'")
_SELECT_ROW_1 = f"SELECT {FORGED_ROW_1} FROM audit_auditevent WHERE id = 1"  # noqa: S608
_UPSERT = (
    f"INSERT INTO audit_auditevent ({COLUMNS}) {_SELECT_ROW_1} "
    "ON CONFLICT (id) DO UPDATE SET actor_label = excluded.actor_label"
)
# Statements that overwrite an existing row without saying UPDATE or DELETE, per database.
OVERWRITES = {
    "sqlite": {
        "REPLACE INTO": f"REPLACE INTO audit_auditevent ({COLUMNS}) {_SELECT_ROW_1}",
        "INSERT OR REPLACE INTO": (
            f"INSERT OR REPLACE INTO audit_auditevent ({COLUMNS}) {_SELECT_ROW_1}"
        ),
        "INSERT ON CONFLICT DO UPDATE": _UPSERT,
    },
    "postgresql": {
        "INSERT ON CONFLICT DO UPDATE": _UPSERT,
        "MERGE WHEN MATCHED THEN UPDATE": (
            "MERGE INTO audit_auditevent AS e USING (SELECT 1 AS id) AS s ON e.id = s.id "
            "WHEN MATCHED THEN UPDATE SET actor_label = 'forged'"
        ),
        "MERGE WHEN MATCHED THEN DELETE": (
            "MERGE INTO audit_auditevent AS e USING (SELECT 1 AS id) AS s ON e.id = s.id "
            "WHEN MATCHED THEN DELETE"
        ),
    },
}


@pytest.mark.parametrize("statement", OVERWRITES[connection.vendor])
def test_database_refuses_overwriting_a_row_by_insert(cast: Cast, statement: str) -> None:
    rows = list(AuditEvent.objects.order_by("id").values())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(OVERWRITES[connection.vendor][statement])
    assert list(AuditEvent.objects.order_by("id").values()) == rows
    assert verify_chain() == (len(rows), None)


def test_model_refuses_update_and_delete(cast: Cast) -> None:
    event = AuditEvent.objects.get(id=1)
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_edited_row_is_named(cast: Cast) -> None:
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'patient.search' WHERE id = 3")
    _, problem = verify_chain()
    assert problem is not None
    assert problem.event_id == 3
    assert problem.message == "row 3 does not match its hash (edited or inserted out of band)"


def test_deleted_row_is_named(cast: Cast) -> None:
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 4")
    _, problem = verify_chain()
    assert problem is not None
    assert problem.event_id == 5
    assert problem.message == "row 4 missing before row 5 (deleted)"


def test_row_inserted_out_of_band_is_named(cast: Cast) -> None:
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (id, occurred_at, action, outcome, actor_label, "
            "target_type, target_id, changes, data, request_id, reason, prev_hash, row_hash) "
            "VALUES (%s, %s, 'patient.read', 'success', 'intruder', '', '', '{}', '{}', '', '', "
            "%s, %s)",
            [last.id + 1, last.occurred_at, last.row_hash, "f" * 64],
        )
    _, problem = verify_chain()
    assert problem is not None
    assert problem.event_id == last.id + 1
    assert problem.message.endswith("does not match its hash (edited or inserted out of band)")


def test_row_inserted_in_the_middle_is_named(cast: Cast) -> None:
    _without_triggers()
    with connection.cursor() as cursor:
        # Make room at id 3 by moving rows up, then insert a forged row in the gap.
        cursor.execute("UPDATE audit_auditevent SET id = id + 1000 WHERE id >= 3")
        cursor.execute("UPDATE audit_auditevent SET id = id - 999 WHERE id >= 1003")
        cursor.execute(
            "INSERT INTO audit_auditevent (id, occurred_at, action, outcome, actor_label, "
            "target_type, target_id, changes, data, request_id, reason, prev_hash, row_hash) "
            "SELECT 3, occurred_at, action, outcome, 'forged', target_type, target_id, changes, "
            "data, request_id, reason, row_hash, row_hash FROM audit_auditevent WHERE id = 2"
        )
    _, problem = verify_chain()
    assert problem is not None
    assert problem.event_id == 3


def test_unregistered_action_is_refused(cast: Cast) -> None:
    with (
        pytest.raises(ValueError, match="unregistered audit action 'patient.reed'"),
        transaction.atomic(),
    ):
        record(cast.actor(cast.owner), "patient.reed")


def test_record_outside_a_transaction_is_refused(cast: Cast) -> None:
    # pytest-django wraps each test in a transaction; leave it to test the guard.
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            record(cast.actor(cast.owner), "patient.read")
    finally:
        connection.in_atomic_block = atomic


def test_cli_verify_exit_codes(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    count = AuditEvent.objects.count()
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "checked": count,
        "first_bad_row": None,
        "message": None,
    }
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'covered up' WHERE id = 2")
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().err == (
        "audit chain broken at row 2: row 2 does not match its hash (edited or inserted out "
        "of band)\n"
    )
