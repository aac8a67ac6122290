"""The permission matrix's part for the controlled-substance ledger: its API and its pages.

Nurses, prescribers and the owner read and record (``controlled.read``,
``controlled.record``); the front desk and every patient are refused (403): a patient never
sees the ledger. Another clinic's prescriber (``outsider``) reads their own clinic's ledger
(empty) and adds their own products; Harbor's products, lots and sites are not found for them
(the API's 404), and on a page they are no choice of the form (400, nothing written).

The world is ``tests.controlled.stock.build_stock`` on the cast, made at 09:05 on Monday 2
March 2026 New York time (a ketamine lot K-100 of 1000 mg and a Spravato lot S-7 of 12
devices at Harbor's first site, and a second site, Cambridge); the requests come at 10:00.
A refused write must leave every product, lot, entry, count and count line as it was.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from ketacare.audit.models import AuditEvent
from ketacare.controlled.models import Count, CountLine, LedgerEntry, Lot, Product
from tests.controlled.stock import DEVICE, MONDAY, SUPPLIER, VIAL, build_stock, ny

API = "api/v1/controlled"
PAGES = "controlled/"
NOW = ny(MONDAY, 10)

# Clinic routes: anonymous, patient, outsider, front desk, nurse, prescriber, owner.
_READ = (401, 403, 200, 403, 200, 200, 200)
_ADD_OWN = (401, 403, 201, 403, 201, 201, 201)
_RECORD = (401, 403, 404, 403, 201, 201, 201)
_PAGE = (302, 403, 200, 403, 200, 200, 200)
_PAGE_ADD_OWN = (302, 403, 302, 403, 302, 302, 302)
_PAGE_RECORD = (302, 403, 400, 403, 302, 302, 302)

ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", f"{API}/products", "ctl_api_products", _READ),
    ("POST", f"{API}/products", "ctl_api_product_add", _ADD_OWN),
    ("GET", f"{API}/lots", "ctl_api_lots", _READ),
    ("POST", f"{API}/receipts", "ctl_api_receipt", _RECORD),
    ("POST", f"{API}/waste", "ctl_api_waste", _RECORD),
    ("POST", f"{API}/transfers", "ctl_api_transfer", _RECORD),
    ("POST", f"{API}/counts", "ctl_api_count", _RECORD),
    ("GET", f"{API}/ledger", "ctl_api_ledger", _READ),
    ("GET", PAGES, "ctl_ledger", _PAGE),
    ("GET", f"{PAGES}lots/", "ctl_lots", _PAGE),
    ("GET", f"{PAGES}inventory/", "ctl_inventory", _PAGE),
    ("GET", f"{PAGES}products/new/", "ctl_product_new", _PAGE),
    ("POST", f"{PAGES}products/new/", "ctl_product_new", _PAGE_ADD_OWN),
    ("GET", f"{PAGES}receipts/new/", "ctl_receipt_new", _PAGE),
    ("POST", f"{PAGES}receipts/new/", "ctl_receipt_new", _PAGE_RECORD),
    ("GET", f"{PAGES}waste/new/", "ctl_waste_new", _PAGE),
    ("POST", f"{PAGES}waste/new/", "ctl_waste_new", _PAGE_RECORD),
    ("GET", f"{PAGES}transfers/new/", "ctl_transfer_new", _PAGE),
    ("POST", f"{PAGES}transfers/new/", "ctl_transfer_new", _PAGE_RECORD),
    ("GET", f"{PAGES}counts/new/", "ctl_count_new", _PAGE),
    ("POST", f"{PAGES}counts/new/", "ctl_count_new", _PAGE_RECORD),
]
KINDS = {kind for _, _, kind, _ in ENTRIES}

WRITE_ACTIONS = (
    "controlled.product_create",
    "controlled.receipt",
    "controlled.administer",
    "controlled.waste",
    "controlled.transfer",
    "controlled.count",
)
READ_ACTIONS = ("controlled.read",)
_READS = {"ctl_api_products", "ctl_api_lots", "ctl_api_ledger"}
PERM_NAMED = {
    kind: "controlled.read" if kind in _READS else "controlled.record"
    for _, route, kind, _ in ENTRIES
    if route.startswith(API)
}
NEW_PRODUCT = "Ketamine HCl injection 100 mg/mL, 5 mL vial"


def state() -> dict[str, list[Any]]:
    """Every row of the ledger a refused write must leave as it was."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Product, Lot, LedgerEntry, Count, CountLine)
    }


