"""Whether a screening is older than the chart facts it was computed from.

A screening reads the chart's diagnoses, medication trials and weight; when any of them is
added or changed afterwards, its decisions may no longer hold. This module only compares
times (pure, no database): ``queries.latest_chart_changes`` reads them, one query per kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

Kind = Literal["weight", "diagnosis", "trial"]
Verb = Literal["added", "changed"]

#: The order a sentence lists changes in, and how each reads.
_PHRASES: dict[tuple[Kind, Verb], str] = {
    ("weight", "added"): "weight changed",
    ("weight", "changed"): "weight changed",
    ("diagnosis", "added"): "a diagnosis was added",
    ("diagnosis", "changed"): "a diagnosis changed",
    ("trial", "added"): "a medication trial was added",
    ("trial", "changed"): "a medication trial changed",
}


@dataclass(frozen=True)
class ChartChange:
    kind: Kind
    verb: Verb
    at: datetime


def latest_change(
    kind: Kind, *, last_added: datetime | None, last_changed: datetime | None
) -> ChartChange | None:
    """The kind's most recent event: the newest row's creation, or the newest edit of a row
    (an edit is a row whose version went past 1)."""
    if last_changed is not None and (last_added is None or last_changed > last_added):
        return ChartChange(kind, "changed", last_changed)
    if last_added is not None:
        return ChartChange(kind, "added", last_added)
    return None


def changes_after(
    screened_at: datetime, changes: Iterable[ChartChange | None]
) -> list[ChartChange]:
    """The changes made after the screening, oldest first."""
    return sorted((c for c in changes if c is not None and c.at > screened_at), key=lambda c: c.at)


def out_of_date_text(screened_at: datetime, changes: list[ChartChange], tz: tzinfo) -> str:
    """ "Out of date: weight changed on 2026-11-20 and a medication trial was added on
    2026-11-22 after this screening (2026-11-18). Screen again." ("" when up to date)."""
    if not changes:
        return ""
    parts = [
        f"{_PHRASES[(c.kind, c.verb)]} on {c.at.astimezone(tz).date().isoformat()}" for c in changes
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"Out of date: {listed} after this screening "
        f"({screened_at.astimezone(tz).date().isoformat()}). Screen again."
    )
