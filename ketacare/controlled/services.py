"""Every change to the controlled-substance ledger: one audited transaction each.

Each service needs ``controlled.record`` (``Perm.CONTROLLED_RECORD``), checks every rule of its
input at once (``FieldErrors`` naming each field; nothing is written), moves the lot's balance
and appends its entry in one transaction, with the lot's row locked (``SELECT ... FOR UPDATE``
on PostgreSQL; on SQLite every write transaction holds the database's write lock from BEGIN),
so two sessions drawing from one lot at the same moment never overdraw it. A refusal is
audited (``write.refused``). There is no service that deletes or edits an entry: records are
kept at least two years, readily retrievable (21 CFR 1304.04).

``administer`` is what the treatment session calls when a dose is given; it works inside the
caller's transaction (its ``atomic`` is a savepoint there). The demo seed and the command line
call these services as the pages do, with ``accounts.actor.actor_for(membership)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor, actor_label
from ketacare.accounts.models import Membership, Site
from ketacare.accounts.permissions import Perm, has_perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors, NotVisible
from ketacare.patients.models import Patient

from .models import Count, CountLine, Drug, LedgerEntry, Lot, Product, Unit

#: The largest quantity one entry may move (a typing error beyond it: a million mg is a
#: kilogram of ketamine).
MAX_QUANTITY = Decimal(1_000_000)
#: How far in the future an entry's time may be (clocks of tablets drift).
CLOCK_SKEW = timedelta(minutes=5)
TEXT_MAX = {"supplier": 200, "invoice_number": 100, "lot_number": 60, "source_ref": 100}
NOTE_MAX = 2000


# --- small helpers ------------------------------------------------------------------------------


def _clinic_id(actor: Actor) -> int:
    require_perm(actor.membership, Perm.CONTROLLED_RECORD)
    assert actor.membership is not None
    return actor.membership.clinic_id


def amount(quantity: Decimal, unit: str) -> str:
    """``20 mg``, ``1 device``, ``3 devices``: a quantity as people write it."""
    text = format(quantity.normalize(), "f")
    if unit == Unit.DEVICE:
        return f"{text} device" + ("" if quantity == 1 else "s")
    return f"{text} mg"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _quantity(
    errors: dict[str, str],
    field: str,
    value: Any,
    unit: str | None,
    *,
    allow_zero: bool = False,
) -> Decimal | None:
    """A positive quantity (zero too for a count), at most 3 decimals; whole devices."""
    number = _decimal(value)
    low = "0" if allow_zero else "more than 0"
    unit_name = "devices" if unit == Unit.DEVICE else "mg"
    if number is None:
        errors[field] = f"must be a number of {unit_name}, {low} up to {MAX_QUANTITY}"
        return None
    if (number < 0 if allow_zero else number <= 0) or number > MAX_QUANTITY:
        errors[field] = f"must be {low} and at most {MAX_QUANTITY} {unit_name}; got {number}"
        return None
    if -number.as_tuple().exponent > 3:  # type: ignore[operator]
        errors[field] = "must have at most 3 decimal places"
        return None
    if unit == Unit.DEVICE and number != number.to_integral():
        errors[field] = f"a device is counted whole; got {number} devices"
        return None
    return number


def _when(errors: dict[str, str], field: str, value: Any) -> datetime | None:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors[field] = "must be a date and time with its UTC offset"
        return None
    if value > timezone.now() + CLOCK_SKEW:
        errors[field] = "must not be in the future"
        return None
    return value


def _text(
    errors: dict[str, str], field: str, value: Any, max_length: int, *, required: bool
) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = f"is required (1-{max_length} characters)"
    elif len(text) > max_length:
        errors[field] = f"must be at most {max_length} characters"
    return text


def _site(clinic_id: int, site_id: Any, *, field: str = "site") -> Site:
    """An active site of the clinic, else not found (the API's 404)."""
    site = Site.objects.filter(pk=site_id, clinic_id=clinic_id).first() if site_id else None
    if site is None:
        raise NotVisible("No such site")
    if not site.is_active:
        raise FieldErrors({field: f"{site.name} is not an active site"})
    return site


def _locked_lot(clinic_id: int, lot_id: Any) -> Lot | None:
    """The clinic's lot with its row locked until the transaction ends (only the lot's row:
    ``of=("self",)``, so draws from other lots of the product never wait)."""
    if not isinstance(lot_id, int) or isinstance(lot_id, bool):
        return None
    return (
        Lot.objects.select_for_update(of=("self",))
        .select_related("product", "site")
        .filter(pk=lot_id, product__clinic_id=clinic_id)
        .first()
    )


def _lot_or_404(clinic_id: int, lot_id: Any) -> Lot:
    lot = _locked_lot(clinic_id, lot_id)
    if lot is None:
        raise NotVisible("No such lot")
    return lot


def _local_day(when: datetime, site: Site) -> date:
    return when.astimezone(site.tz).date()


def _witness(
    errors: dict[str, str], actor: Actor, clinic_id: int, witness_id: Any, *, required: bool
) -> Membership | None:
    """The second signature: another active member of the clinic's clinical staff who handles
    the drug (owner, prescriber or nurse), never the person recording."""
    if witness_id in (None, ""):
        if required:
            errors["witness"] = (
                "a waste needs a witness: another active member of the clinical staff"
            )
        return None
    witness = (
        Membership.objects.select_related("user").filter(pk=witness_id, clinic_id=clinic_id).first()
        if isinstance(witness_id, int) and not isinstance(witness_id, bool)
        else None
    )
    if witness is None or not witness.user.is_active:
        errors["witness"] = "must be an active member of this clinic's clinical staff"
        return None
    if witness.user_id == actor.user_id:
        errors["witness"] = (
            "a witness who is the same person as the one recording is no second signature: "
            "choose another member of the clinical staff"
        )
        return None
    if not has_perm(witness, Perm.CONTROLLED_RECORD):
        errors["witness"] = (
            f"{witness.user.full_name} is not clinical staff who handle controlled "
            "substances (owner, prescriber or nurse)"
        )
        return None
    return witness


def _post(
    actor: Actor,
    lot: Lot,
    kind: str,
    quantity: Decimal,
    occurred_at: datetime,
    **fields: Any,
) -> LedgerEntry:
    """Move the locked lot's balance by ``quantity`` and append its entry."""
    lot.balance += quantity
    update = ["balance"]
    if kind == LedgerEntry.Kind.RECEIPT:
        lot.received_quantity += quantity
        update.append("received_quantity")
    lot.save(update_fields=update)
    return LedgerEntry.objects.create(
        clinic_id=lot.product.clinic_id,
        lot=lot,
        kind=kind,
        quantity=quantity,
        balance_after=lot.balance,
        occurred_at=occurred_at,
        recorded_by=actor.user,
        recorded_by_label=actor.label[:300],
        **fields,
    )


def _entry_data(entry: LedgerEntry) -> dict[str, Any]:
    lot = entry.lot
    return {
        "kind": entry.kind,
        "product": lot.product.name,
        "lot": lot.lot_number,
        "site": lot.site.name,
        "quantity": str(entry.quantity),
        "unit": lot.product.unit,
        "balance_after": str(entry.balance_after),
        "occurred_at": entry.occurred_at.isoformat(),
    }


# --- products -----------------------------------------------------------------------------------


@audit.records_refusals("controlled.product_create")
def product_create(
    actor: Actor,
    *,
    name: str,
    drug: str,
    form: str,
    strength: str,
    unit: str,
    concentration_mg_per_ml: Decimal | None = None,
    mg_per_unit: Decimal | None = None,
) -> Product:
    """A product the clinic stocks. Spravato counts in devices (28 mg esketamine each,
    SPRAVATO PI §2): esketamine is always a device product with its mg per device."""
    clinic_id = _clinic_id(actor)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, 200, required=True)
    form = _text(errors, "form", form, 80, required=True)
    strength = _text(errors, "strength", strength, 80, required=True)
    if drug not in Drug.values:
        errors["drug"] = f"must be one of {', '.join(Drug.values)}"
    if unit not in Unit.values:
        errors["unit"] = f"must be one of {', '.join(Unit.values)}"
    elif drug == Drug.ESKETAMINE and unit != Unit.DEVICE:
        errors["unit"] = "esketamine (Spravato) is dispensed per device: the unit is device"
    concentration = None
    if concentration_mg_per_ml is not None:
        if unit == Unit.DEVICE:
            errors["concentration_mg_per_ml"] = "a device product has no concentration"
        else:
            concentration = _decimal(concentration_mg_per_ml)
            if concentration is None or not Decimal("0.001") <= concentration <= 1000:
                errors["concentration_mg_per_ml"] = "must be 0.001-1000 mg/mL"
    per_unit = None
    if unit == Unit.DEVICE:
        per_unit = _decimal(mg_per_unit)
        if per_unit is None or not Decimal("0.001") <= per_unit <= 1000:
            errors["mg_per_unit"] = "a device product needs its mg per device, 0.001-1000"
    elif mg_per_unit is not None:
        errors["mg_per_unit"] = "only a device product has mg per device"
    if "name" not in errors and Product.objects.filter(clinic_id=clinic_id, name=name).exists():
        errors["name"] = f"the clinic already has a product named {name!r}"
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        product = Product.objects.create(
            clinic_id=clinic_id,
            name=name,
            drug=drug,
            form=form,
            strength=strength,
            unit=unit,
            concentration_mg_per_ml=concentration,
            mg_per_unit=per_unit,
        )
        audit.record(
            actor,
            "controlled.product_create",
            target=product,
            changes={"name": [None, name], "drug": [None, drug], "unit": [None, unit]},
        )
    return product


