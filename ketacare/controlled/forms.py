"""The ledger's forms: a product, a receipt, a waste (with its witness), a transfer, a count
(a line per lot of the site), and the filters of the ledger and the inventory. Times are
wall-clock times of the clinic's zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Membership, Site
from ketacare.lib.forms import Form
from ketacare.lib.inputs import date_problem

from .models import Count, Drug, Lot, Product, Unit
from .services import MAX_QUANTITY, NOTE_MAX, TEXT_MAX, amount

INPUT_FORMAT = "%Y-%m-%dT%H:%M"
_FORMATS = (INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalDateTimeField(forms.Field):
    """A wall-clock date and time of the clinic's zone (a ``datetime-local`` input), as an
    aware instant; a time the clocks skip is refused."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT)

    def __init__(self, *, tz: ZoneInfo, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self.tz).strftime(INPUT_FORMAT)
        return value

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        naive = None
        for pattern in _FORMATS:
            try:
                # A wall-clock time of the clinic, made aware just below.
                naive = datetime.strptime(str(value).strip(), pattern)  # noqa: DTZ007
                break
            except ValueError:
                continue
        if naive is None:
            raise ValidationError("Enter a date and time, such as 2026-03-02 08:00.")
        problem = date_problem(naive.date())
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")
        aware = naive.replace(tzinfo=self.tz)
        if aware.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != naive:
            raise ValidationError("That time does not exist here (the clocks skip it).")
        return aware


def _quantity(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=MAX_QUANTITY,
        decimal_places=3,
        max_digits=10,
        help_text=help_text or "In the product's unit: mg, or devices for Spravato.",
    )


def lot_label(lot: Lot) -> str:
    return (
        f"{lot.product.name} · lot {lot.lot_number} · expires {lot.expires_on.isoformat()} · "
        f"{amount(lot.balance, lot.product.unit)} left"
    )


def member_label(member: Membership) -> str:
    return f"{member.user.full_name} ({member.get_role_display()})"


class ProductForm(Form):
    name = forms.CharField(label="Name", max_length=200)
    drug = forms.ChoiceField(label="Drug", choices=Drug.choices)
    form = forms.CharField(label="Form", max_length=80, help_text="e.g. injection, nasal spray")
    strength = forms.CharField(label="Strength as labelled", max_length=80)
    unit = forms.ChoiceField(
        label="Counted in", choices=[(Unit.MG, "mg"), (Unit.DEVICE, "devices")]
    )
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", required=False, min_value=0, decimal_places=3
    )
    mg_per_unit = forms.DecimalField(
        label="mg per device",
        required=False,
        min_value=0,
        decimal_places=3,
        help_text="Spravato: 28 mg esketamine per device.",
    )


class _ClinicForm(Form):
    def __init__(self, *args: Any, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, LocalDateTimeField):
                field.tz = tz

    def _choices(self, name: str, choices: Sequence[tuple[Any, str]], blank: str = "") -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ([("", blank)] if blank else []) + [(str(k), v) for k, v in choices]


_UTC = ZoneInfo("UTC")


