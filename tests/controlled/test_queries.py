"""``usable_lots``, the query the chair page draws from: the lots of one site with stock
that have not expired on the day, first-expiring first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ketacare.controlled import queries, services

from .stock import MONDAY, SUPPLIER, Stock, ny


def _receive(stock: Stock, lot_number: str, expires_on: date, site_id: int | None = None) -> None:
    services.receipt_record(
        stock.cast.actor(stock.cast.nurse),
        product_id=stock.vial.pk,
        site_id=site_id or stock.site.pk,
        lot_number=lot_number,
        expires_on=expires_on,
        quantity=Decimal("500"),
        received_at=ny(MONDAY, 9, 30),
        supplier=SUPPLIER,
        invoice_number="INV-7",
    )


def test_usable_lots_come_first_expiring_first_with_stock_and_not_expired(stock: Stock) -> None:
    _receive(stock, "K-050", date(2026, 5, 31))
    _receive(stock, "K-300", date(2027, 3, 31))
    _receive(stock, "K-900", date(2026, 4, 30), site_id=stock.cambridge.pk)
    used_up = "K-050"
    services.administer(
        stock.cast.actor(stock.cast.nurse),
        lot_id=queries.usable_lots(stock.cast.clinic, stock.site).get(lot_number=used_up).pk,
        quantity=Decimal("500"),
        patient=stock.cast.dan,
        source_ref="session:5",
        occurred_at=ny(MONDAY, 9, 45),
    )
    today = queries.usable_lots(stock.cast.clinic, stock.site)
    assert [lot.lot_number for lot in today] == ["S-7", "K-100", "K-300"]
    vials = queries.usable_lots(stock.cast.clinic.pk, stock.site.pk, stock.vial)
    assert [lot.lot_number for lot in vials] == ["K-100", "K-300"]
    # On 1 July the Spravato lot (expires 30 June) is no longer usable.
    july = queries.usable_lots(stock.cast.clinic, stock.site, on=date(2026, 7, 1))
    assert [lot.lot_number for lot in july] == ["K-100", "K-300"]
    assert [lot.lot_number for lot in queries.usable_lots(stock.cast.clinic, stock.cambridge)] == [
        "K-900"
    ]
    # Another clinic's site holds none of Harbor's lots.
    assert list(queries.usable_lots(stock.cast.other_clinic, stock.site)) == []


def test_a_product_no_longer_stocked_has_no_usable_lot(stock: Stock) -> None:
    type(stock.device).objects.filter(pk=stock.device.pk).update(is_active=False)
    lots = queries.usable_lots(stock.cast.clinic, stock.site)
    assert [lot.lot_number for lot in lots] == ["K-100"]