# --- receipts -----------------------------------------------------------------------------------


@audit.records_refusals("controlled.receipt")
def receipt_record(
    actor: Actor,
    *,
    product_id: int,
    site_id: int,
    lot_number: str,
    expires_on: date,
    quantity: Decimal,
    received_at: datetime,
    supplier: str,
    invoice_number: str,
    note: str = "",
) -> LedgerEntry:
    """Stock received at a site (21 CFR 1304.22(c): name, form and strength from the product;
    quantity, date and supplier here; the invoice kept with the records, 1304.04). A new lot
    number makes its lot; a known one adds to it (its expiry must match)."""
    clinic_id = _clinic_id(actor)
    product = Product.objects.filter(pk=product_id, clinic_id=clinic_id).first()
    if product is None:
        raise NotVisible("No such product")
    site = _site(clinic_id, site_id)
    errors: dict[str, str] = {}
    if not product.is_active:
        errors["product"] = f"{product.name} is no longer stocked"
    number = _text(errors, "lot_number", lot_number, TEXT_MAX["lot_number"], required=True)
    qty = _quantity(errors, "quantity", quantity, product.unit)
    when = _when(errors, "received_at", received_at)
    supplier = _text(errors, "supplier", supplier, TEXT_MAX["supplier"], required=True)
    invoice = _text(
        errors, "invoice_number", invoice_number, TEXT_MAX["invoice_number"], required=True
    )
    note = _text(errors, "note", note, NOTE_MAX, required=False)
    if not isinstance(expires_on, date) or isinstance(expires_on, datetime):
        errors["expires_on"] = "must be a date (YYYY-MM-DD)"
    elif when is not None and expires_on < _local_day(when, site):
        errors["expires_on"] = (
            f"the lot expired on {expires_on.isoformat()}, before it was received"
        )
    if errors:
        raise FieldErrors(errors)
    assert qty is not None and when is not None
    with transaction.atomic():
        lot = (
            Lot.objects.select_for_update(of=("self",))
            .select_related("product", "site")
            .filter(product=product, site=site, lot_number=number)
            .first()
        )
        if lot is not None and lot.expires_on != expires_on:
            raise FieldErrors(
                {
                    "expires_on": f"lot {number} at {site.name} expires on "
                    f"{lot.expires_on.isoformat()}; the receipt says {expires_on.isoformat()}"
                }
            )
        if lot is None:
            lot = Lot.objects.create(
                product=product, site=site, lot_number=number, expires_on=expires_on
            )
        entry = _post(
            actor,
            lot,
            LedgerEntry.Kind.RECEIPT,
            qty,
            when,
            supplier=supplier,
            invoice_number=invoice,
            note=note,
        )
        audit.record(
            actor,
            "controlled.receipt",
            target=entry,
            data={**_entry_data(entry), "supplier": supplier, "invoice_number": invoice},
        )
    return entry


