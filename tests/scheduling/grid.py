"""Where each appointment sits in the day's grid, read from the page's HTML as a browser lays
out a table: a cell with ``rowspan`` occupies its column on the rows below it, so a later
row's cells move right past it."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class Placed:
    time: str  # the row's time label, "09:00"
    column: str  # the column's heading, "Chair 2"
    rows: int


class _Grid(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_grid = False
        self.in_head = False
        self.heading: list[str] = []
        self.headings: list[str] = []
        self.row_time = ""
        self.row_index = -1
        self.column = 0
        self.taken: dict[tuple[int, int], bool] = {}
        self.placed: dict[str, Placed] = {}
        self.rows: list[str] = []
        self._th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "schedule-grid" in (a.get("class") or ""):
            self.in_grid = True
        if not self.in_grid:
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "th" and self.in_head:
            self._th = True
            self.heading = []
        elif tag == "tr" and not self.in_head:
            self.row_index += 1
            self.row_time = a.get("data-time") or ""
            self.rows.append(self.row_time)
            self.column = 0
        elif tag == "td":
            while self.taken.get((self.row_index, self.column)):
                self.column += 1
            span = int(a.get("rowspan") or 1)
            for n in range(span):
                self.taken[(self.row_index + n, self.column)] = True
            if a.get("id", "").startswith("appointment-"):
                name = self.headings[self.column + 1]
                self.placed[a["id"] or ""] = Placed(self.row_time, name, span)
            self.column += 1

    def handle_endtag(self, tag: str) -> None:
        if not self.in_grid:
            return
        if tag == "th" and self.in_head and self._th:
            self._th = False
            self.headings.append(" ".join("".join(self.heading).split()))
        elif tag == "thead":
            self.in_head = False
        elif tag == "table":
            self.in_grid = False

    def handle_data(self, data: str) -> None:
        if self._th:
            self.heading.append(data)


def read_grid(html: str) -> tuple[list[str], list[str], dict[str, Placed]]:
    """The grid's column headings (after the time column), its row times, and where each
    appointment's cell sits (by its ``id``, ``appointment-<pk>``)."""
    parser = _Grid()
    parser.feed(html)
    return parser.headings[1:], parser.rows, parser.placed
