"""The audit log is append-only in the database, and each clinic's hash chain exposes
tampering on its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max

from ketacare.accounts import services as accounts
from ketacare.accounts.actor import Actor, system_actor
from ketacare.accounts.models import Clinic
from ketacare.audit import services, triggers
from ketacare.audit.models import INSTALLATION_CHAIN, AuditEvent
from ketacare.audit.services import GENESIS_HASH, Verification, record, verify_chain
from ketacare.cli import main
from tests.conftest import SETUP, Cast

TABLE = "audit_auditevent"
APPEND_ONLY = "audit log is append-only"


def _without_triggers() -> None:
    """Drop the append-only triggers inside the test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        for statement in triggers.current_statements(connection.vendor, create=False):
            cursor.execute(statement)


def _chain(chain: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain=chain).order_by("seq"))


def _row(chain: int, seq: int) -> AuditEvent:
    return AuditEvent.objects.get(chain=chain, seq=seq)


def _last(chain: int) -> int:
    """The place of the chain's last row, 0 when it has none (read before acting on it)."""
    return AuditEvent.objects.filter(chain=chain).aggregate(last=Max("seq"))["last"] or 0


def _head(chain: int) -> str:
    """The hash the chain's next row follows: its last row's, or genesis (no legacy rows)."""
    last = _last(chain)
    return _row(chain, last).row_hash if last else GENESIS_HASH


def _lengths() -> dict[int, int]:
    """Rows per chain, in chain order: what the cast's setup and use have written so far."""
    rows = (
        AuditEvent.objects.filter(chain__isnull=False)
        .values_list("chain")
        .annotate(rows=Count("id"))
        .order_by("chain")
    )
    return dict(rows)


Summary = list[tuple[int | None, int, int | None, str | None]]


def _summary(verification: Verification) -> Summary:
    """Per chain: the chain, rows that held, and the first bad row's place and message."""
    return [
        (
            report.chain,
            report.checked,
            report.problem.row if report.problem else None,
            report.problem.message if report.problem else None,
        )
        for report in verification.chains
    ]


def _intact(lengths: dict[int, int]) -> Summary:
    """What verifying gives when every chain holds with these lengths."""
    return [(chain, rows, None, None) for chain, rows in sorted(lengths.items())]


def _broken(lengths: dict[int, int], chain: int, checked: int, row: int, message: str) -> Summary:
    """Every chain intact but ``chain``, which holds for ``checked`` rows and breaks at ``row``."""
    return [
        (chain, checked, row, message) if entry[0] == chain else entry for entry in _intact(lengths)
    ]


def _mismatch(row: int) -> str:
    return f"row {row} does not match its hash (edited or inserted out of band)"


def _login_attempt() -> Actor:
    return Actor(user=None, membership=None, label="login attempt for nobody@example.com")


def test_chain_holds_after_normal_use(cast: Cast) -> None:
    lengths = _lengths()
    # The cast's setup writes to every chain: its users (of no clinic yet) to the installation
    # chain, each clinic, site and membership to its clinic's.
    assert list(lengths) == [INSTALLATION_CHAIN, cast.clinic.pk, cast.other_clinic.pk]
    verification = verify_chain()
    assert _summary(verification) == _intact(lengths)
    assert verification.ok
    assert verification.checked == sum(lengths.values()) == AuditEvent.objects.count()


def test_each_clinic_has_a_gapless_chain_of_its_own_each_row_following_the_previous(
    cast: Cast,
) -> None:
    for chain, clinic_id in (
        (INSTALLATION_CHAIN, None),
        (cast.clinic.pk, cast.clinic.pk),
        (cast.other_clinic.pk, cast.other_clinic.pk),
    ):
        rows = _chain(chain)
        assert rows
        assert [(e.seq, e.clinic_id) for e in rows] == [
            (n, clinic_id) for n in range(1, 1 + len(rows))
        ]
        assert rows[0].prev_hash == GENESIS_HASH
        for previous, event in zip(rows, rows[1:], strict=False):
            assert event.prev_hash == previous.row_hash


