"""The ledger's pages: the ledger (filters, CSV link and CSV), lots, the inventory report,
and the forms that record a product, a receipt, a witnessed waste, a transfer and a count.

Each page has the four-way test (anonymous to the login page, a patient and the front desk
refused with nothing written, the nurse served); each form saves through its service, and a
refusal comes back on the form naming the field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.controlled import services
from ketacare.controlled.models import Count, LedgerEntry, Lot, Product

from .stock import DEVICE, MONDAY, SUPPLIER, VIAL, Stock, ny

D = Decimal


def rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Product, Lot, LedgerEntry, Count)}


def posts(stock: Stock) -> dict[str, dict[str, Any]]:
    return {
        "/controlled/products/new/": {
            "name": "Ketamine HCl injection 100 mg/mL, 5 mL vial",
            "drug": "ketamine",
            "form": "injection",
            "strength": "100 mg/mL",
            "unit": "mg",
            "concentration_mg_per_ml": "100",
        },
        "/controlled/receipts/new/": {
            "product": stock.vial.pk,
            "site": stock.site.pk,
            "lot_number": "K-200",
            "expires_on": "2027-01-31",
            "quantity": "500",
            "received_at": "2026-03-02T09:15",
            "supplier": SUPPLIER,
            "invoice_number": "INV-5600",
        },
        "/controlled/waste/new/": {
            "lot": stock.vial_lot.pk,
            "quantity": "15",
            "witness": stock.cast.prescriber.pk,
            "occurred_at": "2026-03-02T09:40",
            "reason": "Rest of the vial after a 35 mg dose",
            "source_ref": "session:1",
        },
        "/controlled/transfers/new/": {
            "lot": stock.device_lot.pk,
            "to_site": stock.cambridge.pk,
            "quantity": "4",
            "occurred_at": "2026-03-02T09:30",
        },
        "/controlled/counts/new/": {
            "kind": "routine",
            "counted_at": "2026-03-02T09:50",
            "witness": stock.cast.owner.pk,
            f"lot_{stock.vial_lot.pk}_counted": "1000",
            f"lot_{stock.device_lot.pk}_counted": "11",
            f"lot_{stock.device_lot.pk}_explanation": "One device broken",
        },
    }


READ_PAGES = ["/controlled/", "/controlled/lots/", "/controlled/inventory/"]
FORMS = [
    "/controlled/products/new/",
    "/controlled/receipts/new/",
    "/controlled/waste/new/",
    "/controlled/transfers/new/",
    "/controlled/counts/new/",
]


@pytest.mark.parametrize("path", READ_PAGES + FORMS)
@pytest.mark.parametrize("role", ["anonymous", "patient", "front_desk", "nurse"])
def test_every_page_answers_each_kind_of_user(
    stock: Stock, as_role: Any, role: str, path: str
) -> None:
    response = as_role(role).get(path)
    expected = {"anonymous": 302, "patient": 403, "front_desk": 403, "nurse": 200}[role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={path}"
    elif expected == 403:
        assert b"<h1>Not allowed</h1>" in response.content


@pytest.mark.parametrize("path", FORMS)
@pytest.mark.parametrize("role", ["anonymous", "patient", "front_desk"])
def test_a_refused_post_writes_nothing(stock: Stock, as_role: Any, role: str, path: str) -> None:
    before = rows()
    writes = AuditEvent.objects.filter(outcome="success").count()
    response = as_role(role).post(path, posts(stock)[path])
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert rows() == before
    assert AuditEvent.objects.filter(outcome="success").count() == writes


def test_each_form_records_through_its_service(stock: Stock, as_role: Any) -> None:
    nurse = as_role("nurse")
    bodies = posts(stock)
    # After the waste (15 mg) and the transfer (4 devices): K-100 as expected, S-7 one short.
    bodies["/controlled/counts/new/"].update(
        {f"lot_{stock.vial_lot.pk}_counted": "985", f"lot_{stock.device_lot.pk}_counted": "7"}
    )
    done = {path: nurse.post(path, bodies[path]) for path in FORMS}
    for path, r in done.items():
        assert r.status_code == 302, (path, r.context and r.context["form"].errors)
    assert {path: (r.status_code, r["Location"]) for path, r in done.items()} == {
        "/controlled/products/new/": (302, "/controlled/lots/"),
        **dict.fromkeys(FORMS[1:], (302, "/controlled/")),
    }
    assert Product.objects.filter(name__startswith="Ketamine HCl injection 100").count() == 1
    assert [
        (e.kind, e.lot.lot_number, e.lot.site.name, e.quantity, e.balance_after)
        for e in LedgerEntry.objects.select_related("lot__site").order_by("pk")[2:]
    ] == [
        ("receipt", "K-200", "Harbor Ketamine Clinic", D("500"), D("500")),
        ("waste", "K-100", "Harbor Ketamine Clinic", D("-15"), D("985")),
        ("transfer_out", "S-7", "Harbor Ketamine Clinic", D("-4"), D("8")),
        ("transfer_in", "S-7", "Cambridge", D("4"), D("4")),
        ("count_adjustment", "S-7", "Harbor Ketamine Clinic", D("-1"), D("7")),
    ]
    waste = LedgerEntry.objects.get(kind="waste")
    assert (waste.occurred_at, waste.witness_id) == (
        ny(MONDAY, 9, 40),
        stock.cast.prescriber.user_id,
    )


def test_a_waste_witnessed_by_the_recorder_comes_back_on_the_form(
    stock: Stock, as_role: Any
) -> None:
    body = {**posts(stock)["/controlled/waste/new/"], "witness": stock.cast.nurse.pk}
    before = rows()
    response = as_role("nurse").post("/controlled/waste/new/", body)
    assert response.status_code == 400
    # The nurse is not offered as her own witness; the choice is refused by the form.
    assert response.context["form"].errors == {
        "witness": [
            f"Select a valid choice. {stock.cast.nurse.pk} is not one of the available choices."
        ]
    }
    assert rows() == before
    witnesses = [label for _, label in response.context["form"].fields["witness"].choices]
    assert witnesses == [
        "Choose the witness",
        "Alice Owner (Owner)",
        "Dr Bob Prescriber (Prescriber)",
    ]


def test_a_refusal_of_the_service_is_shown_on_its_field(stock: Stock, as_role: Any) -> None:
    body = {**posts(stock)["/controlled/waste/new/"], "quantity": "1001"}
    response = as_role("nurse").post("/controlled/waste/new/", body)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "quantity": ["Lot K-100 has 1000 mg left; 1001 mg asked."]
    }
    count = {**posts(stock)["/controlled/counts/new/"]}
    count.pop(f"lot_{stock.device_lot.pk}_explanation")
    response = as_role("nurse").post("/controlled/counts/new/", count)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"lot_{stock.device_lot.pk}_explanation": [
            "Lot S-7: the ledger expects 12 devices and 11 devices were counted; say why they "
            "differ."
        ]
    }
    assert LedgerEntry.objects.count() == 2


def test_the_ledger_page_lists_filters_and_links_its_csv(stock: Stock, as_role: Any) -> None:
    services.administer(
        stock.cast.actor(stock.cast.nurse),
        lot_id=stock.vial_lot.pk,
        quantity=D("35"),
        patient=stock.cast.dan,
        source_ref="session:1",
        occurred_at=ny(MONDAY, 9, 30),
    )
    nurse = as_role("nurse")
    page = nurse.get(f"/controlled/?product={stock.vial.pk}&from=2026-03-02&to=2026-03-02")
    assert page.status_code == 200
    html = page.content.decode()
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", c).strip()
        for c in re.findall(
            r'<td data-label="(?:When|Entry|Quantity|Balance|Patient)"[^>]*>(.*?)</td>', html, re.S
        )
    ]
    assert cells == [
        "2026-03-02 09:00",
        "Received",
        "+1000 mg",
        "1000 mg",
        "",
        "2026-03-02 09:30",
        "Administered",
        "−35 mg",
        "965 mg",
        "Dawson, Dan",
    ]
    csv_link = re.search(r'<a class="button secondary" id="csv" href="([^"]+)"', html)
    assert csv_link is not None
    csv = nurse.get("/controlled/" + csv_link.group(1).replace("&amp;", "&"))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert len(csv.content.decode().split("\r\n")) == 4  # the header, two entries, the end


def test_the_lots_page_shows_each_balance(stock: Stock, as_role: Any) -> None:
    html = as_role("nurse").get("/controlled/lots/").content.decode()
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<td data-label="(?:Lot|Balance)"[^>]*>(.*?)</td>', html, re.S)
    ]
    assert cells == ["K-100", "1000 mg", "S-7", "12 devices"]
    assert VIAL in html and DEVICE in html


def test_the_inventory_marks_the_day_of_a_biennial_inventory(
    stock: Stock, as_role: Any, clock: Any
) -> None:
    services.count_record(
        stock.cast.actor(stock.cast.nurse),
        site_id=stock.site.pk,
        kind="biennial",
        counted_at=ny(MONDAY, 9, 50),
        lines=[
            {"lot": stock.vial_lot.pk, "counted": D("990"), "explanation": "Spilled 10 mg"},
            {"lot": stock.device_lot.pk, "counted": D("12")},
        ],
    )
    clock.move_to(ny(date(2026, 3, 3), 10))
    nurse = as_role("nurse")
    that_day = nurse.get("/controlled/inventory/?on=2026-03-02").context["rows"]
    assert [(r.lot.lot_number, balance, r.inventory) for r, balance in that_day] == [
        ("K-100", "990 mg", "biennial"),
        ("S-7", "12 devices", "biennial"),
    ]
    before = nurse.get("/controlled/inventory/?on=2026-03-01").context["rows"]
    assert before == []
    today = nurse.get("/controlled/inventory/").context["rows"]
    assert [(r.lot.lot_number, r.inventory) for r, _ in today] == [("K-100", ""), ("S-7", "")]
