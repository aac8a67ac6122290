"""Where each app adds itself to the chart, the patient list and the header, in its
``AppConfig.ready()`` (wagtail's homepage panels), so that ``patients`` and ``web`` know no
app above them.

- A **chart panel** is a small view of one part of a patient's chart: ``load(actor, patient)``
  checks the actor's permission (``None``: not for this user) and reads what the panel shows;
  the chart audits the panels it shows as one read of the patient's record. Panels are shown
  by ``weight``, lightest first.
- A **list column** adds a cell to each row of the patient list.
- A **header link** adds an entry to the header, with an optional counter (open alerts), or
  several counters each saying what it counts (today's arrivals, late, checked in).
- A **stage source** says how far each patient of a page has come in care (screened, planned,
  in induction, in maintenance) from its own app's records; the patient list's stage column
  shows the furthest stage any source reports, so an app added later (sessions) supplies its
  stages by registering a source, without changing the column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

#: What a panel's ``load`` returns for its template, or None when the actor may not see it.
PanelContext = Mapping[str, Any] | None


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    weight: int
    template: str
    load: Callable[[Any, Any], PanelContext]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    weight: int
    #: The cells of a page of patients, by patient id, or None when the actor may not see it.
    cells: Callable[[Any, list[Any]], Mapping[Any, str] | None]


@dataclass(frozen=True)
class Counter:
    """One of a header link's numbers, shown with its words ("3 to arrive"); ``tone`` is a
    badge tone of the style guide (good, warn, bad, info)."""

    value: int
    words: str
    tone: str = "info"


@dataclass(frozen=True)
class HeaderLink:
    key: str
    label: str
    weight: int
    url_name: str
    #: Whether the membership sees the link.
    shown: Callable[[Any], bool]
    #: A number to show beside the label (open alerts), or None.
    count: Callable[[Any], int | None] | None = None
    #: Several numbers, each with its words; those at zero are not shown.
    counters: Callable[[Any], Sequence[Counter]] | None = None


@dataclass(frozen=True)
class Stage:
    """A step of a patient's care; the highest ``rank`` a patient has reached is shown."""

    code: str
    label: str
    rank: int


@dataclass(frozen=True)
class StageSource:
    key: str
    weight: int
    #: The stage each patient of a page has reached by this app's records (absent: none),
    #: read once for the page, or None when the actor may not see it.
    stages: Callable[[Any, list[Any]], Mapping[Any, Stage] | None]


T = TypeVar("T", Panel, Column, HeaderLink, StageSource)


class Registry(Generic[T]):
    """Entries by key, iterated by weight; registering a key twice is a programming error."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        if entry.key in self._entries:
            raise ValueError(f"{self.kind} {entry.key!r} is registered twice")
        self._entries[entry.key] = entry
        return entry

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._entries.values(), key=lambda e: (e.weight, e.key)))

    def __getitem__(self, key: str) -> T:
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries


chart_panels: Registry[Panel] = Registry("chart panel")
list_columns: Registry[Column] = Registry("patient list column")
header_links: Registry[HeaderLink] = Registry("header link")
stage_sources: Registry[StageSource] = Registry("patient stage source")
