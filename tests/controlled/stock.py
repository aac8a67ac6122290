"""The stock every ledger test starts from, made through the real services: the Harbor
clinic's two sites (its first, and Cambridge), a ketamine vial product and a Spravato device
product, a lot of each received at the first site on Monday 2 March 2026, and the clock at
10:00 New York time that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Site
from ketacare.accounts.sites import site_create
from ketacare.controlled import services
from ketacare.controlled.models import LedgerEntry, Lot, Product
from tests.conftest import Cast

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 2)
VIAL = "Ketamine HCl injection 50 mg/mL, 10 mL vial"
DEVICE = "Spravato 28 mg nasal spray device"
SUPPLIER = "Henry Schein, Melville NY"


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


@dataclass
class Stock:
    cast: Cast
    site: Site
    cambridge: Site
    vial: Product
    device: Product
    vial_lot: Lot
    device_lot: Lot

    def lot(self, lot: Lot) -> Lot:
        return Lot.objects.get(pk=lot.pk)


def make_products(cast: Cast) -> tuple[Product, Product]:
    owner = cast.actor(cast.owner)
    vial = services.product_create(
        owner,
        name=VIAL,
        drug="ketamine",
        form="injection",
        strength="50 mg/mL",
        unit="mg",
        concentration_mg_per_ml=Decimal("50"),
    )
    device = services.product_create(
        owner,
        name=DEVICE,
        drug="esketamine",
        form="nasal spray device",
        strength="28 mg",
        unit="device",
        mg_per_unit=Decimal("28"),
    )
    return vial, device


def build_stock(cast: Cast) -> Stock:
    """At 09:00: 1000 mg of ketamine lot K-100 (expires 2026-12-31) and 12 Spravato devices
    of lot S-7 (expires 2026-06-30) received at the first site."""
    owner = cast.actor(cast.owner)
    site = Site.objects.get(clinic=cast.clinic)
    cambridge = site_create(
        owner, data={"name": "Cambridge", "time_zone": "America/New_York", "city": "Cambridge"}
    )
    vial, device = make_products(cast)
    nurse = cast.actor(cast.nurse)
    k = services.receipt_record(
        nurse,
        product_id=vial.pk,
        site_id=site.pk,
        lot_number="K-100",
        expires_on=date(2026, 12, 31),
        quantity=Decimal("1000"),
        received_at=ny(MONDAY, 9),
        supplier=SUPPLIER,
        invoice_number="INV-5501",
    )
    s = services.receipt_record(
        nurse,
        product_id=device.pk,
        site_id=site.pk,
        lot_number="S-7",
        expires_on=date(2026, 6, 30),
        quantity=Decimal("12"),
        received_at=ny(MONDAY, 9),
        supplier="Janssen CarePath specialty distributor",
        invoice_number="JS-88",
    )
    return Stock(cast, site, cambridge, vial, device, k.lot, s.lot)


def entries() -> list[tuple[str, str, Decimal, Decimal]]:
    """Every entry: (kind, lot number, quantity, balance after), in the order written."""
    return [
        (e.kind, e.lot.lot_number, e.quantity, e.balance_after)
        for e in LedgerEntry.objects.select_related("lot").order_by("pk")
    ]
