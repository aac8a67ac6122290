"""Every service of the ledger: the balances it leaves, to the milligram and the device, and
every refusal with the field named, nothing written and the attempt audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from ketacare.audit.models import AuditEvent
from ketacare.controlled import services
from ketacare.controlled.models import Count, CountLine, LedgerEntry, Lot, Product
from ketacare.lib.errors import FieldErrors, NotPermitted, NotVisible
from tests.conftest import Cast

from .stock import DEVICE, MONDAY, SUPPLIER, VIAL, Stock, entries, make_products, ny

D = Decimal


def state() -> dict[str, list[Any]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Product, Lot, LedgerEntry, Count, CountLine)
    }


def refused(
    stock: Stock | None, action: str, call: Callable[[], Any], error: type[Exception] = FieldErrors
) -> Any:
    """``call`` refused with ``error``: nothing written, one ``write.refused`` event."""
    before = state()
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with pytest.raises(error) as exc:
        call()
    assert state() == before
    events = list(AuditEvent.objects.filter(id__gt=last).values_list("action", "outcome", "data"))
    assert [(a, o, d["attempted"], d["refused"]) for a, o, d in events] == [
        ("write.refused", "refused", action, error.__name__)
    ]
    return exc.value


def administer(stock: Stock, **overrides: Any) -> LedgerEntry:
    values = {
        "lot_id": stock.vial_lot.pk,
        "quantity": D("35"),
        "patient": stock.cast.dan,
        "source_ref": "session:1",
        "occurred_at": ny(MONDAY, 9, 30),
        **overrides,
    }
    return services.administer(stock.cast.actor(stock.cast.nurse), **values)


# --- products ---------------------------------------------------------------------------------


def test_products_are_made_with_their_units(cast: Cast) -> None:
    vial, device = make_products(cast)
    assert (vial.name, vial.drug, vial.unit, vial.concentration_mg_per_ml, vial.mg_per_unit) == (
        VIAL,
        "ketamine",
        "mg",
        D("50.000"),
        None,
    )
    assert (device.name, device.unit, device.mg_per_unit, device.dea_schedule) == (
        DEVICE,
        "device",
        D("28.000"),
        "III",
    )
    assert list(
        AuditEvent.objects.filter(action="controlled.product_create").values_list(
            "target_id", flat=True
        )
    ) == [str(vial.pk), str(device.pk)]


def test_a_product_is_refused_for_every_bad_field_at_once(cast: Cast) -> None:
    make_products(cast)
    exc = refused(
        None,
        "controlled.product_create",
        lambda: services.product_create(
            cast.actor(cast.nurse),
            name=VIAL,
            drug="esketamine",
            form="",
            strength="28 mg",
            unit="mg",
            mg_per_unit=D("28"),
        ),
    )
    assert exc.errors == {
        "form": "is required (1-80 characters)",
        "unit": "esketamine (Spravato) is dispensed per device: the unit is device",
        "mg_per_unit": "only a device product has mg per device",
        "name": f"the clinic already has a product named {VIAL!r}",
    }


@pytest.mark.parametrize("role", ["front_desk", "dan_login"])
def test_only_clinical_staff_record(cast: Cast, role: str) -> None:
    exc = refused(
        None,
        "controlled.product_create",
        lambda: services.product_create(
            cast.actor(getattr(cast, role)),
            name="x",
            drug="ketamine",
            form="injection",
            strength="50 mg/mL",
            unit="mg",
        ),
        NotPermitted,
    )
    assert str(exc) == "your role does not allow controlled.record"


# --- receipts ---------------------------------------------------------------------------------


def test_a_receipt_makes_the_lot_and_a_second_adds_to_it(stock: Stock) -> None:
    lot = stock.lot(stock.vial_lot)
    assert (lot.lot_number, lot.expires_on, lot.received_quantity, lot.balance) == (
        "K-100",
        date(2026, 12, 31),
        D("1000"),
        D("1000"),
    )
    again = services.receipt_record(
        stock.cast.actor(stock.cast.prescriber),
        product_id=stock.vial.pk,
        site_id=stock.site.pk,
        lot_number="K-100",
        expires_on=date(2026, 12, 31),
        quantity=D("500"),
        received_at=ny(MONDAY, 9, 45),
        supplier=SUPPLIER,
        invoice_number="INV-5502",
    )
    assert again.lot_id == lot.pk
    lot = stock.lot(lot)
    assert (lot.received_quantity, lot.balance) == (D("1500"), D("1500"))
    assert entries() == [
        ("receipt", "K-100", D("1000"), D("1000")),
        ("receipt", "S-7", D("12"), D("12")),
        ("receipt", "K-100", D("500"), D("1500")),
    ]
    assert (again.supplier, again.invoice_number, again.recorded_by_label) == (
        SUPPLIER,
        "INV-5502",
        "Dr Bob Prescriber <bob@example.com> (prescriber)",
    )
    event = AuditEvent.objects.filter(action="controlled.receipt").order_by("-id").first()
    assert event is not None and event.data == {
        "kind": "receipt",
        "product": VIAL,
        "lot": "K-100",
        "site": "Harbor Ketamine Clinic",
        "quantity": "500",
        "unit": "mg",
        "balance_after": "1500.000",
        "occurred_at": ny(MONDAY, 9, 45).isoformat(),
        "supplier": SUPPLIER,
        "invoice_number": "INV-5502",
    }


def _receipt(stock: Stock, **overrides: Any) -> Callable[[], Any]:
    values = {
        "product_id": stock.device.pk,
        "site_id": stock.site.pk,
        "lot_number": "S-7",
        "expires_on": date(2026, 6, 30),
        "quantity": D("6"),
        "received_at": ny(MONDAY, 9, 45),
        "supplier": SUPPLIER,
        "invoice_number": "JS-89",
        **overrides,
    }
    return lambda: services.receipt_record(stock.cast.actor(stock.cast.nurse), **values)


def test_a_receipt_is_refused_for_every_bad_field_at_once(stock: Stock) -> None:
    exc = refused(
        stock,
        "controlled.receipt",
        _receipt(
            stock,
            lot_number=" ",
            quantity=D("1.5"),
            received_at=ny(MONDAY, 11),
            supplier="",
            invoice_number="",
        ),
    )
    assert exc.errors == {
        "lot_number": "is required (1-60 characters)",
        "quantity": "a device is counted whole; got 1.5 devices",
        "received_at": "must not be in the future",
        "supplier": "is required (1-200 characters)",
        "invoice_number": "is required (1-100 characters)",
    }


def test_a_receipt_is_refused_an_expiry_other_than_its_lots_or_already_past(stock: Stock) -> None:
    exc = refused(stock, "controlled.receipt", _receipt(stock, expires_on=date(2026, 7, 31)))
    assert exc.errors == {
        "expires_on": "lot S-7 at Harbor Ketamine Clinic expires on 2026-06-30; the receipt "
        "says 2026-07-31"
    }
    exc = refused(
        stock,
        "controlled.receipt",
        _receipt(stock, lot_number="S-1", expires_on=date(2026, 3, 1)),
    )
    assert exc.errors == {"expires_on": "the lot expired on 2026-03-01, before it was received"}


def test_a_receipt_of_another_clinics_product_or_site_is_not_found(stock: Stock) -> None:
    outsider = stock.cast.actor(stock.cast.outsider)
    exc = refused(
        stock,
        "controlled.receipt",
        lambda: services.receipt_record(
            outsider,
            product_id=stock.device.pk,
            site_id=stock.site.pk,
            lot_number="S-8",
            expires_on=date(2026, 6, 30),
            quantity=D("1"),
            received_at=ny(MONDAY, 9),
            supplier=SUPPLIER,
            invoice_number="x",
        ),
        NotVisible,
    )
    assert str(exc) == "No such product"


# --- administration ---------------------------------------------------------------------------


def test_administer_draws_from_the_lot_and_names_the_patient_and_the_giver(stock: Stock) -> None:
    entry = administer(stock)
    assert (entry.kind, entry.quantity, entry.balance_after) == (
        "administration",
        D("-35"),
        D("965"),
    )
    assert (entry.patient_id, entry.source_ref, entry.recorded_by_id) == (
        stock.cast.dan.pk,
        "session:1",
        stock.cast.nurse.user_id,
    )
    assert entry.recorded_by_label == "Nina Nurse <nina@example.com> (nurse)"
    assert stock.lot(stock.vial_lot).balance == D("965")
    devices = administer(
        stock, lot_id=stock.device_lot.pk, quantity=D("3"), patient=str(stock.cast.zoe.pk)
    )
    assert (devices.quantity, devices.balance_after, devices.patient_id) == (
        D("-3"),
        D("9"),
        stock.cast.zoe.pk,
    )
    event = AuditEvent.objects.filter(action="controlled.administer").order_by("id").first()
    assert event is not None
    assert (event.patient_id, event.target_id, event.data["source_ref"]) == (
        stock.cast.dan.pk,
        str(entry.pk),
        "session:1",
    )


def test_administer_works_inside_the_callers_transaction_and_rolls_back_with_it(
    stock: Stock,
) -> None:
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        administer(stock)
        assert stock.lot(stock.vial_lot).balance == D("965")
        raise Abandoned
    assert stock.lot(stock.vial_lot).balance == D("1000")
    # A refusal inside the caller's transaction leaves the caller's own work standing.
    with transaction.atomic():
        administer(stock, quantity=D("10"))
        with pytest.raises(FieldErrors):
            administer(stock, quantity=D("5000"))
        administer(stock, quantity=D("5"))
    assert stock.lot(stock.vial_lot).balance == D("985")


def test_administer_refuses_more_than_the_lot_holds(stock: Stock) -> None:
    administer(stock, quantity=D("980"))
    exc = refused(stock, "controlled.administer", lambda: administer(stock, quantity=D("25")))
    assert exc.errors == {"lot": "lot K-100 has 20 mg left; 25 mg asked"}
    exc = refused(
        stock,
        "controlled.administer",
        lambda: administer(stock, lot_id=stock.device_lot.pk, quantity=D("13")),
    )
    assert exc.errors == {"lot": "lot S-7 has 12 devices left; 13 devices asked"}


def test_administer_refuses_an_expired_lot_by_the_sites_local_date(
    stock: Stock, clock: Any
) -> None:
    clock.move_to(ny(date(2026, 7, 1), 10))
    # 2026-06-30 23:30 in New York is 03:30 UTC on 1 July: still the lot's last day.
    last_day = administer(
        stock,
        lot_id=stock.device_lot.pk,
        quantity=D("2"),
        occurred_at=ny(date(2026, 6, 30), 23, 30),
    )
    assert last_day.balance_after == D("10")
    exc = refused(
        stock,
        "controlled.administer",
        lambda: administer(
            stock,
            lot_id=stock.device_lot.pk,
            quantity=D("2"),
            occurred_at=ny(date(2026, 7, 1), 0, 5),
        ),
    )
    assert exc.errors == {"lot": "lot S-7 expired on 2026-06-30; it may not be given on 2026-07-01"}


def test_administer_refuses_another_clinics_or_sites_lot_and_every_bad_field(
    stock: Stock,
) -> None:
    outsider = stock.cast.actor(stock.cast.outsider)
    exc = refused(
        stock,
        "controlled.administer",
        lambda: services.administer(
            outsider,
            lot_id=stock.vial_lot.pk,
            quantity=D("10"),
            patient=stock.cast.erin,
            source_ref="session:9",
            occurred_at=ny(MONDAY, 9),
        ),
    )
    assert exc.errors == {"lot": f"there is no lot {stock.vial_lot.pk} at this clinic"}
    exc = refused(
        stock,
        "controlled.administer",
        lambda: administer(stock, site_id=stock.cambridge.pk),
    )
    assert exc.errors == {"lot": "lot K-100 is kept at Harbor Ketamine Clinic, not at this site"}
    exc = refused(
        stock,
        "controlled.administer",
        lambda: administer(
            stock,
            quantity=D("0"),
            patient=stock.cast.erin,
            source_ref="",
            occurred_at=ny(MONDAY, 9).replace(tzinfo=None),
        ),
    )
    assert exc.errors == {
        "quantity": "must be more than 0 and at most 1000000 mg; got 0",
        "occurred_at": "must be a date and time with its UTC offset",
        "patient": "must be a patient of this clinic",
        "source_ref": "is required (1-100 characters)",
    }
    exc = refused(stock, "controlled.administer", lambda: administer(stock, quantity=D("-5")))
    assert exc.errors == {"quantity": "must be more than 0 and at most 1000000 mg; got -5"}


def test_the_database_refuses_a_negative_balance(stock: Stock) -> None:
    lot = stock.lot(stock.vial_lot)
    lot.balance = D("-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        lot.save(update_fields=["balance"])


def test_ledger_entries_are_never_edited_or_deleted(stock: Stock) -> None:
    entry = LedgerEntry.objects.get(lot=stock.vial_lot)
    entry.note = "changed"
    with pytest.raises(RuntimeError, match="a LedgerEntry is never edited"):
        entry.save()
    with pytest.raises(RuntimeError, match=r"never deleted \(21 CFR 1304.04\)"):
        entry.delete()
    assert not hasattr(services, "entry_delete")
    assert [n for n in dir(services) if "delete" in n] == []


# --- waste ------------------------------------------------------------------------------------


def test_a_waste_is_witnessed_by_another_member_of_the_clinical_staff(stock: Stock) -> None:
    administer(stock)
    entry = services.waste_record(
        stock.cast.actor(stock.cast.nurse),
        lot_id=stock.vial_lot.pk,
        quantity=D("15"),
        witness_id=stock.cast.prescriber.pk,
        occurred_at=ny(MONDAY, 9, 40),
        reason="Rest of the 50 mg vial after a 35 mg dose",
        patient=stock.cast.dan,
        source_ref="session:1",
    )
    assert (entry.kind, entry.quantity, entry.balance_after, entry.witness_id) == (
        "waste",
        D("-15"),
        D("950"),
        stock.cast.prescriber.user_id,
    )
    assert entry.witness_label == "Dr Bob Prescriber <bob@example.com> (prescriber)"
    assert entry.note == "Rest of the 50 mg vial after a 35 mg dose"
    assert stock.lot(stock.vial_lot).balance == D("950")


def _waste(stock: Stock, **overrides: Any) -> Callable[[], Any]:
    values = {
        "lot_id": stock.vial_lot.pk,
        "quantity": D("15"),
        "witness_id": stock.cast.prescriber.pk,
        "occurred_at": ny(MONDAY, 9, 40),
        "reason": "Rest of the vial",
        **overrides,
    }
    return lambda: services.waste_record(stock.cast.actor(stock.cast.nurse), **values)


@pytest.mark.parametrize(
    ("witness", "message"),
    [
        (None, "a waste needs a witness: another active member of the clinical staff"),
        (
            "nurse",
            "a witness who is the same person as the one recording is no second signature: "
            "choose another member of the clinical staff",
        ),
        (
            "front_desk",
            "Carol Desk is not clinical staff who handle controlled substances (owner, "
            "prescriber or nurse)",
        ),
        ("outsider", "must be an active member of this clinic's clinical staff"),
    ],
)
def test_a_waste_is_refused_without_a_distinct_clinical_witness(
    stock: Stock, witness: str | None, message: str
) -> None:
    witness_id = getattr(stock.cast, witness).pk if witness else None
    exc = refused(stock, "controlled.waste", _waste(stock, witness_id=witness_id))
    assert exc.errors == {"witness": message}


def test_a_waste_is_refused_by_an_inactive_witness_and_for_more_than_is_left(
    stock: Stock,
) -> None:
    from ketacare.accounts.models import Membership

    Membership.objects.filter(pk=stock.cast.prescriber.pk).update(is_active=False)
    exc = refused(stock, "controlled.waste", _waste(stock, quantity=D("1000.5"), reason=" "))
    assert exc.errors == {
        "quantity": "lot K-100 has 1000 mg left; 1000.5 mg asked",
        "witness": "Dr Bob Prescriber is not clinical staff who handle controlled substances "
        "(owner, prescriber or nurse)",
        "reason": "is required (1-2000 characters)",
    }


def test_a_waste_of_another_clinics_lot_is_not_found(stock: Stock) -> None:
    exc = refused(
        stock,
        "controlled.waste",
        lambda: services.waste_record(
            stock.cast.actor(stock.cast.outsider),
            lot_id=stock.vial_lot.pk,
            quantity=D("1"),
            witness_id=stock.cast.nurse.pk,
            occurred_at=ny(MONDAY, 9),
            reason="x",
        ),
        NotVisible,
    )
    assert str(exc) == "No such lot"


# --- transfers --------------------------------------------------------------------------------


def test_a_transfer_moves_stock_to_a_lot_of_the_same_number_at_the_other_site(
    stock: Stock,
) -> None:
    moved = services.transfer(
        stock.cast.actor(stock.cast.owner),
        lot_id=stock.device_lot.pk,
        to_site_id=stock.cambridge.pk,
        quantity=D("4"),
        occurred_at=ny(MONDAY, 9, 30),
        note="Cambridge opens its Spravato chair",
    )
    there = Lot.objects.get(site=stock.cambridge)
    assert (there.product_id, there.lot_number, there.expires_on, there.balance) == (
        stock.device.pk,
        "S-7",
        date(2026, 6, 30),
        D("4"),
    )
    assert there.received_quantity == D("0")
    assert stock.lot(stock.device_lot).balance == D("8")
    assert (moved.out.kind, moved.out.quantity, moved.out.counterpart_site_id) == (
        "transfer_out",
        D("-4"),
        stock.cambridge.pk,
    )
    assert (moved.into.kind, moved.into.lot_id, moved.into.linked_entry_id) == (
        "transfer_in",
        there.pk,
        moved.out.pk,
    )
    # A second transfer adds to the same lot there.
    services.transfer(
        stock.cast.actor(stock.cast.owner),
        lot_id=stock.device_lot.pk,
        to_site_id=stock.cambridge.pk,
        quantity=D("1"),
        occurred_at=ny(MONDAY, 9, 35),
    )
    assert entries()[2:] == [
        ("transfer_out", "S-7", D("-4"), D("8")),
        ("transfer_in", "S-7", D("4"), D("4")),
        ("transfer_out", "S-7", D("-1"), D("7")),
        ("transfer_in", "S-7", D("1"), D("5")),
    ]
    assert Lot.objects.filter(site=stock.cambridge).count() == 1


def test_a_transfer_is_refused_to_its_own_site_and_for_more_than_is_left(stock: Stock) -> None:
    exc = refused(
        stock,
        "controlled.transfer",
        lambda: services.transfer(
            stock.cast.actor(stock.cast.nurse),
            lot_id=stock.device_lot.pk,
            to_site_id=stock.site.pk,
            quantity=D("13"),
            occurred_at=ny(MONDAY, 9, 30),
        ),
    )
    assert exc.errors == {
        "to_site": "lot S-7 is already at Harbor Ketamine Clinic",
        "quantity": "lot S-7 has 12 devices left; 13 devices asked",
    }
    exc = refused(
        stock,
        "controlled.transfer",
        lambda: services.transfer(
            stock.cast.actor(stock.cast.outsider),
            lot_id=stock.device_lot.pk,
            to_site_id=stock.cambridge.pk,
            quantity=D("1"),
            occurred_at=ny(MONDAY, 9, 30),
        ),
        NotVisible,
    )
    assert str(exc) == "No such lot"


# --- counts -----------------------------------------------------------------------------------


def test_a_count_that_matches_posts_nothing_and_one_that_differs_adjusts(stock: Stock) -> None:
    administer(stock)
    count = services.count_record(
        stock.cast.actor(stock.cast.nurse),
        site_id=stock.site.pk,
        kind="routine",
        counted_at=ny(MONDAY, 9, 50),
        witness_id=stock.cast.owner.pk,
        lines=[
            {"lot": stock.vial_lot.pk, "counted": D("965")},
            {"lot": stock.device_lot.pk, "counted": D("11"), "explanation": "One device broken"},
        ],
    )
    lines = list(
        CountLine.objects.filter(count=count)
        .order_by("lot__lot_number")
        .values_list("lot__lot_number", "expected", "counted", "discrepancy", "explanation")
    )
    assert lines == [
        ("K-100", D("965"), D("965"), D("0"), ""),
        ("S-7", D("12"), D("11"), D("-1"), "One device broken"),
    ]
    assert entries()[-1] == ("count_adjustment", "S-7", D("-1"), D("11"))
    adjustment = LedgerEntry.objects.get(kind="count_adjustment")
    assert (adjustment.count_line.count_id, adjustment.witness_id, adjustment.note) == (
        count.pk,
        stock.cast.owner.user_id,
        "One device broken",
    )
    assert stock.lot(stock.device_lot).balance == D("11")
    assert count.witness_label == "Alice Owner <alice@example.com> (owner)"


def test_a_count_is_refused_a_difference_without_its_explanation(stock: Stock) -> None:
    exc = refused(
        stock,
        "controlled.count",
        lambda: services.count_record(
            stock.cast.actor(stock.cast.nurse),
            site_id=stock.site.pk,
            kind="weekly",
            counted_at=ny(MONDAY, 9, 50),
            lines=[
                {"lot": stock.vial_lot.pk, "counted": D("990")},
                {"lot": stock.vial_lot.pk, "counted": D("990")},
                {"lot": 999_999, "counted": D("1")},
                {"lot": stock.device_lot.pk, "counted": D("-1")},
            ],
        ),
    )
    assert exc.errors == {
        "kind": "must be one of routine, initial, biennial",
        "lines.0.explanation": "lot K-100: the ledger expects 1000 mg and 990 mg were counted; "
        "say why they differ",
        "lines.1.lot": "lot K-100 is counted twice",
        "lines.2.lot": "there is no lot 999999 at Harbor Ketamine Clinic",
        "lines.3.counted": "must be 0 and at most 1000000 devices; got -1",
    }


def test_an_initial_inventory_counts_every_lot_with_stock(stock: Stock) -> None:
    exc = refused(
        stock,
        "controlled.count",
        lambda: services.count_record(
            stock.cast.actor(stock.cast.nurse),
            site_id=stock.site.pk,
            kind="initial",
            counted_at=ny(MONDAY, 9, 50),
            lines=[{"lot": stock.vial_lot.pk, "counted": D("1000")}],
        ),
    )
    assert exc.errors == {
        "lines": "an initial or biennial inventory counts every lot at the site with stock "
        "(21 CFR 1304.11): missing S-7"
    }
    count = services.count_record(
        stock.cast.actor(stock.cast.nurse),
        site_id=stock.site.pk,
        kind="biennial",
        counted_at=ny(MONDAY, 9, 50),
        lines=[
            {"lot": stock.vial_lot.pk, "counted": D("1000")},
            {"lot": stock.device_lot.pk, "counted": D("12")},
        ],
    )
    assert (count.kind, count.lines.count(), LedgerEntry.objects.count()) == ("biennial", 2, 2)


def test_administer_refuses_a_time_in_the_future(stock: Stock) -> None:
    """The clock is stopped at 10:00: an hour later is in the future (5 minutes of drift are
    allowed)."""
    exc = refused(
        stock,
        "controlled.administer",
        lambda: administer(stock, occurred_at=ny(MONDAY, 10) + timedelta(hours=1)),
    )
    assert exc.errors == {"occurred_at": "must not be in the future"}