# --- administration (the interface of the treatment session) ------------------------------------


def _patient(clinic_id: int, patient: Any) -> Patient | None:
    if isinstance(patient, Patient):
        return patient if patient.clinic_id == clinic_id else None
    if isinstance(patient, UUID | str):
        try:
            return Patient.objects.filter(pk=patient, clinic_id=clinic_id).first()
        except (ValidationError, ValueError):  # a malformed id names no patient
            return None
    return None


@audit.records_refusals("controlled.administer")
def administer(
    actor: Actor,
    *,
    lot_id: int,
    quantity: Decimal,
    patient: Patient | UUID | str,
    source_ref: str,
    occurred_at: datetime,
    site_id: int | None = None,
    note: str = "",
) -> LedgerEntry:
    """A dose given from a lot: what 21 CFR 1304.22(c) asks of each administration (the
    quantity, the date, the patient, who administered it: the actor).

    Refused with ``FieldErrors`` naming the field, nothing written: ``lot`` when it is not a
    lot of the actor's clinic, is at another site than ``site_id`` (when given: the session's
    site), expired before ``occurred_at``'s local date at its site, or has too little left
    ("lot K-1 has 20 mg left; 25 mg asked"); ``quantity`` when not more than 0 (or not whole
    devices); ``patient`` when not the clinic's; ``source_ref`` when empty (e.g.
    ``"session:42"``); ``occurred_at`` when naive or in the future. Works inside the caller's
    transaction: its ``atomic`` nests as a savepoint, and the lot stays locked until the
    caller commits.
    """
    clinic_id = _clinic_id(actor)
    with transaction.atomic():
        errors: dict[str, str] = {}
        lot = _locked_lot(clinic_id, lot_id)
        unit = lot.product.unit if lot is not None else None
        qty = _quantity(errors, "quantity", quantity, unit)
        when = _when(errors, "occurred_at", occurred_at)
        if lot is None:
            errors["lot"] = f"there is no lot {lot_id} at this clinic"
        elif site_id is not None and lot.site_id != site_id:
            errors["lot"] = f"lot {lot.lot_number} is kept at {lot.site.name}, not at this site"
        elif when is not None and lot.expires_on < _local_day(when, lot.site):
            errors["lot"] = (
                f"lot {lot.lot_number} expired on {lot.expires_on.isoformat()}; it may not be "
                f"given on {_local_day(when, lot.site).isoformat()}"
            )
        elif qty is not None and qty > lot.balance:
            errors["lot"] = (
                f"lot {lot.lot_number} has {amount(lot.balance, lot.product.unit)} left; "
                f"{amount(qty, lot.product.unit)} asked"
            )
        person = _patient(clinic_id, patient)
        if person is None:
            errors["patient"] = "must be a patient of this clinic"
        ref = _text(errors, "source_ref", source_ref, TEXT_MAX["source_ref"], required=True)
        note = _text(errors, "note", note, NOTE_MAX, required=False)
        if errors:
            raise FieldErrors(errors)
        assert lot is not None and qty is not None and when is not None and person is not None
        entry = _post(
            actor,
            lot,
            LedgerEntry.Kind.ADMINISTRATION,
            -qty,
            when,
            patient=person,
            source_ref=ref,
            note=note,
        )
        audit.record(
            actor,
            "controlled.administer",
            patient_id=person.pk,
            target=entry,
            data={**_entry_data(entry), "source_ref": ref},
        )
    return entry