def add_rows(world: Any) -> None:
    if world.controlled:
        return
    world.clock.move_to(ny(MONDAY, 9, 5), tick=False)
    world.controlled["stock"] = build_stock(world.cast)
    world.clock.move_to(NOW)


def url(world: Any, kind: str, route: str, route_url: str) -> str:
    return route_url


def not_found_named(route: str) -> str | None:
    """The 404 problem detail of a write naming Harbor's product, lot or site."""
    return {
        f"{API}/receipts": "No such product",
        f"{API}/waste": "No such lot",
        f"{API}/transfers": "No such lot",
        f"{API}/counts": "No such site",
    }.get(route)


def _witness(world: Any, column: str) -> int:
    """Someone other than the recorder: the owner, or (for the owner) the prescriber."""
    cast = world.cast
    return int(cast.prescriber.pk if column == "owner" else cast.owner.pk)


def body(world: Any, kind: str, column: str) -> dict[str, Any]:
    """A valid request for each route (a refusal must come from the permission)."""
    stock = world.controlled["stock"]
    page = not kind.startswith("ctl_api_")
    at = (
        (lambda hour, minute: f"2026-03-02T{hour:02}:{minute:02}")
        if page
        else (lambda hour, minute: f"2026-03-02T{hour:02}:{minute:02}:00-05:00")
    )
    if kind in ("ctl_api_product_add", "ctl_product_new"):
        return {
            "name": NEW_PRODUCT,
            "drug": "ketamine",
            "form": "injection",
            "strength": "100 mg/mL",
            "unit": "mg",
            "concentration_mg_per_ml": "100" if page else 100,
        }
    if kind in ("ctl_api_receipt", "ctl_receipt_new"):
        return {
            "product": stock.vial.pk,
            "site": stock.site.pk,
            "lot_number": "K-200",
            "expires_on": "2027-01-31",
            "quantity": "500",
            "received_at": at(9, 15),
            "supplier": SUPPLIER,
            "invoice_number": "INV-5600",
        }
    if kind in ("ctl_api_waste", "ctl_waste_new"):
        return {
            "lot": stock.vial_lot.pk,
            "quantity": "15",
            "witness": _witness(world, column),
            "occurred_at": at(9, 40),
            "reason": "Rest of the vial after a 35 mg dose",
            "source_ref": "session:1",
        }
    if kind in ("ctl_api_transfer", "ctl_transfer_new"):
        return {
            "lot": stock.device_lot.pk,
            "to_site": stock.cambridge.pk,
            "quantity": "4",
            "occurred_at": at(9, 30),
        }
    if kind == "ctl_api_count":
        return {
            "site": stock.site.pk,
            "kind": "routine",
            "counted_at": at(9, 50),
            "witness": _witness(world, column),
            "lines": [
                {"lot": stock.vial_lot.pk, "counted": "1000"},
                {"lot": stock.device_lot.pk, "counted": "11", "explanation": "One device broken"},
            ],
        }
    if kind == "ctl_count_new":
        return {
            "kind": "routine",
            "counted_at": at(9, 50),
            "witness": _witness(world, column),
            f"lot_{stock.vial_lot.pk}_counted": "1000",
            f"lot_{stock.device_lot.pk}_counted": "11",
            f"lot_{stock.device_lot.pk}_explanation": "One device broken",
        }
    return {}


