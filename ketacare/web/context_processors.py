"""The header's links: what each app registered (``lib.panels.header_links``) and the user
may see, with its counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from ketacare.lib.panels import Counter, HeaderLink, header_links


@dataclass(frozen=True)
class ShownLink:
    link: HeaderLink
    count: int | None
    counters: tuple[Counter, ...] = ()


def header(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"header_links": []}
    shown = [
        ShownLink(
            link,
            link.count(membership) if link.count is not None else None,
            tuple(c for c in link.counters(membership) if c.value)
            if link.counters is not None
            else (),
        )
        for link in header_links
        if link.shown(membership)
    ]
    return {"header_links": shown}
