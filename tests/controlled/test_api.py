"""/api/v1/controlled: products, lots, receipts, waste, transfers, counts and the ledger.

Every operation has the four-way test: anonymous 401; a patient (Dan, with his portal login)
and the front desk 403 naming the permission, with nothing written; the nurse 2xx. Another
clinic's prescriber sees only their own clinic's (empty) lists and does not find Harbor's
products, lots and sites (404). Then the exact answers, the CSV, and an ``Idempotency-Key``
retry that records once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.controlled import services
from ketacare.controlled.models import Count, LedgerEntry, Lot, Product

from .stock import DEVICE, MONDAY, SUPPLIER, VIAL, Stock, ny

D = Decimal
KEY = "5f0e3c7a-2b1d-4c8e-9a6f-1e2d3c4b5a69"


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def send(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> HttpResponse:
    if method == "GET":
        return client.get(path, **extra)
    return client.post(path, json.dumps(body or {}), content_type="application/json", **extra)


def problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    return json.loads(response.content)  # type: ignore[no-any-return]


def rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Product, Lot, LedgerEntry, Count)}


def bodies(stock: Stock) -> dict[tuple[str, str], Any]:
    return {
        ("GET", "/api/v1/controlled/products"): None,
        ("POST", "/api/v1/controlled/products"): {
            "name": "Ketamine HCl injection 100 mg/mL, 5 mL vial",
            "drug": "ketamine",
            "form": "injection",
            "strength": "100 mg/mL",
            "unit": "mg",
            "concentration_mg_per_ml": 100,
        },
        ("GET", "/api/v1/controlled/lots"): None,
        ("POST", "/api/v1/controlled/receipts"): {
            "product": stock.vial.pk,
            "site": stock.site.pk,
            "lot_number": "K-200",
            "expires_on": "2027-01-31",
            "quantity": "500",
            "received_at": "2026-03-02T09:15:00-05:00",
            "supplier": SUPPLIER,
            "invoice_number": "INV-5600",
        },
        ("POST", "/api/v1/controlled/waste"): {
            "lot": stock.vial_lot.pk,
            "quantity": 15,
            "witness": stock.cast.prescriber.pk,
            "occurred_at": "2026-03-02T09:40:00-05:00",
            "reason": "Rest of the vial after a 35 mg dose",
            "patient": str(stock.cast.dan.pk),
            "source_ref": "session:1",
        },
        ("POST", "/api/v1/controlled/transfers"): {
            "lot": stock.device_lot.pk,
            "to_site": stock.cambridge.pk,
            "quantity": 4,
            "occurred_at": "2026-03-02T09:30:00-05:00",
        },
        ("POST", "/api/v1/controlled/counts"): {
            "site": stock.site.pk,
            "kind": "routine",
            "counted_at": "2026-03-02T09:50:00-05:00",
            "witness": stock.cast.owner.pk,
            "lines": [
                {"lot": stock.vial_lot.pk, "counted": 1000},
                {"lot": stock.device_lot.pk, "counted": 11, "explanation": "One device broken"},
            ],
        },
        ("GET", "/api/v1/controlled/ledger"): None,
    }


OPERATIONS = [
    ("GET", "/api/v1/controlled/products", 200, "controlled.read"),
    ("POST", "/api/v1/controlled/products", 201, "controlled.record"),
    ("GET", "/api/v1/controlled/lots", 200, "controlled.read"),
    ("POST", "/api/v1/controlled/receipts", 201, "controlled.record"),
    ("POST", "/api/v1/controlled/waste", 201, "controlled.record"),
    ("POST", "/api/v1/controlled/transfers", 201, "controlled.record"),
    ("POST", "/api/v1/controlled/counts", 201, "controlled.record"),
    ("GET", "/api/v1/controlled/ledger", 200, "controlled.read"),
]


@pytest.mark.parametrize(("method", "path", "ok", "perm"), OPERATIONS)
@pytest.mark.parametrize("role", ["anonymous", "patient", "front_desk", "nurse"])
def test_every_operation_answers_each_kind_of_user(
    stock: Stock, as_role: Any, role: str, method: str, path: str, ok: int, perm: str
) -> None:
    before = rows()
    writes = AuditEvent.objects.filter(outcome="success").count()
    response = send(as_role(role), method, path, bodies(stock)[(method, path)])
    if role == "anonymous":
        assert response.status_code == 401
        assert problem(response)["title"] == "Unauthorized"
    elif role in ("patient", "front_desk"):
        assert response.status_code == 403
        assert problem(response)["detail"] == f"your role does not allow {perm}"
    else:
        assert response.status_code == ok, response.content[:500]
        return
    assert rows() == before
    assert AuditEvent.objects.filter(outcome="success").count() == writes


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("POST", "/api/v1/controlled/receipts", "No such product"),
        ("POST", "/api/v1/controlled/waste", "No such lot"),
        ("POST", "/api/v1/controlled/transfers", "No such lot"),
        ("POST", "/api/v1/controlled/counts", "No such site"),
    ],
)
def test_another_clinics_prescriber_does_not_find_harbors_rows(
    stock: Stock, as_role: Any, method: str, path: str, detail: str
) -> None:
    before = rows()
    body = bodies(stock)[(method, path)]
    if "witness" in body:
        body["witness"] = stock.cast.outsider.pk
    response = send(as_role("outsider"), method, path, body)
    assert response.status_code == 404
    assert problem(response)["detail"] == detail
    assert rows() == before


def test_another_clinics_prescriber_lists_only_their_own(stock: Stock, as_role: Any) -> None:
    outsider = as_role("outsider")
    for path in ("products", "lots", "ledger"):
        response = outsider.get(f"/api/v1/controlled/{path}")
        assert (response.status_code, response.json()) == (200, [])


def test_products_and_lots_are_listed_with_their_balances(stock: Stock, as_role: Any) -> None:
    nurse = as_role("nurse")
    products = nurse.get("/api/v1/controlled/products").json()
    assert [(p["name"], p["unit"], p["mg_per_unit"]) for p in products] == [
        (VIAL, "mg", None),
        (DEVICE, "device", "28.000"),
    ]
    services.receipt_record(
        stock.cast.actor(stock.cast.nurse),
        product_id=stock.vial.pk,
        site_id=stock.site.pk,
        lot_number="K-099",
        expires_on=date(2026, 4, 30),
        quantity=D("100"),
        received_at=ny(MONDAY, 9),
        supplier=SUPPLIER,
        invoice_number="INV-1",
    )
    lots = nurse.get(f"/api/v1/controlled/lots?site={stock.site.pk}").json()
    assert [(lot["lot_number"], lot["expires_on"], lot["balance"]) for lot in lots] == [
        ("K-099", "2026-04-30", "100.000"),
        ("K-100", "2026-12-31", "1000.000"),
        ("S-7", "2026-06-30", "12.000"),
    ]
    only_devices = nurse.get(f"/api/v1/controlled/lots?product={stock.device.pk}").json()
    assert [lot["lot_number"] for lot in only_devices] == ["S-7"]
    assert nurse.get(f"/api/v1/controlled/lots?site={stock.cambridge.pk}").json() == []


def test_usable_lots_leave_out_the_empty_and_the_expired(
    stock: Stock, as_role: Any, clock: Any
) -> None:
    services.administer(
        stock.cast.actor(stock.cast.nurse),
        lot_id=stock.device_lot.pk,
        quantity=D("12"),
        patient=stock.cast.dan,
        source_ref="session:3",
        occurred_at=ny(MONDAY, 9, 30),
    )
    nurse = as_role("nurse")
    usable = nurse.get("/api/v1/controlled/lots?usable=true").json()
    assert [lot["lot_number"] for lot in usable] == ["K-100"]
    clock.move_to(ny(date(2027, 1, 1), 9))
    # (A new login: the old session timed out over the months.)
    assert as_role("nurse").get("/api/v1/controlled/lots?usable=true").json() == []


def test_a_receipt_is_recorded_and_answered(stock: Stock, as_role: Any) -> None:
    path = "/api/v1/controlled/receipts"
    response = send(as_role("nurse"), "POST", path, bodies(stock)[("POST", path)])
    assert response.status_code == 201
    body = response.json()
    entry = LedgerEntry.objects.get(pk=body["id"])
    assert {k: body[k] for k in ("kind", "lot_number", "quantity", "balance_after", "unit")} == {
        "kind": "receipt",
        "lot_number": "K-200",
        "quantity": "500.000",
        "balance_after": "500.000",
        "unit": "mg",
    }
    assert (body["supplier"], body["invoice_number"], body["occurred_at"]) == (
        SUPPLIER,
        "INV-5600",
        "2026-03-02T14:15:00Z",
    )
    assert entry.lot.expires_on == date(2027, 1, 31)


def test_a_waste_with_the_nurse_as_her_own_witness_is_refused_naming_the_witness(
    stock: Stock, as_role: Any
) -> None:
    path = "/api/v1/controlled/waste"
    body = {**bodies(stock)[("POST", path)], "witness": stock.cast.nurse.pk}
    before = rows()
    response = send(as_role("nurse"), "POST", path, body)
    assert response.status_code == 422
    assert problem(response)["invalid_params"] == [
        {
            "name": "witness",
            "reason": "a witness who is the same person as the one recording is no second "
            "signature: choose another member of the clinical staff",
        }
    ]
    assert rows() == before


def test_a_transfer_answers_both_entries(stock: Stock, as_role: Any) -> None:
    path = "/api/v1/controlled/transfers"
    body = send(as_role("nurse"), "POST", path, bodies(stock)[("POST", path)]).json()
    out, into = body["transfer_out"], body["transfer_in"]
    assert (out["kind"], out["quantity"], out["balance_after"], out["site"]) == (
        "transfer_out",
        "-4.000",
        "8.000",
        stock.site.pk,
    )
    assert (into["kind"], into["quantity"], into["site"], into["linked_entry"]) == (
        "transfer_in",
        "4.000",
        stock.cambridge.pk,
        out["id"],
    )


def test_a_count_answers_its_lines_and_adjustment(stock: Stock, as_role: Any) -> None:
    path = "/api/v1/controlled/counts"
    body = send(as_role("nurse"), "POST", path, bodies(stock)[("POST", path)]).json()
    assert [
        (x["lot_number"], x["expected"], x["counted"], x["discrepancy"]) for x in body["lines"]
    ] == [
        ("K-100", "1000.000", "1000.000", "0.000"),
        ("S-7", "12.000", "11.000", "-1.000"),
    ]
    assert [(a["kind"], a["quantity"], a["balance_after"]) for a in body["adjustments"]] == [
        ("count_adjustment", "-1.000", "11.000")
    ]
    assert body["witness"] == "Alice Owner <alice@example.com> (owner)"


def test_a_count_refused_names_the_line_field(stock: Stock, as_role: Any) -> None:
    path = "/api/v1/controlled/counts"
    body = bodies(stock)[("POST", path)]
    body["lines"][1].pop("explanation")
    response = send(as_role("nurse"), "POST", path, body)
    assert response.status_code == 422
    assert problem(response)["invalid_params"] == [
        {
            "name": "lines.1.explanation",
            "reason": "lot S-7: the ledger expects 12 devices and 11 devices were counted; say "
            "why they differ",
        }
    ]


def test_a_retry_with_the_same_idempotency_key_records_once(stock: Stock, as_role: Any) -> None:
    path = "/api/v1/controlled/waste"
    body = bodies(stock)[("POST", path)]
    nurse = as_role("nurse")
    first = send(nurse, "POST", path, body, HTTP_IDEMPOTENCY_KEY=KEY)
    again = send(nurse, "POST", path, body, HTTP_IDEMPOTENCY_KEY=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert LedgerEntry.objects.filter(kind="waste").count() == 1
    assert Lot.objects.get(pk=stock.vial_lot.pk).balance == D("985")


def _ledger_day(stock: Stock) -> None:
    nurse = stock.cast.actor(stock.cast.nurse)
    services.administer(
        nurse,
        lot_id=stock.vial_lot.pk,
        quantity=D("35"),
        patient=stock.cast.dan,
        source_ref="session:1",
        occurred_at=ny(MONDAY, 9, 30),
    )
    services.waste_record(
        nurse,
        lot_id=stock.vial_lot.pk,
        quantity=D("15"),
        witness_id=stock.cast.prescriber.pk,
        occurred_at=ny(MONDAY, 9, 40),
        reason="Rest of the vial",
        patient=stock.cast.dan,
        source_ref="session:1",
    )


def test_the_ledger_is_filtered_and_its_read_names_the_patients(stock: Stock, as_role: Any) -> None:
    _ledger_day(stock)
    nurse = as_role("nurse")
    response = nurse.get(
        f"/api/v1/controlled/ledger?product={stock.vial.pk}&from=2026-03-02&to=2026-03-02"
    )
    assert [
        (e["kind"], e["quantity"], e["patient_name"], e["witness"]) for e in response.json()
    ] == [
        ("receipt", "1000.000", "", ""),
        ("administration", "-35.000", "Dawson, Dan", ""),
        ("waste", "-15.000", "Dawson, Dan", "Dr Bob Prescriber <bob@example.com> (prescriber)"),
    ]
    event = AuditEvent.objects.filter(action="controlled.read").order_by("-id").first()
    assert event is not None and event.data == {
        "product": stock.vial.pk,
        "lot": None,
        "site": None,
        "from": "2026-03-02",
        "to": "2026-03-02",
        "patients": [str(stock.cast.dan.pk)],
        "count": 3,
    }
    assert nurse.get("/api/v1/controlled/ledger?from=2026-03-03").json() == []
    lot_only = nurse.get(f"/api/v1/controlled/ledger?lot={stock.device_lot.pk}").json()
    assert [e["lot_number"] for e in lot_only] == ["S-7"]
    refused = nurse.get("/api/v1/controlled/ledger?from=2026-03-03&to=2026-03-02")
    assert refused.status_code == 422
    assert problem(refused)["invalid_params"] == [
        {"name": "to", "reason": "must be on or after from"}
    ]


CSV_HEADER = (
    "entry,occurred_at,kind,site,product,drug,form,strength,dea_schedule,lot,expires_on,"
    "quantity,unit,balance_after,patient,patient_mrn,recorded_by,witness,supplier,"
    "invoice_number,counterpart_site,source_ref,note,recorded_at"
)


def test_the_ledger_as_csv_holds_every_field_of_1304_22(stock: Stock, as_role: Any) -> None:
    _ledger_day(stock)
    ids = list(
        LedgerEntry.objects.filter(lot=stock.vial_lot).order_by("pk").values_list("pk", flat=True)
    )
    nurse = as_role("nurse")
    by_format = nurse.get(f"/api/v1/controlled/ledger?lot={stock.vial_lot.pk}&format=csv")
    by_accept = nurse.get(
        f"/api/v1/controlled/ledger?lot={stock.vial_lot.pk}", HTTP_ACCEPT="text/csv"
    )
    assert by_format["Content-Type"] == "text/csv; charset=utf-8"
    assert by_format["Content-Disposition"] == 'attachment; filename="controlled-ledger.csv"'
    assert by_accept.content == by_format.content
    nurse_label = "Nina Nurse <nina@example.com> (nurse)"
    common = f'Harbor Ketamine Clinic,"{VIAL}",ketamine,injection,50 mg/mL,III,K-100,2026-12-31'
    assert by_format.content.decode().split("\r\n") == [
        CSV_HEADER,
        f"{ids[0]},2026-03-02T09:00:00-05:00,Received,{common},1000,mg,1000,,,{nurse_label},,"
        f'"{SUPPLIER}",INV-5501,,,,2026-03-02T10:00:00-05:00',
        f'{ids[1]},2026-03-02T09:30:00-05:00,Administered,{common},-35,mg,965,"Dawson, Dan",'
        f"H-1001,{nurse_label},,,,,session:1,,2026-03-02T10:00:00-05:00",
        f"{ids[2]},2026-03-02T09:40:00-05:00,Wasted (witnessed),{common},-15,mg,950,"
        f'"Dawson, Dan",H-1001,{nurse_label},Dr Bob Prescriber <bob@example.com> (prescriber),'
        ",,,session:1,Rest of the vial,2026-03-02T10:00:00-05:00",
        "",
    ]
