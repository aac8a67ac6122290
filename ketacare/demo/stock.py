"""The demo clinic's controlled-substance ledger, kept through the ledger's services from the
day each Boston site opened.

On the clinic's opening day the owner adds the three products it stocks and receives a lot of
each at Harbor Street (supplier and invoice on each receipt), then takes the initial inventory
with the nurse as witness (21 CFR 1304.11(b); reference/clinical.md section 8.6). When Back Bay
opens it receives its own lot of the 10 mL vials, Harbor Street transfers Spravato devices to it
for the Thursday Spravato sessions (the prescriber works there on Thursdays), and Back Bay takes
its initial inventory. The treatment sessions draw their doses from these lots (``chairside``).
Six days before today the nurse counts Harbor Street's stock with the owner as witness; the
open multi-dose vial measures 0.1 mL above the ledger (the vial's overfill), explained on the
count, when a vial is open by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.utils import timezone

from ketacare.accounts.models import Site
from ketacare.controlled import services as ledger
from ketacare.controlled.models import Lot

from .calendar_setup import BACK_BAY, HARBOR, SATURDAY, DemoCalendar
from .history import BOSTON
from .state import SeedState
from .timeline import Timeline, local

VIAL_50, VIAL_100, SPRAVATO_DEVICE = "ketamine-50", "ketamine-100", "spravato-28"


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    drug: str
    form: str
    strength: str
    unit: str
    concentration_mg_per_ml: Decimal | None = None
    mg_per_unit: Decimal | None = None
    #: What one vial holds (mg), for a vial product.
    vial_mg: Decimal | None = None


#: The presentations the clinic stocks: racemic ketamine 50 and 100 mg/mL (KETALAR PI: supplied
#: as 10, 50 and 100 mg/mL; sources.toml ketalar-pi) and the Spravato 28 mg device (SPRAVATO PI
#: section 2: 28 mg per device; reference/clinical.md section 1.2).
PRODUCTS = (
    Product(
        VIAL_50,
        "Ketamine HCl injection 50 mg/mL, 10 mL vial",
        "ketamine",
        "injection",
        "50 mg/mL",
        "mg",
        concentration_mg_per_ml=Decimal(50),
        vial_mg=Decimal(500),
    ),
    Product(
        VIAL_100,
        "Ketamine HCl injection 100 mg/mL, 5 mL vial",
        "ketamine",
        "injection",
        "100 mg/mL",
        "mg",
        concentration_mg_per_ml=Decimal(100),
        vial_mg=Decimal(500),
    ),
    Product(
        SPRAVATO_DEVICE,
        "Spravato 28 mg nasal spray device",
        "esketamine",
        "nasal spray device",
        "28 mg",
        "device",
        mg_per_unit=Decimal(28),
    ),
)
BY_KEY = {p.key: p for p in PRODUCTS}


@dataclass(frozen=True)
class Receipt:
    site: str
    product: str
    lot_number: str
    quantity: Decimal
    #: Days from the day received to the lot's expiry (all after the demo's fortnight).
    shelf_days: int
    supplier: str
    invoice_number: str


KETAMINE_SUPPLIER = "Henry Schein Medical"
SPRAVATO_SUPPLIER = "Cardinal Health Specialty Pharmaceutical Services"
OPENING_RECEIPTS = (
    Receipt(HARBOR, VIAL_50, "KV24117", Decimal(10000), 760, KETAMINE_SUPPLIER, "HS-4410273"),
    Receipt(HARBOR, VIAL_100, "KH24052", Decimal(5000), 700, KETAMINE_SUPPLIER, "HS-4410273"),
    Receipt(HARBOR, SPRAVATO_DEVICE, "SPV2406A", Decimal(24), 640, SPRAVATO_SUPPLIER, "CHS-88120"),
)
BACK_BAY_RECEIPTS = (
    Receipt(BACK_BAY, VIAL_50, "KV24131", Decimal(5000), 760, KETAMINE_SUPPLIER, "HS-4471906"),
)
#: Spravato devices Harbor Street sends to Back Bay when it opens.
TRANSFER_DEVICES = Decimal(8)
TRANSFER_NOTE = "Stock for the Thursday Spravato sessions at Back Bay"
#: The routine count: six days before today (or the open day before), after closing.
COUNT_DAYS_AGO = 6
#: 0.1 mL of the open 50 mg/mL vial above the ledger (the smallest graduation read).
OVERFILL_MG = Decimal(5)
OVERFILL_NOTE = (
    "Open vial measured 0.1 mL (5 mg) above the ledger's balance: the vial's overfill; "
    "remeasured with the witness"
)


def _site(state: SeedState, name: str) -> Site:
    if name not in state.sites:
        state.sites[name] = Site.objects.get(clinic=state.clinics["demo"], name=name)
    return state.sites[name]


def _products(state: SeedState) -> None:
    for p in PRODUCTS:
        product = ledger.product_create(
            state.actors["owner"],
            name=p.name,
            drug=p.drug,
            form=p.form,
            strength=p.strength,
            unit=p.unit,
            concentration_mg_per_ml=p.concentration_mg_per_ml,
            mg_per_unit=p.mg_per_unit,
        )
        state.products[p.key] = product


def _receive(state: SeedState, receipt: Receipt, day: date) -> None:
    entry = ledger.receipt_record(
        state.actors["owner"],
        product_id=state.products[receipt.product].pk,
        site_id=_site(state, receipt.site).pk,
        lot_number=receipt.lot_number,
        expires_on=day + timedelta(days=receipt.shelf_days),
        quantity=receipt.quantity,
        received_at=timezone.now(),
        supplier=receipt.supplier,
        invoice_number=receipt.invoice_number,
    )
    state.lots[(receipt.site, receipt.product)] = entry.lot


def _lots_at(state: SeedState, site: str) -> list[Lot]:
    return list(Lot.objects.filter(site=_site(state, site), balance__gt=0).order_by("lot_number"))


def _count(state: SeedState, site: str, kind: str, counter: str, witness: str) -> None:
    lines = []
    for lot in _lots_at(state, site):
        counted, explanation = lot.balance, ""
        vial = BY_KEY[_key_of(state, lot)].vial_mg
        # A vial is open: its volume is read, not counted.
        open_vial = vial is not None and lot.balance % vial != 0
        if kind == "routine" and lot.product.name == BY_KEY[VIAL_50].name and open_vial:
            counted, explanation = lot.balance + OVERFILL_MG, OVERFILL_NOTE
        lines.append({"lot": lot.pk, "counted": counted, "explanation": explanation})
    ledger.count_record(
        state.actors[counter],
        site_id=_site(state, site).pk,
        kind=kind,
        counted_at=timezone.now(),
        lines=lines,
        witness_id=state.membership(witness).pk,
        note="Initial inventory on opening" if kind == "initial" else "Weekly count",
    )


def _key_of(state: SeedState, lot: Lot) -> str:
    return next(key for key, product in state.products.items() if product.pk == lot.product_id)


def _transfer(state: SeedState) -> None:
    result = ledger.transfer(
        state.actors["owner"],
        lot_id=state.lots[(HARBOR, SPRAVATO_DEVICE)].pk,
        to_site_id=_site(state, BACK_BAY).pk,
        quantity=TRANSFER_DEVICES,
        occurred_at=timezone.now(),
        note=TRANSFER_NOTE,
    )
    state.lots[(BACK_BAY, SPRAVATO_DEVICE)] = result.into.lot


def count_day(calendar: DemoCalendar) -> date:
    """The open day of the routine count: six days ago, or the open day before it."""
    day = calendar.today - timedelta(days=COUNT_DAYS_AGO)
    while not calendar.is_open(day):
        day -= timedelta(days=1)
    return day


def plan_stock(
    timeline: Timeline, state: SeedState, calendar: DemoCalendar, opened: date, back_bay: date
) -> None:
    """The owner's sittings on each opening day, and last week's count after closing."""
    tz = BOSTON.tz
    sitting = timeline.visit(local(opened, tz, 10, 0), step_minutes=5)
    sitting.then(partial(_products, state))
    for receipt in OPENING_RECEIPTS:
        sitting.then(partial(_receive, state, receipt, opened))
    sitting.then(partial(_count, state, HARBOR, "initial", "owner", "nurse"))
    second = timeline.visit(local(back_bay, tz, 10, 0), step_minutes=10)
    for receipt in BACK_BAY_RECEIPTS:
        second.then(partial(_receive, state, receipt, back_bay))
    second.then(partial(_transfer, state))
    second.then(partial(_count, state, BACK_BAY, "initial", "owner", "nurse"))
    counted = count_day(calendar)
    hour = 13 if counted.weekday() == SATURDAY else 18
    timeline.add(
        local(counted, tz, hour, 30),
        partial(_count, state, HARBOR, "routine", "nurse", "owner"),
    )
