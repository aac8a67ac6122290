from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Membership
from .permissions import ROLE_PERMISSIONS


def membership(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "membership", None)
    perms = ROLE_PERMISSIONS.get(current.role, frozenset()) if current is not None else frozenset()
    others = []
    if current is not None:
        others = list(
            Membership.objects.filter(user_id=current.user_id, is_active=True)
            .exclude(pk=current.pk)
            .select_related("clinic")
            .order_by("clinic__name")
        )
    return {
        "membership": current,
        "other_memberships": others,
        "kc_perms": {p.value.replace(".", "_") for p in perms},
    }
