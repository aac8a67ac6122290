"""The ledger's pages: the ledger (filters, CSV), the lots and their balances, the
inventory report, and the forms that record a product, a receipt, a witnessed waste, a
transfer and a count. Reads go through ``queries``, changes through ``services``; a refusal
comes back on its form with every field named (400), nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import FieldErrors

from . import display, queries, services
from .forms import (
    CountForm,
    InventoryFilter,
    LedgerFilter,
    ProductForm,
    ReceiptForm,
    TransferForm,
    WasteForm,
    show_refusal,
)
from .models import Count, LedgerEntry


def _tz(actor: Actor) -> Any:
    assert actor.membership is not None
    return actor.membership.clinic.tz


def _recorder(request: HttpRequest) -> Actor:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.CONTROLLED_RECORD)
    return actor


@login_required
@require_safe
def ledger(request: HttpRequest) -> HttpResponse:
    """Every entry, oldest first, filtered by product, site, lot and dates; ``?format=csv``
    gives the same rows as CSV."""
    actor = actor_from_request(request)
    products = queries.products(actor)
    form = LedgerFilter(request.GET or None, products=products, sites=queries.sites(actor))
    status = 200
    entries: list[LedgerEntry] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            entries = queries.ledger(
                actor,
                product_id=data.get("product"),
                lot_id=data.get("lot"),
                site_id=data.get("site"),
                first=data.get("from"),
                last=data.get("to"),
            )
        except FieldErrors as exc:
            show_refusal(form, exc.errors)
            status = 400
        else:
            if request.GET.get("format") == "csv":
                return display.csv_response(entries)
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "controlled/ledger.html",
        {
            "form": form,
            "rows": [
                (
                    e,
                    display.row(e),
                    display.signed_amount(e),
                    display.when(e),
                    services.amount(e.balance_after, e.lot.product.unit),
                )
                for e in entries
            ],
            "csv_query": query.urlencode(),
            "can_record": actor.can(Perm.CONTROLLED_RECORD),
        },
        status=status,
    )


@login_required
@require_safe
def lots(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    found = queries.lots(actor)
    today = timezone.now().astimezone(_tz(actor)).date()
    return render(
        request,
        "controlled/lots.html",
        {
            "rows": [(lot, services.amount(lot.balance, lot.product.unit)) for lot in found],
            "today": today,
            "can_record": actor.can(Perm.CONTROLLED_RECORD),
        },
    )


@login_required
@require_safe
def inventory(request: HttpRequest) -> HttpResponse:
    """Each lot's balance at the end of a day, marked when an initial or biennial inventory
    (21 CFR 1304.11) counted it that day."""
    actor = actor_from_request(request)
    form = InventoryFilter(request.GET or None, sites=queries.sites(actor))
    day = timezone.now().astimezone(_tz(actor)).date()
    site_id = None
    if form.is_bound:
        if not form.is_valid():
            return render(request, "controlled/inventory.html", {"form": form}, status=400)
        day = form.cleaned_data["on"] or day
        site_id = form.cleaned_data["site"]
    rows = queries.inventory(actor, on=day, site_id=site_id)
    return render(
        request,
        "controlled/inventory.html",
        {
            "form": form,
            "day": day,
            "rows": [(r, services.amount(r.balance, r.lot.product.unit)) for r in rows],
            "kinds": dict(Count.Kind.choices),
        },
    )


def _record(
    request: HttpRequest,
    actor: Actor,
    form: Form,
    save: Callable[[dict[str, Any]], str],
    context: dict[str, Any],
    done: str = "controlled:ledger",
) -> HttpResponse:
    """A form page: shown (GET), or saved and redirected, or shown again with its refusals."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = save(form.cleaned_data)
            except FieldErrors as exc:
                show_refusal(form, exc.errors)
            else:
                messages.success(request, message)
                return redirect(done)
    return render(request, "controlled/form.html", {"form": form, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    actor = _recorder(request)
    form = ProductForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        product = services.product_create(actor, **data)
        return f"{product.name} added."

    return _record(
        request,
        actor,
        form,
        save,
        {"title": "Add a product", "products": queries.products(actor)},
        done="controlled:lots",
    )


@login_required
@require_http_methods(["GET", "POST"])
def receipt_new(request: HttpRequest) -> HttpResponse:
    actor = _recorder(request)
    form = ReceiptForm(
        request.POST or None,
        products=queries.products(actor),
        sites=queries.sites(actor),
        tz=_tz(actor),
        initial={"received_at": timezone.now()},
    )

    def save(data: dict[str, Any]) -> str:
        entry = services.receipt_record(
            actor, product_id=data.pop("product"), site_id=data.pop("site"), **data
        )
        on_hand = services.amount(entry.balance_after, entry.lot.product.unit)
        received = display.signed_amount(entry).lstrip("+")
        return f"Received {received} of lot {entry.lot.lot_number}; {on_hand} on hand."

    return _record(request, actor, form, save, {"title": "Record a receipt"})


@login_required
@require_http_methods(["GET", "POST"])
def waste_new(request: HttpRequest) -> HttpResponse:
    actor = _recorder(request)
    form = WasteForm(
        request.POST or None,
        # Expired lots too: the rest of an expired vial is wasted like any other.
        lots=[lot for lot in queries.lots(actor) if lot.balance > 0],
        staff=queries.clinical_staff(actor),
        tz=_tz(actor),
        initial={"occurred_at": timezone.now()},
    )

    def save(data: dict[str, Any]) -> str:
        entry = services.waste_record(
            actor,
            lot_id=data["lot"],
            quantity=data["quantity"],
            witness_id=data["witness"],
            occurred_at=data["occurred_at"],
            reason=data["reason"],
            source_ref=data["source_ref"],
        )
        return (
            f"Wasted {display.signed_amount(entry).lstrip('−')} of lot {entry.lot.lot_number}, "
            f"witnessed by {entry.witness_label}."
        )

    return _record(
        request,
        actor,
        form,
        save,
        {
            "title": "Record a witnessed waste",
            "intro": "A waste needs a second signature: the witness is another active member "
            "of the clinical staff (owner, prescriber or nurse) who saw it, never the person "
            "recording it.",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest) -> HttpResponse:
    actor = _recorder(request)
    form = TransferForm(
        request.POST or None,
        lots=[lot for lot in queries.lots(actor) if lot.balance > 0],
        sites=queries.sites(actor),
        tz=_tz(actor),
        initial={"occurred_at": timezone.now()},
    )

    def save(data: dict[str, Any]) -> str:
        moved = services.transfer(
            actor,
            lot_id=data["lot"],
            to_site_id=data["to_site"],
            quantity=data["quantity"],
            occurred_at=data["occurred_at"],
            note=data["note"],
        )
        return (
            f"Moved {display.signed_amount(moved.into).lstrip('+')} of lot "
            f"{moved.out.lot.lot_number} to {moved.into.lot.site.name}."
        )

    return _record(request, actor, form, save, {"title": "Transfer stock to another site"})


@login_required
@require_http_methods(["GET", "POST"])
def count_new(request: HttpRequest) -> HttpResponse:
    """A count of one site (``?site=``, default the clinic's first): a line per lot there."""
    actor = _recorder(request)
    sites = queries.sites(actor)
    chosen = request.GET.get("site", "")
    first = min(sites, key=lambda s: s.pk) if sites else None
    site = next((s for s in sites if str(s.pk) == chosen), first)
    # A lot used up needs no line.
    at_site = (
        [lot for lot in queries.lots(actor, site_id=site.pk) if lot.balance > 0] if site else []
    )
    form = CountForm(
        request.POST or None,
        lots=at_site,
        staff=queries.clinical_staff(actor),
        tz=_tz(actor),
        initial={"counted_at": timezone.now()},
    )

    def save(data: dict[str, Any]) -> str:
        assert site is not None
        count = services.count_record(
            actor,
            site_id=site.pk,
            kind=data["kind"],
            counted_at=data["counted_at"],
            witness_id=data["witness"],
            note=data["note"],
            lines=form.lines(),
        )
        adjusted = count.lines.exclude(discrepancy=0).count()
        return f"{count.get_kind_display()} of {site.name} recorded; {adjusted} lots adjusted."

    return _record(
        request,
        actor,
        form,
        save,
        {"title": "Record a count", "sites": sites, "site": site, "count": True},
    )
