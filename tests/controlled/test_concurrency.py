"""Two sessions drawing from one lot at the same moment never overdraw it: ten threads, each
with its own database connection and transaction, each draw 150 mg from a 1000 mg lot.

On PostgreSQL the ten run at once (a barrier releases them together): the lot's row lock
(``SELECT ... FOR UPDATE``) makes each draw read the balance the previous one left, so six
draws go through, four are refused naming the lot, and the balance is exactly 100 mg. On
SQLite one connection writes at a time (the write lock taken at BEGIN), so the draws are
serialised here too, and must give the same answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from ketacare.audit import triggers
from ketacare.controlled import services
from ketacare.controlled.models import LedgerEntry, Lot
from ketacare.lib.errors import FieldErrors

from .stock import MONDAY, Stock, ny

DRAWS = 10
DOSE_MG = Decimal("150")


def _triggers(*, create: bool) -> None:
    with connection.cursor() as cursor:
        for statement in triggers.current_statements(connection.vendor, create=create):
            cursor.execute(statement)


@pytest.fixture(scope="module")
def _audit_triggers_back(django_db_blocker: Any) -> Iterator[None]:
    """The audit table's append-only triggers, put back once the test's rows are flushed."""
    yield
    with django_db_blocker.unblock():
        _triggers(create=False)
        _triggers(create=True)


@pytest.fixture
def committed(_audit_triggers_back: None, transactional_db: None) -> Iterator[None]:
    """Rows committed for the threads' connections to see; emptied afterwards by Django's
    flush, which the append-only audit table refuses until its triggers are dropped."""
    yield
    _triggers(create=False)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_draws_from_one_lot_never_overdraw_it(committed: None, stock: Stock) -> None:
    lot_id = stock.vial_lot.pk
    nurse = stock.cast.actor(stock.cast.nurse)
    patients = [stock.cast.dan, stock.cast.zoe]
    ready = threading.Barrier(DRAWS)
    # SQLite's in-memory test database is shared between the threads' connections; its write
    # lock serialises writers, taken here in turn.
    one_at_a_time = threading.Lock() if connection.vendor == "sqlite" else None

    def draw(n: int) -> str:
        ready.wait()
        try:
            if one_at_a_time is not None:
                one_at_a_time.acquire()
            with transaction.atomic():
                services.administer(
                    nurse,
                    lot_id=lot_id,
                    quantity=DOSE_MG,
                    patient=patients[n % 2],
                    source_ref=f"session:{n}",
                    occurred_at=ny(MONDAY, 9, 30),
                )
            return "given"
        except FieldErrors as exc:
            return exc.errors["lot"]
        finally:
            if one_at_a_time is not None:
                one_at_a_time.release()
            connection.close()

    with ThreadPoolExecutor(DRAWS) as pool:
        answers = list(pool.map(draw, range(DRAWS)))

    refusals = sorted(a for a in answers if a != "given")
    assert answers.count("given") == 6
    assert refusals == ["lot K-100 has 100 mg left; 150 mg asked"] * 4
    assert Lot.objects.get(pk=lot_id).balance == Decimal("100")
    given = LedgerEntry.objects.filter(lot_id=lot_id, kind="administration").order_by("pk")
    # Each draw saw the balance the one before it left: no two wrote the same balance.
    assert [e.balance_after for e in given] == [Decimal(b) for b in (850, 700, 550, 400, 250, 100)]
