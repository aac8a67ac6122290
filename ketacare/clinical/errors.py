"""Errors raised by the clinical core.

Two kinds: bad input from a caller (``ClinicalInputError``, the caller fixes the value) and a
broken data file shipped with the package (``ClinicalDataError``, a developer fixes the file).
Both messages name the field or key, so a user never has to guess what was wrong.
"""

from __future__ import annotations

from pathlib import Path


class ClinicalInputError(ValueError):
    """A caller supplied a value outside what the rule accepts.

    ``field`` is the dotted name of the offending field (``vitals.systolic``,
    ``weight_kg``, ``answers[3]``) so that forms and the API can attach the message to it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ClinicalDataError(RuntimeError):
    """A data file of the clinical core is malformed; the message names the file and key."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")
        self.path = str(path)
        self.key = key
        self.message = message


class UnknownIdError(LookupError):
    """An instrument, protocol or service id that the library does not know."""

    def __init__(self, kind: str, given: str, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {given!r}; known: {', '.join(known)}")
        self.kind = kind
        self.given = given
        self.known = known

    def __str__(self) -> str:  # LookupError would otherwise wrap the message in quotes
        return str(self.args[0])