def test_events_of_no_clinic_go_to_the_installation_chain(cast: Cast) -> None:
    lengths, last, head = _lengths(), _last(INSTALLATION_CHAIN), _head(INSTALLATION_CHAIN)
    first = services.record_standalone(_login_attempt(), "auth.login_failed", outcome="failure")
    second = services.record_standalone(_login_attempt(), "auth.login_failed", outcome="failure")
    assert [(e.chain, e.seq, e.clinic_id) for e in (first, second)] == [
        (INSTALLATION_CHAIN, last + 1, None),
        (INSTALLATION_CHAIN, last + 2, None),
    ]
    assert (first.prev_hash, second.prev_hash) == (head, first.row_hash)
    assert _summary(verify_chain()) == _intact(
        {**lengths, INSTALLATION_CHAIN: lengths[INSTALLATION_CHAIN] + 2}
    )


def test_an_event_named_for_another_clinic_goes_to_that_clinics_chain(cast: Cast) -> None:
    lakeside = cast.other_clinic.pk
    last, head = _last(lakeside), _head(lakeside)
    with transaction.atomic():
        event = record(cast.actor(cast.owner), "auth.clinic_switched", clinic_id=lakeside)
    assert (event.chain, event.seq, event.prev_hash) == (lakeside, last + 1, head)


def test_database_refuses_update(cast: Cast) -> None:
    first = _row(cast.clinic.pk, 1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET actor_label = 'x' WHERE id = %s", [first.id])  # noqa: S608
    assert AuditEvent.objects.get(id=first.id).actor_label == "system: tests/conftest.py"


def test_database_refuses_delete(cast: Cast) -> None:
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [_row(cast.clinic.pk, 2).id])  # noqa: S608
    assert AuditEvent.objects.count() == count


def test_database_refuses_a_row_without_a_chain(cast: Cast) -> None:
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="new events need a chain"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO {TABLE} (occurred_at, action, outcome, actor_label, target_type, "  # noqa: S608
            "target_id, changes, data, request_id, reason, prev_hash, row_hash) "
            "VALUES (%s, 'patient.read', 'success', 'intruder', '', '', '{}', '{}', '', '', "
            "%s, %s)",
            [_row(cast.clinic.pk, 1).occurred_at, GENESIS_HASH, "f" * 64],
        )
    assert AuditEvent.objects.count() == count