# --- waste --------------------------------------------------------------------------------------


@audit.records_refusals("controlled.waste")
def waste_record(
    actor: Actor,
    *,
    lot_id: int,
    quantity: Decimal,
    witness_id: int | None,
    occurred_at: datetime,
    reason: str,
    patient: Patient | UUID | str | None = None,
    source_ref: str = "",
) -> LedgerEntry:
    """The rest of a partly used vial (or a spoiled device), wasted in front of a witness
    (state boards and DEA practitioner guidance on wastage, reference/clinical.md §8.6).
    ``witness_id`` is the witness's membership: another active member of the clinical staff,
    never the recorder. Destroying stock itself goes through a reverse distributor or DEA
    Form 41 (21 CFR 1317), not here."""
    clinic_id = _clinic_id(actor)
    with transaction.atomic():
        lot = _lot_or_404(clinic_id, lot_id)
        errors: dict[str, str] = {}
        qty = _quantity(errors, "quantity", quantity, lot.product.unit)
        when = _when(errors, "occurred_at", occurred_at)
        if qty is not None and qty > lot.balance:
            errors["quantity"] = (
                f"lot {lot.lot_number} has {amount(lot.balance, lot.product.unit)} left; "
                f"{amount(qty, lot.product.unit)} asked"
            )
        witness = _witness(errors, actor, clinic_id, witness_id, required=True)
        why = _text(errors, "reason", reason, NOTE_MAX, required=True)
        person = None
        if patient not in (None, ""):
            person = _patient(clinic_id, patient)
            if person is None:
                errors["patient"] = "must be a patient of this clinic"
        ref = _text(errors, "source_ref", source_ref, TEXT_MAX["source_ref"], required=False)
        if errors:
            raise FieldErrors(errors)
        assert qty is not None and when is not None and witness is not None
        entry = _post(
            actor,
            lot,
            LedgerEntry.Kind.WASTE,
            -qty,
            when,
            witness=witness.user,
            witness_label=actor_label(witness.user, witness)[:300],
            patient=person,
            source_ref=ref,
            note=why,
        )
        audit.record(
            actor,
            "controlled.waste",
            patient_id=person.pk if person is not None else None,
            target=entry,
            data={**_entry_data(entry), "witness": entry.witness_label, "reason": why},
        )
    return entry


