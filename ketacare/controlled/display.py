"""The ledger as people and auditors read it: each entry's row with the fields of 21 CFR
1304.22(c) (for a receipt: name, form, strength, quantity, date, supplier; for an
administration: quantity, date, the patient, who administered it), the witness of a waste,
and the same rows as CSV. Times are shown in the zone of the lot's site."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

from .models import LedgerEntry
from .services import amount

CSV_COLUMNS = (
    "entry",
    "occurred_at",
    "kind",
    "site",
    "product",
    "drug",
    "form",
    "strength",
    "dea_schedule",
    "lot",
    "expires_on",
    "quantity",
    "unit",
    "balance_after",
    "patient",
    "patient_mrn",
    "recorded_by",
    "witness",
    "supplier",
    "invoice_number",
    "counterpart_site",
    "source_ref",
    "note",
    "recorded_at",
)


def _number(value: Any) -> str:
    return format(value.normalize(), "f")


def patient_name(entry: LedgerEntry) -> str:
    patient = entry.patient
    return f"{patient.family_name}, {patient.given_name}" if patient is not None else ""


def row(entry: LedgerEntry) -> dict[str, str]:
    """One entry as text, by ``CSV_COLUMNS``."""
    lot = entry.lot
    product = lot.product
    tz = lot.site.tz
    return {
        "entry": str(entry.pk),
        "occurred_at": entry.occurred_at.astimezone(tz).isoformat(),
        "kind": entry.get_kind_display(),
        "site": lot.site.name,
        "product": product.name,
        "drug": product.drug,
        "form": product.form,
        "strength": product.strength,
        "dea_schedule": product.dea_schedule,
        "lot": lot.lot_number,
        "expires_on": lot.expires_on.isoformat(),
        "quantity": _number(entry.quantity),
        "unit": product.unit,
        "balance_after": _number(entry.balance_after),
        "patient": patient_name(entry),
        "patient_mrn": entry.patient.mrn if entry.patient is not None else "",
        "recorded_by": entry.recorded_by_label,
        "witness": entry.witness_label,
        "supplier": entry.supplier,
        "invoice_number": entry.invoice_number,
        "counterpart_site": entry.counterpart_site.name if entry.counterpart_site else "",
        "source_ref": entry.source_ref,
        "note": entry.note,
        "recorded_at": entry.recorded_at.astimezone(tz).isoformat(),
    }


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is quoted
    with a leading apostrophe (OWASP CSV injection), except a plain number."""
    if text and text[0] in "=+-@\t\r":
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def ledger_csv(entries: Iterable[LedgerEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        values = row(entry)
        writer.writerow([_safe(values[name]) for name in CSV_COLUMNS])
    return out.getvalue()


def when(entry: LedgerEntry) -> str:
    """``2026-03-02 09:30``: the time the entry happened, at the lot's site."""
    return f"{entry.occurred_at.astimezone(entry.lot.site.tz):%Y-%m-%d %H:%M}"


def csv_response(entries: Iterable[LedgerEntry]) -> HttpResponse:
    response = HttpResponse(ledger_csv(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="controlled-ledger.csv"'
    return response


def signed_amount(entry: LedgerEntry) -> str:
    """``+500 mg``, ``−35 mg``, ``−1 device``."""
    unit = entry.lot.product.unit
    sign = "+" if entry.quantity > 0 else "−" if entry.quantity < 0 else ""
    return sign + amount(abs(entry.quantity), unit)