COLUMNS = (
    "chain, seq, occurred_at, action, outcome, actor_id, actor_label, clinic_id, patient_id, "
    "target_type, target_id, changes, data, ip, request_id, reason, prev_hash, row_hash"
)
# A copy of one row (``%s``: its id) with the actor's name forged: under the row's own id, or
# under a new id at the row's place in its chain.
_FORGED = COLUMNS.replace("actor_label", "'forged'")
_SAME_ID = f"SELECT id, {_FORGED} FROM {TABLE} WHERE id = %s"  # noqa: S608
_NEW_ID = f"SELECT {_FORGED} FROM {TABLE} WHERE id = %s"  # noqa: S608
_ON_ID = f"INSERT INTO {TABLE} (id, {COLUMNS}) {_SAME_ID} ON CONFLICT (id) "
_ON_PLACE = f"INSERT INTO {TABLE} ({COLUMNS}) {_NEW_ID} ON CONFLICT (chain, seq) "
_MERGE = f"MERGE INTO {TABLE} AS e USING (SELECT %s AS id) AS s ON e.id = s.id "
# Statements that overwrite an existing row without saying UPDATE or DELETE, per database.
OVERWRITES = {
    "sqlite": {
        "REPLACE INTO": f"REPLACE INTO {TABLE} (id, {COLUMNS}) {_SAME_ID}",
        "INSERT OR REPLACE INTO": f"INSERT OR REPLACE INTO {TABLE} (id, {COLUMNS}) {_SAME_ID}",
        "REPLACE INTO with a new id at the row's place": (
            f"REPLACE INTO {TABLE} ({COLUMNS}) {_NEW_ID}"
        ),
        "INSERT ON CONFLICT (id) DO UPDATE": (
            _ON_ID + "DO UPDATE SET actor_label = excluded.actor_label"
        ),
        "INSERT ON CONFLICT (chain, seq) DO UPDATE": (
            _ON_PLACE + "DO UPDATE SET actor_label = excluded.actor_label"
        ),
    },
    "postgresql": {
        "INSERT ON CONFLICT (id) DO UPDATE": (
            _ON_ID + "DO UPDATE SET actor_label = excluded.actor_label"
        ),
        "INSERT ON CONFLICT (chain, seq) DO UPDATE": (
            _ON_PLACE + "DO UPDATE SET actor_label = excluded.actor_label"
        ),
        "MERGE WHEN MATCHED THEN UPDATE": (
            _MERGE + "WHEN MATCHED THEN UPDATE SET actor_label = 'forged'"
        ),
        "MERGE WHEN MATCHED THEN DELETE": _MERGE + "WHEN MATCHED THEN DELETE",
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
        cursor.execute(OVERWRITES[connection.vendor][statement], [_row(cast.clinic.pk, 1).id])
    assert list(AuditEvent.objects.order_by("id").values()) == rows
    assert verify_chain().ok


def test_model_refuses_update_and_delete(cast: Cast) -> None:
    event = _row(cast.clinic.pk, 1)
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_edited_row_is_named_in_its_clinics_chain(cast: Cast) -> None:
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    lengths = _lengths()
    edited = _row(harbor, 3)
    assert lengths[harbor] > 3  # an edit inside the chain, rows after it
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = 'patient.search' WHERE id = %s", [edited.id])  # noqa: S608
    verification = verify_chain()
    assert _summary(verification) == _broken(lengths, harbor, 2, 3, _mismatch(3))
    assert [report.chain for report in verification.broken] == [harbor]
    assert verification.of(lakeside).ok and verification.of(INSTALLATION_CHAIN).ok
    problem = verification.of(harbor).problem
    assert problem is not None and problem.event_id == edited.id


def test_a_deletion_in_one_clinics_chain_is_found_and_the_other_chain_is_reported_intact(
    cast: Cast,
) -> None:
    harbor = cast.clinic.pk
    lengths, last = _lengths(), _last(cast.clinic.pk)
    after = _row(harbor, last)
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [_row(harbor, last - 1).id])  # noqa: S608
    verification = verify_chain()
    assert _summary(verification) == _broken(
        lengths, harbor, last - 2, last, f"row {last - 1} missing before row {last} (deleted)"
    )
    assert [report.chain for report in verification.broken] == [harbor]
    problem = verification.of(harbor).problem
    assert problem is not None and problem.event_id == after.id


def test_the_first_row_of_a_chain_deleted_is_found_and_the_other_chain_is_intact(
    cast: Cast,
) -> None:
    lakeside = cast.other_clinic.pk
    lengths = _lengths()
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [_row(lakeside, 1).id])  # noqa: S608
    assert _summary(verify_chain()) == _broken(
        lengths, lakeside, 0, 2, "row 1 missing before row 2 (deleted)"
    )


def test_a_row_renumbered_to_close_a_gap_does_not_match_its_hash(cast: Cast) -> None:
    """The hash covers the row's place: a deletion cannot be hidden by moving rows up."""
    harbor = cast.clinic.pk
    lengths, last = _lengths(), _last(harbor)
    before_gap = _row(harbor, last - 2)
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE chain = %s AND seq = %s",  # noqa: S608
            [harbor, last - 1],
        )
        cursor.execute(
            f"UPDATE {TABLE} SET seq = %s, prev_hash = %s WHERE chain = %s AND seq = %s",  # noqa: S608
            [last - 1, before_gap.row_hash, harbor, last],
        )
    assert _summary(verify_chain()) == _broken(
        lengths, harbor, last - 2, last - 1, _mismatch(last - 1)
    )


