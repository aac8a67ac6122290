"""/api/v1/controlled: the controlled-substance ledger (ketamine and esketamine are Schedule
III). Reading needs ``controlled.read``, recording ``controlled.record``; a patient is refused
every operation (403), and another clinic's products, lots and sites are not found (404).
Administrations are recorded by the treatment session, not here. Every POST takes an
``Idempotency-Key``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.actor import actor_from_request
from ketacare.lib.inputs import Input, IsoDate, IsoDateTime, QueryInput, decimal_number
from ketacare.lib.responses import WRITE_ERRORS, responses

from . import display, queries, services
from .models import Count, Drug, LedgerEntry, Lot, Product, Unit

MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Quantity = decimal_number(Decimal("0.001"), services.MAX_QUANTITY, 3, "mg or devices")
Counted = decimal_number(Decimal(0), services.MAX_QUANTITY, 3, "mg or devices")
Strength = decimal_number(Decimal("0.001"), Decimal(1000), 3, "mg")

router = Router(tags=["controlled substances"])


class ProductOut(Schema):
    id: int
    name: str
    drug: str
    form: str
    strength: str
    concentration_mg_per_ml: Decimal | None
    unit: str
    mg_per_unit: Decimal | None
    dea_schedule: str
    is_active: bool


class LotOut(Schema):
    id: int
    product: int
    product_name: str
    unit: str
    site: int
    site_name: str
    lot_number: str
    expires_on: date
    received_quantity: Decimal
    balance: Decimal


class EntryOut(Schema):
    id: int
    kind: str
    lot: int
    lot_number: str
    product: int
    product_name: str
    site: int
    site_name: str
    quantity: Decimal = Field(description="Signed effect on the lot's balance, in its unit")
    unit: str
    balance_after: Decimal
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str
    witness: str
    patient_id: str | None
    patient_name: str
    source_ref: str
    supplier: str
    invoice_number: str
    counterpart_site: int | None
    linked_entry: int | None
    note: str


class TransferOut(Schema):
    transfer_out: EntryOut
    transfer_in: EntryOut


class CountLineOut(Schema):
    lot: int
    lot_number: str
    expected: Decimal
    counted: Decimal
    discrepancy: Decimal
    explanation: str


class CountOut(Schema):
    id: int
    site: int
    kind: str
    counted_at: datetime
    counted_by: str
    witness: str
    note: str
    lines: list[CountLineOut]
    adjustments: list[EntryOut]


PLACES = Decimal("0.001")


def _q(value: Decimal) -> Decimal:
    """Three decimals, as the database keeps them (a row just written holds what was sent)."""
    return Decimal(value).quantize(PLACES)


def _product_out(p: Product) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "drug": p.drug,
        "form": p.form,
        "strength": p.strength,
        "concentration_mg_per_ml": _q(p.concentration_mg_per_ml)
        if p.concentration_mg_per_ml is not None
        else None,
        "unit": p.unit,
        "mg_per_unit": _q(p.mg_per_unit) if p.mg_per_unit is not None else None,
        "dea_schedule": p.dea_schedule,
        "is_active": p.is_active,
    }


def _lot_out(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "product": lot.product_id,
        "product_name": lot.product.name,
        "unit": lot.product.unit,
        "site": lot.site_id,
        "site_name": lot.site.name,
        "lot_number": lot.lot_number,
        "expires_on": lot.expires_on,
        "received_quantity": _q(lot.received_quantity),
        "balance": _q(lot.balance),
    }


def entry_out(e: LedgerEntry) -> dict[str, Any]:
    lot = e.lot
    return {
        "id": e.pk,
        "kind": e.kind,
        "lot": lot.pk,
        "lot_number": lot.lot_number,
        "product": lot.product_id,
        "product_name": lot.product.name,
        "site": lot.site_id,
        "site_name": lot.site.name,
        "quantity": _q(e.quantity),
        "unit": lot.product.unit,
        "balance_after": _q(e.balance_after),
        "occurred_at": e.occurred_at.astimezone(UTC),
        "recorded_at": e.recorded_at.astimezone(UTC),
        "recorded_by": e.recorded_by_label,
        "witness": e.witness_label,
        "patient_id": str(e.patient_id) if e.patient_id else None,
        "patient_name": display.patient_name(e),
        "source_ref": e.source_ref,
        "supplier": e.supplier,
        "invoice_number": e.invoice_number,
        "counterpart_site": e.counterpart_site_id,
        "linked_entry": e.linked_entry_id,
        "note": e.note,
    }


def _count_out(count: Count) -> dict[str, Any]:
    lines = count.lines.select_related("lot").order_by("pk")
    adjustments = LedgerEntry.objects.filter(count_line__count=count).select_related(
        "lot__product", "lot__site", "patient"
    )
    return {
        "id": count.pk,
        "site": count.site_id,
        "kind": count.kind,
        "counted_at": count.counted_at.astimezone(UTC),
        "counted_by": count.counted_by_label,
        "witness": count.witness_label,
        "note": count.note,
        "lines": [
            {
                "lot": line.lot_id,
                "lot_number": line.lot.lot_number,
                "expected": _q(line.expected),
                "counted": _q(line.counted),
                "discrepancy": _q(line.discrepancy),
                "explanation": line.explanation,
            }
            for line in lines
        ],
        "adjustments": [entry_out(e) for e in adjustments.order_by("pk")],
    }


@router.get("/products", response=responses(list[ProductOut], 401, 403), summary="Products")
def list_products(request: HttpRequest) -> Any:
    return [_product_out(p) for p in queries.products(actor_from_request(request))]


class ProductIn(Input):
    name: str = Field(min_length=1, max_length=200)
    drug: Literal[tuple(Drug.values)]  # type: ignore[valid-type]
    form: str = Field(min_length=1, max_length=80)
    strength: str = Field(min_length=1, max_length=80, description="As labelled, e.g. 50 mg/mL")
    unit: Literal[tuple(Unit.values)]  # type: ignore[valid-type]
    concentration_mg_per_ml: Strength | None = None  # type: ignore[valid-type]
    mg_per_unit: Strength | None = Field(  # type: ignore[valid-type]
        None, description="mg per device (Spravato: 28)"
    )


@router.post(
    "/products",
    response=responses(ProductOut, *WRITE_ERRORS, status=201),
    summary="Add a product (esketamine: a device product with its mg per device)",
)
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    product = services.product_create(actor_from_request(request), **payload.model_dump())
    return Status(201, _product_out(product))


class LotQuery(QueryInput):
    site: RowId | None = None
    product: RowId | None = None
    usable: bool = Field(False, description="Only lots with stock that have not expired today")


@router.get(
    "/lots",
    response=responses(list[LotOut], 401, 403, 422),
    summary="Lots and their balances (by site, product, expiry)",
)
def list_lots(request: HttpRequest, filters: Query[LotQuery]) -> Any:
    found = queries.lots(
        actor_from_request(request),
        site_id=filters.site,
        product_id=filters.product,
        usable=filters.usable,
    )
    return [_lot_out(lot) for lot in found]


class ReceiptIn(Input):
    multiline = frozenset({"note"})

    product: RowId
    site: RowId
    lot_number: str = Field(min_length=1, max_length=services.TEXT_MAX["lot_number"])
    expires_on: IsoDate
    quantity: Quantity  # type: ignore[valid-type]
    received_at: IsoDateTime
    supplier: str = Field(min_length=1, max_length=services.TEXT_MAX["supplier"])
    invoice_number: str = Field(min_length=1, max_length=services.TEXT_MAX["invoice_number"])
    note: str = Field("", max_length=services.NOTE_MAX)


@router.post(
    "/receipts",
    response=responses(EntryOut, *WRITE_ERRORS, status=201),
    summary="Record stock received (21 CFR 1304.22(c)): a new lot, or more of a known one",
)
def create_receipt(request: HttpRequest, payload: ReceiptIn) -> Status[dict[str, Any]]:
    data = payload.model_dump()
    entry = services.receipt_record(
        actor_from_request(request),
        product_id=data.pop("product"),
        site_id=data.pop("site"),
        **data,
    )
    return Status(201, entry_out(entry))


class WasteIn(Input):
    multiline = frozenset({"reason"})

    lot: RowId
    quantity: Quantity  # type: ignore[valid-type]
    witness: RowId = Field(description="The witness's membership: another clinical staff member")
    occurred_at: IsoDateTime
    reason: str = Field(min_length=1, max_length=services.NOTE_MAX)
    patient: str | None = Field(None, max_length=36, description="The patient's id, if any")
    source_ref: str = Field("", max_length=services.TEXT_MAX["source_ref"])


@router.post(
    "/waste",
    response=responses(EntryOut, *WRITE_ERRORS, status=201),
    summary="Record a witnessed waste (the witness another member of the clinical staff)",
)
def create_waste(request: HttpRequest, payload: WasteIn) -> Status[dict[str, Any]]:
    entry = services.waste_record(
        actor_from_request(request),
        lot_id=payload.lot,
        quantity=payload.quantity,
        witness_id=payload.witness,
        occurred_at=payload.occurred_at,
        reason=payload.reason,
        patient=payload.patient,
        source_ref=payload.source_ref,
    )
    return Status(201, entry_out(entry))


class TransferIn(Input):
    multiline = frozenset({"note"})

    lot: RowId
    to_site: RowId
    quantity: Quantity  # type: ignore[valid-type]
    occurred_at: IsoDateTime
    note: str = Field("", max_length=services.NOTE_MAX)


@router.post(
    "/transfers",
    response=responses(TransferOut, *WRITE_ERRORS, status=201),
    summary="Move stock of a lot to another site of the clinic (an out and an in entry)",
)
def create_transfer(request: HttpRequest, payload: TransferIn) -> Status[dict[str, Any]]:
    moved = services.transfer(
        actor_from_request(request),
        lot_id=payload.lot,
        to_site_id=payload.to_site,
        quantity=payload.quantity,
        occurred_at=payload.occurred_at,
        note=payload.note,
    )
    return Status(201, {"transfer_out": entry_out(moved.out), "transfer_in": entry_out(moved.into)})


class CountLineIn(Input):
    multiline = frozenset({"explanation"})

    lot: RowId
    counted: Counted  # type: ignore[valid-type]
    explanation: str = Field("", max_length=services.NOTE_MAX)


class CountIn(Input):
    multiline = frozenset({"note"})

    site: RowId
    kind: Literal[tuple(Count.Kind.values)]  # type: ignore[valid-type]
    counted_at: IsoDateTime
    witness: RowId | None = None
    note: str = Field("", max_length=services.NOTE_MAX)
    lines: list[CountLineIn] = Field(min_length=1, max_length=500)


@router.post(
    "/counts",
    response=responses(CountOut, *WRITE_ERRORS, status=201),
    summary="Record a count (routine, or the initial or biennial inventory of 21 CFR "
    "1304.11); a difference posts a count adjustment",
)
def create_count(request: HttpRequest, payload: CountIn) -> Status[dict[str, Any]]:
    count = services.count_record(
        actor_from_request(request),
        site_id=payload.site,
        kind=payload.kind,
        counted_at=payload.counted_at,
        witness_id=payload.witness,
        note=payload.note,
        lines=[line.model_dump() for line in payload.lines],
    )
    return Status(201, _count_out(count))


class LedgerQuery(QueryInput):
    product: RowId | None = None
    lot: RowId | None = None
    site: RowId | None = None
    from_: IsoDate | None = Field(None, alias="from")
    to: IsoDate | None = None
    format: Literal["json", "csv"] = Field(
        "json", description="csv: the same entries as CSV (or send Accept: text/csv)"
    )


def wants_csv(request: HttpRequest, asked: str) -> bool:
    accept = str(request.headers.get("Accept", ""))
    return asked == "csv" or accept.split(";")[0].strip().lower() == "text/csv"


@router.get(
    "/ledger",
    response=responses(list[EntryOut], 401, 403, 422),
    summary="The ledger, oldest first (local days from-to, the clinic's zone); as CSV with "
    "format=csv or Accept: text/csv",
    openapi_extra={
        "responses": {
            "200": {
                "content": {
                    # Both media types: an extra response replaces the generated one.
                    "application/json": {
                        "schema": {
                            "items": {"$ref": "#/components/schemas/EntryOut"},
                            "title": "Response",
                            "type": "array",
                        }
                    },
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "One row per entry, columns: "
                            + ", ".join(display.CSV_COLUMNS),
                        }
                    },
                }
            }
        }
    },
)
def list_ledger(request: HttpRequest, filters: Query[LedgerQuery]) -> Any:
    entries = queries.ledger(
        actor_from_request(request),
        product_id=filters.product,
        lot_id=filters.lot,
        site_id=filters.site,
        first=filters.from_,
        last=filters.to,
    )
    if wants_csv(request, filters.format):
        return display.csv_response(entries)
    return [entry_out(e) for e in entries]