class ReceiptForm(_ClinicForm):
    product = forms.TypedChoiceField(label="Product", coerce=int)
    site = forms.TypedChoiceField(label="Received at", coerce=int)
    lot_number = forms.CharField(label="Lot number", max_length=TEXT_MAX["lot_number"])
    expires_on = forms.DateField(label="Expiry date", widget=_DATE)
    quantity = _quantity("Quantity received")
    received_at = LocalDateTimeField(label="Received", tz=_UTC)
    supplier = forms.CharField(label="Supplier", max_length=TEXT_MAX["supplier"])
    invoice_number = forms.CharField(label="Invoice number", max_length=TEXT_MAX["invoice_number"])
    note = forms.CharField(
        label="Note", required=False, max_length=NOTE_MAX, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self, *args: Any, products: Sequence[Product], sites: Sequence[Site], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("product", [(p.pk, p.name) for p in products if p.is_active])
        self._choices("site", [(s.pk, s.name) for s in sites])


class WasteForm(_ClinicForm):
    lot = forms.TypedChoiceField(label="Lot", coerce=int)
    quantity = _quantity("Quantity wasted")
    witness = forms.TypedChoiceField(
        label="Witness",
        coerce=int,
        help_text="The second signature: another active member of the clinical staff who "
        "saw the waste.",
    )
    occurred_at = LocalDateTimeField(label="Wasted", tz=_UTC)
    reason = forms.CharField(
        label="Reason",
        max_length=NOTE_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text="e.g. the rest of a 50 mg vial after a 35 mg dose.",
    )
    source_ref = forms.CharField(
        label="Session",
        required=False,
        max_length=TEXT_MAX["source_ref"],
        help_text='The dose it follows, if any (e.g. "session:42").',
    )

    def __init__(
        self, *args: Any, lots: Sequence[Lot], staff: Sequence[Membership], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("lot", [(lot.pk, lot_label(lot)) for lot in lots], "Choose a lot")
        self._choices("witness", [(m.pk, member_label(m)) for m in staff], "Choose the witness")


class TransferForm(_ClinicForm):
    lot = forms.TypedChoiceField(label="Lot", coerce=int)
    to_site = forms.TypedChoiceField(label="To site", coerce=int)
    quantity = _quantity("Quantity moved")
    occurred_at = LocalDateTimeField(label="Moved", tz=_UTC)
    note = forms.CharField(
        label="Note", required=False, max_length=NOTE_MAX, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self, *args: Any, lots: Sequence[Lot], sites: Sequence[Site], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("lot", [(lot.pk, lot_label(lot)) for lot in lots], "Choose a lot")
        self._choices("to_site", [(s.pk, s.name) for s in sites], "Choose a site")


class CountForm(_ClinicForm):
    """A count of one site: a counted quantity (and, when it differs from the ledger, an
    explanation) for each lot there."""

    kind = forms.ChoiceField(label="Kind of count", choices=Count.Kind.choices)
    counted_at = LocalDateTimeField(label="Counted", tz=_UTC)
    witness = forms.TypedChoiceField(label="Witness", coerce=int, required=False, empty_value=None)
    note = forms.CharField(
        label="Note", required=False, max_length=NOTE_MAX, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self, *args: Any, lots: Sequence[Lot], staff: Sequence[Membership], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lots = list(lots)
        self._choices("witness", [(m.pk, member_label(m)) for m in staff], "No witness")
        for lot in self.lots:
            counted = _quantity(
                f"Lot {lot.lot_number} counted",
                f"The ledger expects {amount(lot.balance, lot.product.unit)}; leave it empty "
                "if this lot was not counted.",
            )
            counted.required = False
            self.fields[f"lot_{lot.pk}_counted"] = counted
            self.fields[f"lot_{lot.pk}_explanation"] = forms.CharField(
                label=f"Lot {lot.lot_number}: why the count differs",
                required=False,
                max_length=NOTE_MAX,
            )

    def rows(self) -> list[tuple[Lot, Any, Any]]:
        return [
            (lot, self[f"lot_{lot.pk}_counted"], self[f"lot_{lot.pk}_explanation"])
            for lot in self.lots
        ]

    def lines(self) -> list[dict[str, Any]]:
        return [
            {
                "lot": lot.pk,
                "counted": self.cleaned_data[f"lot_{lot.pk}_counted"],
                "explanation": self.cleaned_data[f"lot_{lot.pk}_explanation"],
            }
            for lot in self.lots
            if self.cleaned_data[f"lot_{lot.pk}_counted"] is not None
        ]

    def field_of(self, key: str) -> str | None:
        """The form's field for a service's ``lines.N.counted`` or ``lines.N.explanation``."""
        parts = key.split(".")
        counted = [line["lot"] for line in self.lines()] if hasattr(self, "cleaned_data") else []
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            n = int(parts[1])
            if n < len(counted) and parts[2] in ("counted", "explanation"):
                return f"lot_{counted[n]}_{parts[2]}"
        return None


class LedgerFilter(Form):
    product = forms.TypedChoiceField(label="Product", coerce=int, required=False, empty_value=None)
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    lot = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    from_ = forms.DateField(label="From", required=False, widget=_DATE)
    to = forms.DateField(label="To", required=False, widget=_DATE)

    def __init__(
        self, *args: Any, products: Sequence[Product], sites: Sequence[Site], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("from_")
        self.fields["to"] = self.fields.pop("to")
        for name, rows in (("product", products), ("site", sites)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "All")] + [(str(r.pk), r.name) for r in rows]


class InventoryFilter(Form):
    on = forms.DateField(label="On", required=False, widget=_DATE)
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, sites: Sequence[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All")] + [(str(s.pk), s.name) for s in sites]


def show_refusal(
    form: forms.Form, errors: Mapping[str, str], fields: Mapping[str, str] | None = None
) -> None:
    """A service's refusal on the form: each message on its field, else at the top."""
    for name, message in errors.items():
        target = (fields or {}).get(name, name)
        if isinstance(form, CountForm):
            target = form.field_of(name) or target
        text = message[:1].upper() + message[1:]
        if target in form.fields:
            form.add_error(target, text if text.endswith(".") else text + ".")
        else:
            form.add_error(None, text)