def test_a_row_moved_to_another_clinics_chain_does_not_match_its_hash_there(cast: Cast) -> None:
    """The hash covers the chain: a row cannot be passed off as another clinic's."""
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    lengths, there = _lengths(), _last(lakeside)
    moved = _row(harbor, _last(harbor))
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET chain = %s, clinic_id = %s, seq = %s, prev_hash = %s "  # noqa: S608
            "WHERE id = %s",
            [lakeside, lakeside, there + 1, _head(lakeside), moved.id],
        )
    # Harbor now ends one row early, which its chain alone cannot show (docs: the heads).
    verification = verify_chain()
    assert _summary(verification) == _broken(
        {**lengths, harbor: lengths[harbor] - 1}, lakeside, there, there + 1, _mismatch(there + 1)
    )
    problem = verification.of(lakeside).problem
    assert problem is not None and problem.event_id == moved.id


def test_row_inserted_out_of_band_is_named(cast: Cast) -> None:
    harbor = cast.clinic.pk
    lengths, last = _lengths(), _row(harbor, _last(harbor))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (chain, seq, occurred_at, action, outcome, actor_label, "  # noqa: S608
            "clinic_id, target_type, target_id, changes, data, request_id, reason, prev_hash, "
            "row_hash) VALUES (%s, %s, %s, 'patient.read', 'success', 'intruder', %s, '', '', "
            "'{}', '{}', '', '', %s, %s)",
            [harbor, last.seq + 1, last.occurred_at, harbor, last.row_hash, "f" * 64],
        )
    assert _summary(verify_chain()) == _broken(
        lengths, harbor, lengths[harbor], last.seq + 1, _mismatch(last.seq + 1)
    )


def test_a_row_inserted_in_the_old_form_without_a_chain_is_named(cast: Cast) -> None:
    """With the guard dropped, a forged legacy row shows, and every chain's start with it."""
    lengths = _lengths()
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, occurred_at, action, outcome, actor_label, target_type, "  # noqa: S608
            "target_id, changes, data, request_id, reason, prev_hash, row_hash) "
            "VALUES (%s, %s, 'patient.read', 'success', 'intruder', '', '', '{}', '{}', '', '', "
            "%s, %s)",
            [last_id + 1, _row(cast.clinic.pk, 1).occurred_at, GENESIS_HASH, "f" * 64],
        )
    start = (
        "row 1 does not start from the last row of the legacy chain (legacy rows deleted at "
        "its end, or inserted out of band)"
    )
    assert _summary(verify_chain()) == [
        (None, 0, last_id + 1, f"rows 1-{last_id} missing before row {last_id + 1} (deleted)"),
        *((chain, 0, 1, start) for chain in lengths),
    ]


def test_row_inserted_in_the_middle_is_named(cast: Cast) -> None:
    harbor = cast.clinic.pk
    lengths = _lengths()
    second = _row(harbor, 2)
    _without_triggers()
    with connection.cursor() as cursor:
        # Make room at place 3 by moving rows up, then insert a forged row in the gap.
        for step in (1000, -999):
            cursor.execute(
                f"UPDATE {TABLE} SET seq = seq + %s WHERE chain = %s AND seq >= 3",  # noqa: S608
                [step, harbor],
            )
        cursor.execute(
            f"INSERT INTO {TABLE} (chain, seq, occurred_at, action, outcome, actor_label, "  # noqa: S608
            "clinic_id, target_type, target_id, changes, data, request_id, reason, prev_hash, "
            "row_hash) SELECT chain, 3, occurred_at, action, outcome, 'forged', clinic_id, "
            f"target_type, target_id, changes, data, request_id, reason, row_hash, row_hash FROM "
            f"{TABLE} WHERE id = %s",
            [second.id],
        )
    assert _summary(verify_chain()) == _broken(lengths, harbor, 2, 3, _mismatch(3))


