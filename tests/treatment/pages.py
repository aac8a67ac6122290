"""What a person reads on a page: its text, without tags, attributes, scripts or the small
code that may follow a label."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ketacare.clinical.labels import raw_codes

#: Tags that separate words on screen (a table cell, a list item, a paragraph ...).
_BLOCKS = frozenset(
    [
        "td",
        "th",
        "tr",
        "li",
        "p",
        "div",
        "br",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "section",
        "table",
        "ul",
    ]
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        classes = dict(attrs).get("class") or ""
        if tag in ("script", "style", "title") or (tag == "small" and "code" in classes.split()):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title", "small") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: bytes | str) -> str:
    parser = _Text()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def bare_codes(html: bytes | str) -> list[str]:
    """The clinical codes that appear bare (as whole words) in the page's visible text."""
    text = visible_text(html)
    return sorted(
        code for code in raw_codes() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    )
