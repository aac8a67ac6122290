"""Reads of the ledger: the products, the lots with their balances, the lots a session may
draw from (``usable_lots``), the ledger itself (audited: it names patients) and the inventory
on a date. Every read but ``usable_lots`` needs ``controlled.read``; a patient never sees
the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Clinic, Membership, Site
from ketacare.accounts.permissions import ROLE_PERMISSIONS, Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.clinic_time import local_midnight_utc
from ketacare.lib.errors import FieldErrors, NotVisible

from .models import Count, CountLine, LedgerEntry, Lot, Product

#: The most entries one ledger read returns (a report of two years of a busy clinic fits).
LEDGER_MAX = 20_000


def _clinic_id(actor: Actor) -> int:
    require_perm(actor.membership, Perm.CONTROLLED_READ)
    assert actor.membership is not None
    return actor.membership.clinic_id


def _pk(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def usable_lots(
    clinic: Clinic | int,
    site: Site | int,
    product: Product | int | None = None,
    *,
    on: date | None = None,
) -> QuerySet[Lot]:
    """The lots at ``site`` a dose may be drawn from on local day ``on`` (default: today at
    the site): an active product of ``clinic``, stock left (balance > 0), not expired
    (``expires_on >= on``); first-expiring first, then by lot number. No permission check:
    the caller (the chair page) has checked its own."""
    if on is None:
        where = site if isinstance(site, Site) else Site.objects.get(pk=site)
        on = timezone.now().astimezone(where.tz).date()
    lots = Lot.objects.filter(
        product__clinic_id=_pk(clinic),
        product__is_active=True,
        site_id=_pk(site),
        balance__gt=0,
        expires_on__gte=on,
    )
    if product is not None:
        lots = lots.filter(product_id=_pk(product))
    return lots.select_related("product", "site").order_by("expires_on", "lot_number", "pk")


def products(actor: Actor) -> list[Product]:
    return list(Product.objects.filter(clinic_id=_clinic_id(actor)).order_by("name", "pk"))


def sites(actor: Actor) -> list[Site]:
    """The clinic's active sites (where stock is kept)."""
    return list(Site.objects.filter(clinic_id=_clinic_id(actor), is_active=True).order_by("name"))


def lots(
    actor: Actor,
    *,
    site_id: int | None = None,
    product_id: int | None = None,
    usable: bool = False,
    on: date | None = None,
) -> list[Lot]:
    """The clinic's lots with their balances, by site, product and expiry; ``usable``: only
    those a dose may be drawn from today (at each lot's site)."""
    clinic_id = _clinic_id(actor)
    rows = Lot.objects.filter(product__clinic_id=clinic_id)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    found = list(
        rows.select_related("product", "site").order_by(
            "site__name", "product__name", "expires_on", "lot_number", "pk"
        )
    )
    if usable:
        found = [
            lot
            for lot in found
            if lot.product.is_active
            and lot.balance > 0
            and lot.expires_on >= (on or timezone.now().astimezone(lot.site.tz).date())
        ]
    return found


def lot_for(actor: Actor, lot_id: int) -> Lot:
    clinic_id = _clinic_id(actor)
    lot = Lot.objects.select_related("product", "site").filter(
        pk=lot_id, product__clinic_id=clinic_id
    )
    found = lot.first()
    if found is None:
        raise NotVisible("No such lot")
    return found


def clinical_staff(actor: Actor) -> list[Membership]:
    """Who may witness a waste or a count: the clinic's active members whose role handles
    controlled substances (owner, prescriber, nurse), the actor left out."""
    clinic_id = _clinic_id(actor)
    roles = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.CONTROLLED_RECORD in perms]
    staff = Membership.objects.filter(
        clinic_id=clinic_id, is_active=True, user__is_active=True, role__in=roles
    )
    if actor.user_id is not None:
        staff = staff.exclude(user_id=actor.user_id)
    return list(staff.select_related("user").order_by("user__full_name", "pk"))


def ledger(
    actor: Actor,
    *,
    product_id: int | None = None,
    lot_id: int | None = None,
    site_id: int | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[LedgerEntry]:
    """The clinic's entries, oldest first, filtered by product, lot, site and local days
    ``first``..``last`` (the clinic's zone). One audit event names the patients shown."""
    clinic_id = _clinic_id(actor)
    assert actor.membership is not None
    if first is not None and last is not None and last < first:
        raise FieldErrors({"to": "must be on or after from"})
    tz = actor.membership.clinic.tz
    rows = LedgerEntry.objects.filter(clinic_id=clinic_id)
    if product_id is not None:
        rows = rows.filter(lot__product_id=product_id)
    if lot_id is not None:
        rows = rows.filter(lot_id=lot_id)
    if site_id is not None:
        rows = rows.filter(lot__site_id=site_id)
    if first is not None:
        rows = rows.filter(occurred_at__gte=local_midnight_utc(first, tz))
    if last is not None:
        rows = rows.filter(
            occurred_at__lt=local_midnight_utc(date.fromordinal(last.toordinal() + 1), tz)
        )
    found = list(
        rows.select_related(
            "lot__product", "lot__site", "patient", "counterpart_site", "count_line__count"
        ).order_by("occurred_at", "pk")[:LEDGER_MAX]
    )
    with transaction.atomic():
        audit.record(
            actor,
            "controlled.read",
            data={
                "product": product_id,
                "lot": lot_id,
                "site": site_id,
                "from": first.isoformat() if first else None,
                "to": last.isoformat() if last else None,
                "patients": sorted({str(e.patient_id) for e in found if e.patient_id}),
                "count": len(found),
            },
        )
    return found


@dataclass(frozen=True)
class InventoryRow:
    lot: Lot
    balance: Decimal
    #: "initial" or "biennial" when the balance is that inventory's count on the day.
    inventory: str
    counted_at: datetime | None


def inventory(actor: Actor, *, on: date, site_id: int | None = None) -> list[InventoryRow]:
    """Each lot's balance at the end of local day ``on`` (each lot's site zone): the sum of
    its entries up to then. A lot counted that day in an initial or biennial inventory
    (21 CFR 1304.11) is marked with it. Lots with nothing on hand that day are left out."""
    clinic_id = _clinic_id(actor)
    found = Lot.objects.filter(product__clinic_id=clinic_id)
    if site_id is not None:
        found = found.filter(site_id=site_id)
    rows = []
    for lot in found.select_related("product", "site").order_by(
        "site__name", "product__name", "expires_on", "lot_number"
    ):
        end = local_midnight_utc(on + timedelta(days=1), lot.site.tz)
        start = local_midnight_utc(on, lot.site.tz)
        total = LedgerEntry.objects.filter(lot=lot, occurred_at__lt=end).aggregate(
            total=Sum("quantity")
        )["total"]
        line = (
            CountLine.objects.filter(
                Q(count__kind=Count.Kind.INITIAL) | Q(count__kind=Count.Kind.BIENNIAL),
                lot=lot,
                count__counted_at__gte=start,
                count__counted_at__lt=end,
            )
            .select_related("count")
            .order_by("-count__counted_at", "-pk")
            .first()
        )
        balance = total or Decimal(0)
        if balance == 0 and line is None:
            continue
        rows.append(
            InventoryRow(
                lot,
                balance,
                line.count.kind if line is not None else "",
                line.count.counted_at if line is not None else None,
            )
        )
    return rows