def test_two_clinics_chains_interleaved_in_time_verify_independently(cast: Cast) -> None:
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    lengths = _lengths()
    h, lk, i = (_last(chain) for chain in (harbor, lakeside, INSTALLATION_CHAIN))
    written = []
    for n in range(10):
        with transaction.atomic():
            written.append(record(cast.actor(cast.nurse), "patient.read", patient_id=cast.dan.pk))
            written.append(
                record(cast.actor(cast.outsider), "patient.read", patient_id=cast.erin.pk)
            )
            written.append(record(_login_attempt(), "auth.login_failed", data={"n": n}))
    assert [e.id for e in written] == sorted(e.id for e in written)
    assert [(e.chain, e.seq) for e in written[:6]] == [
        (harbor, h + 1),
        (lakeside, lk + 1),
        (INSTALLATION_CHAIN, i + 1),
        (harbor, h + 2),
        (lakeside, lk + 2),
        (INSTALLATION_CHAIN, i + 2),
    ]
    grown = {chain: rows + 10 for chain, rows in lengths.items()}
    assert _summary(verify_chain()) == _intact(grown)
    # The fifth of Lakeside's rows written here, between rows of the other two chains.
    edited = _row(lakeside, lk + 5)
    assert edited.id in {e.id for e in written}
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET reason = 'covered up' WHERE id = %s",  # noqa: S608
            [edited.id],
        )
    assert _summary(verify_chain()) == _broken(grown, lakeside, lk + 4, lk + 5, _mismatch(lk + 5))


