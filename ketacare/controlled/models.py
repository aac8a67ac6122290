"""The controlled-substance ledger: products, lots at a site, the append-only ledger of every
receipt, administration, waste, transfer and count adjustment, and the reconciliation counts.

Ketamine is a Schedule III substance (21 CFR 1308.13), and esketamine (Spravato) with it. A
registrant keeps its records for **two years**, readily retrievable (21 CFR 1304.04), takes an
**initial and a biennial inventory** (21 CFR 1304.11), and records for each substance
**received** its name, form, strength, quantity, date and supplier, and for each one
**dispensed or administered** the quantity, the date, the patient and the name or initials of
who administered it (21 CFR 1304.22(c)). Waste of a partly used vial is witnessed and recorded
(state boards and DEA practitioner guidance; reference/clinical.md §8.6).

So nothing here is ever edited or deleted: a ledger entry, a count and its lines are written
once (``save`` refuses an update, ``delete`` refuses always); a correction is a new entry. A
lot's ``balance`` is kept in the same transaction as every entry that moves it (the lot's row
locked with ``SELECT ... FOR UPDATE``), and the database refuses a negative one
(``lot_balance_not_negative``), whatever the code above it does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ketacare.accounts.models import Clinic, Site
from ketacare.patients.models import Patient

# Quantities are in the product's unit (mg or devices), to the microgram: 14 digits, 3 places.


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine (racemic)"
    ESKETAMINE = "esketamine", "Esketamine (Spravato)"


class Unit(models.TextChoices):
    MG = "mg", "mg"
    DEVICE = "device", "devices"


class Product(models.Model):
    """A product the clinic stocks: what 21 CFR 1304.22(c) names of a substance received
    (name, form, strength). A vial product counts in mg (``concentration_mg_per_ml`` turns
    mL into mg); a Spravato device counts in devices of ``mg_per_unit`` (28 mg esketamine per
    device, SPRAVATO PI §2)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    drug = models.CharField(max_length=20, choices=Drug.choices)
    form = models.CharField(max_length=80, help_text="e.g. injection, nasal spray device")
    strength = models.CharField(max_length=80, help_text="As labelled, e.g. 50 mg/mL, 28 mg")
    concentration_mg_per_ml = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(max_length=10, choices=Unit.choices)
    mg_per_unit = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    dea_schedule = models.CharField(max_length=4, default="III")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="product_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A manufacturer's lot of a product held at one site. ``balance`` is what the ledger says
    is on the shelf, moved only with an entry in the same transaction."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=60)
    expires_on = models.DateField(help_text="The last day the lot may be used")
    received_quantity = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    balance = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="lot_balance_not_negative"),
            models.UniqueConstraint(
                fields=["product", "site", "lot_number"], name="lot_unique_at_site"
            ),
        ]
        indexes = [models.Index(fields=["site", "expires_on"])]

    def __str__(self) -> str:
        return f"lot {self.lot_number}"


class _WriteOnce(models.Model):
    """A record of the ledger: written once, never changed, never deleted (21 CFR 1304.04)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError(f"a {type(self).__name__} is never edited: record a new entry")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"a {type(self).__name__} is never deleted (21 CFR 1304.04)")


class Count(_WriteOnce):
    """A count of the stock of one site: a routine reconciliation, or the initial or biennial
    inventory of 21 CFR 1304.11. Each line is one lot: what the ledger expected, what was
    counted, and why they differ."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", "Routine count"
        INITIAL = "initial", "Initial inventory (21 CFR 1304.11(b))"
        BIENNIAL = "biennial", "Biennial inventory (21 CFR 1304.11(c))"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="counts")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="counts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    counted_by_label = models.CharField(max_length=300)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witness_label = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.site_id}"


class CountLine(_WriteOnce):
    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="count_lines")
    expected = models.DecimalField(max_digits=14, decimal_places=3)
    counted = models.DecimalField(max_digits=14, decimal_places=3)
    discrepancy = models.DecimalField(max_digits=15, decimal_places=3)
    explanation = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="count_line_one_per_lot"),
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"count {self.count_id}, lot {self.lot_id}"


class LedgerEntry(_WriteOnce):
    """One movement of one lot. ``quantity`` is its signed effect on the balance, in the
    product's unit; ``balance_after`` the lot's balance once it was recorded.

    The fields 21 CFR 1304.22(c) asks for: a receipt's date, quantity and supplier (the
    product gives name, form and strength); an administration's date, quantity, patient and
    who administered it (``recorded_by``). A waste carries its witness."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Received"
        ADMINISTRATION = "administration", "Administered"
        WASTE = "waste", "Wasted (witnessed)"
        TRANSFER_OUT = "transfer_out", "Transferred out"
        TRANSFER_IN = "transfer_in", "Transferred in"
        COUNT_ADJUSTMENT = "count_adjustment", "Count adjustment"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="ledger")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    balance_after = models.DecimalField(max_digits=14, decimal_places=3)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=300)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witness_label = models.CharField(max_length=300, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_ref = models.CharField(max_length=100, blank=True, help_text='e.g. "session:42"')
    supplier = models.CharField(max_length=200, blank=True)
    invoice_number = models.CharField(max_length=100, blank=True)
    counterpart_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_entry = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="linked_from"
    )
    count_line = models.OneToOneField(
        CountLine, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustment"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["clinic", "occurred_at"]),
            models.Index(fields=["lot", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="administration") | Q(patient__isnull=False),
                name="ledger_administration_names_patient",
            ),
            models.CheckConstraint(
                condition=~Q(kind="waste") | Q(witness__isnull=False),
                name="ledger_waste_is_witnessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} of lot {self.lot_id}"