def _reads(last_id: int) -> list[dict[str, Any]]:
    return list(
        AuditEvent.objects.filter(action__in=READ_ACTIONS, id__gt=last_id, outcome="success")
        .order_by("id")
        .values_list("data", flat=True)
    )


#: What each write leaves: its audit action and the entries it appends after the stock's two.
_WRITTEN = {
    "receipt": ("controlled.receipt", [("receipt", "K-200", Decimal("500"), Decimal("500"))]),
    "waste": ("controlled.waste", [("waste", "K-100", Decimal("-15"), Decimal("985"))]),
    "transfer": (
        "controlled.transfer",
        [
            ("transfer_out", "S-7", Decimal("-4"), Decimal("8")),
            ("transfer_in", "S-7", Decimal("4"), Decimal("4")),
        ],
    ),
    "count": ("controlled.count", [("count_adjustment", "S-7", Decimal("-1"), Decimal("11"))]),
}


def _appended() -> list[tuple[str, str, Decimal, Decimal]]:
    return [
        (e.kind, e.lot.lot_number, e.quantity, e.balance_after)
        for e in LedgerEntry.objects.select_related("lot").order_by("pk")[2:]
    ]


def check_allowed(
    world: Any,
    kind: str,
    column: str,
    response: HttpResponse,
    writes: list[str],
    last_id: int,
) -> None:
    """What a permitted user must get: the clinic's rows (another clinic's prescriber their
    own), and the change made and audited."""
    here = column != "outsider"
    membership = world.membership(column)
    stock = world.controlled["stock"]
    body: Any = json.loads(response.content) if kind.startswith("ctl_api_") else None
    if kind == "ctl_api_products":
        assert [p["name"] for p in body] == ([VIAL, DEVICE] if here else [])
    elif kind == "ctl_api_lots":
        assert [lot["lot_number"] for lot in body] == (["K-100", "S-7"] if here else [])
    elif kind == "ctl_api_ledger":
        assert [e["kind"] for e in body] == (["receipt", "receipt"] if here else [])
        assert [d["count"] for d in _reads(last_id)] == [2 if here else 0]
    elif kind.endswith("_new") and response.status_code == 200:
        assert response.context["form"].is_bound is False
        assert _reads(last_id) == []
    elif kind in ("ctl_api_product_add", "ctl_product_new"):
        made = Product.objects.get(name=NEW_PRODUCT)
        assert made.clinic_id == membership.clinic_id
        if kind == "ctl_product_new":
            assert response["Location"] == "/controlled/lots/"
        else:
            assert body["id"] == made.pk
        assert writes == ["controlled.product_create"]
    elif kind.startswith("ctl_api_"):
        action, appended = _WRITTEN[kind.removeprefix("ctl_api_")]
        assert _appended() == appended
        assert writes == [action]
    elif response.status_code == 400:
        # Another clinic's prescriber: Harbor's rows are no choice of their form.
        assert column == "outsider"
        assert response.context["form"].errors
        assert writes == []
        assert LedgerEntry.objects.count() == 2
    elif kind.endswith("_new") and response.status_code == 302:
        name = kind.removeprefix("ctl_").removesuffix("_new")
        action, appended = _WRITTEN[name]
        assert _appended() == appended
        assert response["Location"] == "/controlled/"
        assert writes == [action]
    elif kind == "ctl_ledger":
        assert len(response.context["rows"]) == (2 if here else 0)
        assert [d["count"] for d in _reads(last_id)] == [2 if here else 0]
    elif kind == "ctl_lots":
        assert [lot.lot_number for lot, _ in response.context["rows"]] == (
            ["K-100", "S-7"] if here else []
        )
    elif kind == "ctl_inventory":
        assert [r.lot.lot_number for r, _ in response.context["rows"]] == (
            ["K-100", "S-7"] if here else []
        )
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")
    assert stock.vial.clinic_id == world.cast.clinic.pk