def test_a_transaction_writing_to_several_chains_locks_them_in_ascending_order(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Created last (the highest id) but first by name, the order the owner's events are written.
    aardvark = accounts.clinic_create(SETUP, slug="aardvark", name="Aardvark", time_zone="UTC")
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    last = {chain: _last(chain) for chain in (INSTALLATION_CHAIN, harbor, lakeside, aardvark.pk)}
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    taken: list[int] = []
    monkeypatch.setattr(services, "_lock_chain", taken.append)
    accounts.owner_create(
        system_actor("ketacare manage createsuperuser"),
        email="olga@example.com",
        full_name="Olga Owner",
        password="lantern orchard quietly 1987",
    )
    # All four first, in ascending order: the new user's (the installation chain: the actor
    # has no clinic) and every clinic's; then each event takes its own again (free).
    assert taken == [
        INSTALLATION_CHAIN,
        harbor,
        lakeside,
        aardvark.pk,
        INSTALLATION_CHAIN,
        aardvark.pk,
        harbor,
        lakeside,
    ]
    assert [
        (e.action, e.chain, e.seq) for e in AuditEvent.objects.filter(id__gt=last_id).order_by("id")
    ] == [
        ("user.create", INSTALLATION_CHAIN, last[INSTALLATION_CHAIN] + 1),
        ("auth.owner_created", aardvark.pk, last[aardvark.pk] + 1),
        ("auth.owner_created", harbor, last[harbor] + 1),
        ("auth.owner_created", lakeside, last[lakeside] + 1),
    ]


def test_locking_chains_outside_a_transaction_is_refused(cast: Cast) -> None:
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction that records"):
            services.lock_chains([cast.clinic.pk])
    finally:
        connection.in_atomic_block = atomic


def _other_connection() -> Any:
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one write lock")
def test_a_clinics_chain_lock_does_not_hold_back_another_clinic(cast: Cast) -> None:
    # New clinics whose chains the test's transaction has not written to yet: made without
    # ``clinic_create``, whose own audit event would take the new clinic's lock.
    bay = Clinic.objects.create(slug="bay", name="Bay", time_zone="UTC")
    cove = Clinic.objects.create(slug="cove", name="Cove", time_zone="UTC")
    with transaction.atomic():
        record(system_actor("test"), "clinic.create", clinic_id=bay.pk)
    lock = "SELECT pg_try_advisory_xact_lock(%s, %s)"
    with _other_connection() as other:
        got = {
            chain: other.execute(lock, [services._PG_CHAIN_LOCK_CLASS, chain]).fetchone()
            for chain in (bay.pk, cove.pk, cast.other_clinic.pk, INSTALLATION_CHAIN)
        }
        # The one lock for everything of before per-clinic chains is not taken either.
        old_global = other.execute("SELECT pg_try_advisory_xact_lock(7262773501)").fetchone()
        other.rollback()
    # Lakeside's and the installation chain's locks are the cast's: it wrote to those chains
    # (its clinic, users and memberships) in this same transaction, which holds them to its end.
    assert got == {
        bay.pk: (False,),
        cove.pk: (True,),
        cast.other_clinic.pk: (False,),
        INSTALLATION_CHAIN: (False,),
    }
    assert old_global == (True,)


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


def _chain_json(chain: int, checked: int, slug: str | None = None) -> dict[str, Any]:
    """A chain that holds, as ``audit verify --json`` reports it."""
    return {
        "chain": "installation" if chain == INSTALLATION_CHAIN else "clinic",
        "clinic_id": None if chain == INSTALLATION_CHAIN else chain,
        "clinic": slug,
        "ok": True,
        "checked": checked,
        "first_bad_row": None,
        "first_bad_place": None,
        "message": None,
        "head_row": checked,
        "head_hash": _row(chain, checked).row_hash,
    }


def test_cli_verify_reports_every_chain_as_json(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    lengths = _lengths()
    services.record_standalone(_login_attempt(), "auth.login_failed", outcome="failure")
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "checked": sum(lengths.values()) + 1,
        "first_bad_row": None,
        "message": None,
        "chains": [
            _chain_json(INSTALLATION_CHAIN, lengths[INSTALLATION_CHAIN] + 1),
            _chain_json(harbor, lengths[harbor], "harbor"),
            _chain_json(lakeside, lengths[lakeside], "lakeside"),
        ],
    }


def test_cli_verify_names_the_broken_clinic_and_exits_1(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    harbor, lakeside = cast.clinic.pk, cast.other_clinic.pk
    lengths = _lengths()
    installation_line = f"installation chain: holds, {lengths[INSTALLATION_CHAIN]} events checked\n"
    lakeside_line = f"clinic {lakeside} (lakeside): holds, {lengths[lakeside]} events checked\n"
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out == (
        installation_line
        + f"clinic {harbor} (harbor): holds, {lengths[harbor]} events checked\n"
        + lakeside_line
        + f"audit chains hold: {sum(lengths.values())} events checked in 3 chains\n"
    )
    edited = _row(harbor, 2)
    _without_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = 'covered up' WHERE id = %s", [edited.id])  # noqa: S608
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert out.err == (
        f"audit chain of clinic {harbor} (harbor) broken at row 2 (event #{edited.id}): row 2 "
        "does not match its hash (edited or inserted out of band)\n"
    )
    assert out.out == installation_line + lakeside_line
    assert main(["audit", "verify", "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert (answer["ok"], answer["checked"], answer["first_bad_row"]) == (
        False,
        lengths[INSTALLATION_CHAIN] + 1 + lengths[lakeside],
        edited.id,
    )
    assert answer["chains"] == [
        _chain_json(INSTALLATION_CHAIN, lengths[INSTALLATION_CHAIN]),
        {
            "chain": "clinic",
            "clinic_id": harbor,
            "clinic": "harbor",
            "ok": False,
            "checked": 1,
            "first_bad_row": edited.id,
            "first_bad_place": 2,
            "message": "row 2 does not match its hash (edited or inserted out of band)",
            "head_row": 1,
            "head_hash": _row(harbor, 1).row_hash,
        },
        _chain_json(lakeside, lengths[lakeside], "lakeside"),
    ]


def test_the_migrated_database_holds_every_append_only_trigger(db: None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        names = sorted(row[0] for row in cursor.fetchall())
    assert names == sorted(triggers.CURRENT[connection.vendor])
