"""What the REMS forms add to the header: a link to the queue, with the forms not yet
submitted (due and overdue) counted."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import Counter, HeaderLink, header_links

from .rems import rems_counts


def _counters(membership: Any) -> list[Counter]:
    due, overdue = rems_counts(membership)
    return [Counter(overdue, "overdue", "bad"), Counter(due, "due", "warn")]


header_links.register(
    HeaderLink(
        "rems",
        "REMS",
        45,
        "rems:queue",
        lambda membership: has_perm(membership, Perm.REMS_MANAGE),
        counters=_counters,
    )
)