# --- transfers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    out: LedgerEntry
    into: LedgerEntry


@audit.records_refusals("controlled.transfer")
def transfer(
    actor: Actor,
    *,
    lot_id: int,
    to_site_id: int,
    quantity: Decimal,
    occurred_at: datetime,
    note: str = "",
) -> Transfer:
    """Stock moved from one site of the clinic to another: an out entry at the source, an in
    entry at the destination's lot of the same number and expiry (made if new), linked."""
    clinic_id = _clinic_id(actor)
    with transaction.atomic():
        lot = _lot_or_404(clinic_id, lot_id)
        to_site = _site(clinic_id, to_site_id, field="to_site")
        errors: dict[str, str] = {}
        qty = _quantity(errors, "quantity", quantity, lot.product.unit)
        when = _when(errors, "occurred_at", occurred_at)
        note = _text(errors, "note", note, NOTE_MAX, required=False)
        if to_site.pk == lot.site_id:
            errors["to_site"] = f"lot {lot.lot_number} is already at {to_site.name}"
        if qty is not None and qty > lot.balance:
            errors["quantity"] = (
                f"lot {lot.lot_number} has {amount(lot.balance, lot.product.unit)} left; "
                f"{amount(qty, lot.product.unit)} asked"
            )
        there = (
            Lot.objects.select_for_update(of=("self",))
            .select_related("product", "site")
            .filter(product=lot.product, site=to_site, lot_number=lot.lot_number)
            .first()
        )
        if there is not None and there.expires_on != lot.expires_on:
            errors["to_site"] = (
                f"lot {lot.lot_number} at {to_site.name} expires on "
                f"{there.expires_on.isoformat()}, not {lot.expires_on.isoformat()}"
            )
        if errors:
            raise FieldErrors(errors)
        assert qty is not None and when is not None
        if there is None:
            there = Lot.objects.create(
                product=lot.product,
                site=to_site,
                lot_number=lot.lot_number,
                expires_on=lot.expires_on,
            )
        out = _post(
            actor,
            lot,
            LedgerEntry.Kind.TRANSFER_OUT,
            -qty,
            when,
            counterpart_site=to_site,
            note=note,
        )
        into = _post(
            actor,
            there,
            LedgerEntry.Kind.TRANSFER_IN,
            qty,
            when,
            counterpart_site=lot.site,
            linked_entry=out,
            note=note,
        )
        audit.record(
            actor,
            "controlled.transfer",
            target=out,
            data={**_entry_data(out), "to_site": to_site.name, "in_entry": into.pk},
        )
    return Transfer(out, into)


# --- counts -------------------------------------------------------------------------------------


