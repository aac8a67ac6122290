"""What a text field may hold: no control characters (NUL reaches PostgreSQL as an error and
hides text from anyone reading the record), no lone surrogates (not encodable as UTF-8), and no
line breaks in a one-line field such as a name.

One rule for every input path: API schemas (``lib.inputs``) and HTML forms (``lib.forms``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE_BREAKS = r"\t\n\r\u2028\u2029"
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BAD_FREE_TEXT = re.compile(f"[{_CONTROL}]")
_BAD_LINE = re.compile(f"[{_CONTROL}{_LINE_BREAKS}]")

#: JSON Schema patterns that say the same thing, for the OpenAPI document.
LINE_PATTERN = f"^[^{_CONTROL}{_LINE_BREAKS}]*$"
FREE_TEXT_PATTERN = f"^[^{_CONTROL}]*$"

CONTROL_MESSAGE = "must not contain control characters (such as NUL)"
LINE_MESSAGE = "must be a single line: no tabs or line breaks"
SURROGATE_MESSAGE = "must be valid Unicode text"


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` may not be stored in a text field, or None when it may."""
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE
    if _BAD_FREE_TEXT.search(value):
        return CONTROL_MESSAGE
    if not multiline and _BAD_LINE.search(value):
        return LINE_MESSAGE
    return None


def nested_text_problem(value: Any, *, multiline: bool) -> str | None:
    """``text_problem`` for a string, or for any string inside lists, mappings (keys too) and
    nested documents."""
    if isinstance(value, str):
        return text_problem(value, multiline=multiline)
    if hasattr(value, "model_dump"):  # a nested pydantic document (the clinical core's)
        return nested_text_problem(value.model_dump(), multiline=multiline)
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = nested_text_problem(key, multiline=False) or nested_text_problem(
                item, multiline=multiline
            )
            if problem:
                return problem
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            problem = nested_text_problem(item, multiline=multiline)
            if problem:
                return problem
    return None
