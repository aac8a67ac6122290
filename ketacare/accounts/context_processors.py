from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import ROLE_PERMISSIONS, Perm


def membership(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "membership", None)
    perms = ROLE_PERMISSIONS.get(current.role, frozenset()) if current is not None else frozenset()
    others = sorted(
        (m for m in getattr(request, "memberships", []) if current is None or m.pk != current.pk),
        key=lambda m: m.clinic.name,
    )
    open_alerts = 0
    if current is not None and Perm.ALERT_READ in perms:
        from ketacare.alerts.services import visible_alerts

        open_alerts = visible_alerts(current).filter(acknowledged_at__isnull=True).count()
    return {
        "membership": current,
        "open_alert_count": open_alerts,
        "other_memberships": others,
        "kc_perms": {p.value.replace(".", "_") for p in perms},
    }