@audit.records_refusals("controlled.count")
def count_record(
    actor: Actor,
    *,
    site_id: int,
    kind: str,
    counted_at: datetime,
    lines: Sequence[Mapping[str, Any]],
    witness_id: int | None = None,
    note: str = "",
) -> Count:
    """A count of a site's stock, each line ``{"lot": id, "counted": qty, "explanation":
    text}``. What the ledger expected is the lot's balance; a difference needs its
    explanation and posts a ``count_adjustment`` so the balance is what was counted. An
    initial or biennial inventory (21 CFR 1304.11(b), (c)) counts every lot at the site that
    has stock."""
    clinic_id = _clinic_id(actor)
    with transaction.atomic():
        site = _site(clinic_id, site_id)
        errors: dict[str, str] = {}
        if kind not in Count.Kind.values:
            errors["kind"] = f"must be one of {', '.join(Count.Kind.values)}"
        when = _when(errors, "counted_at", counted_at)
        witness = _witness(errors, actor, clinic_id, witness_id, required=False)
        note = _text(errors, "note", note, NOTE_MAX, required=False)
        if not lines:
            errors["lines"] = "a count has at least one lot"
        parsed: list[tuple[Lot, Decimal, str]] = []
        seen: set[int] = set()
        for n, line in enumerate(lines):
            lot_id = line.get("lot")
            lot = _locked_lot(clinic_id, lot_id)
            if lot is None or lot.site_id != site.pk:
                errors[f"lines.{n}.lot"] = f"there is no lot {lot_id} at {site.name}"
                continue
            if lot.pk in seen:
                errors[f"lines.{n}.lot"] = f"lot {lot.lot_number} is counted twice"
                continue
            seen.add(lot.pk)
            counted = _quantity(
                errors, f"lines.{n}.counted", line.get("counted"), lot.product.unit, allow_zero=True
            )
            explanation = _text(
                errors, f"lines.{n}.explanation", line.get("explanation"), NOTE_MAX, required=False
            )
            if counted is not None and counted != lot.balance and not explanation:
                errors[f"lines.{n}.explanation"] = (
                    f"lot {lot.lot_number}: the ledger expects "
                    f"{amount(lot.balance, lot.product.unit)} and "
                    f"{amount(counted, lot.product.unit)} were counted; say why they differ"
                )
            if counted is not None:
                parsed.append((lot, counted, explanation))
        if kind in (Count.Kind.INITIAL, Count.Kind.BIENNIAL) and "lines" not in errors:
            missing = list(
                Lot.objects.filter(site=site, product__clinic_id=clinic_id, balance__gt=0)
                .exclude(pk__in=seen)
                .order_by("lot_number")
                .values_list("lot_number", flat=True)
            )
            if missing:
                errors["lines"] = (
                    "an initial or biennial inventory counts every lot at the site with stock "
                    f"(21 CFR 1304.11): missing {', '.join(missing)}"
                )
        if errors:
            raise FieldErrors(errors)
        assert when is not None
        count = Count.objects.create(
            clinic_id=clinic_id,
            site=site,
            kind=kind,
            counted_at=when,
            counted_by=actor.user,
            counted_by_label=actor.label[:300],
            witness=witness.user if witness is not None else None,
            witness_label=actor_label(witness.user, witness)[:300] if witness else "",
            note=note,
        )
        adjusted = []
        for lot, counted, explanation in parsed:
            expected = lot.balance
            row = CountLine.objects.create(
                count=count,
                lot=lot,
                expected=expected,
                counted=counted,
                discrepancy=counted - expected,
                explanation=explanation,
            )
            if counted != expected:
                _post(
                    actor,
                    lot,
                    LedgerEntry.Kind.COUNT_ADJUSTMENT,
                    counted - expected,
                    when,
                    count_line=row,
                    witness=witness.user if witness is not None else None,
                    witness_label=count.witness_label,
                    note=explanation,
                )
                adjusted.append(lot.lot_number)
        audit.record(
            actor,
            "controlled.count",
            target=count,
            data={
                "site": site.name,
                "kind": kind,
                "lots": len(parsed),
                "adjusted": adjusted,
                "witness": count.witness_label,
            },
        )
    return count
