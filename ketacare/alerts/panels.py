"""What alerts add to the chart (the patient's open alerts, shown first), to the header (the
clinic's open alerts, counted) and to the patient list (each patient's open alerts)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.html import format_html

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import (
    Column,
    HeaderLink,
    Panel,
    PanelContext,
    chart_panels,
    header_links,
    list_columns,
)

from .models import Alert
from .services import visible_alerts


def _open_alerts(actor: Any, patient: Any) -> PanelContext:
    """Shown only when there is an open alert, to those who read alerts."""
    if not has_perm(actor.membership, Perm.ALERT_READ):
        return None
    alerts = list(
        Alert.objects.filter(patient=patient, acknowledged_at__isnull=True).order_by("-created_at")
    )
    if not alerts:
        return None
    can_acknowledge = has_perm(actor.membership, Perm.ALERT_ACKNOWLEDGE)
    return {"open_alerts": alerts, "can_acknowledge": can_acknowledge}


def _open_count(membership: Any) -> int:
    return visible_alerts(membership).filter(acknowledged_at__isnull=True).count()


chart_panels.register(Panel("alerts", "Open alerts", 5, "alerts/panels/open.html", _open_alerts))
header_links.register(
    HeaderLink(
        "alerts",
        "Alerts",
        30,
        "alerts:list",
        lambda membership: (
            has_perm(membership, Perm.ALERT_READ) or has_perm(membership, Perm.ALERT_CLINIC)
        ),
        _open_count,
    )
)


def _open_alert_cells(actor: Any, patients: list[Any]) -> dict[Any, str] | None:
    """How many open alerts each patient of the page has, as a badge (one query)."""
    if not has_perm(actor.membership, Perm.ALERT_READ):
        return None
    counts = (
        Alert.objects.filter(patient__in=[p.pk for p in patients], acknowledged_at__isnull=True)
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    )
    return {
        patient_id: format_html(
            '<span class="badge badge-bad">{} open alert{}</span>', n, "" if n == 1 else "s"
        )
        for patient_id, n in counts
    }


list_columns.register(Column("open_alerts", "Open alerts", 20, _open_alert_cells))
