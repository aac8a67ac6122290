"""Errors a service raises for the caller (page, API, command line) to show."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError


class FieldErrors(Exception):
    """Bad input: a message per field naming the rule; nothing was written."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))

    @classmethod
    def from_django(cls, exc: ValidationError) -> FieldErrors:
        if hasattr(exc, "error_dict"):
            return cls(
                {
                    field: " ".join(m for e in errs for m in e.messages)
                    for field, errs in exc.error_dict.items()
                }
            )
        return cls({"__all__": " ".join(exc.messages)})


class Conflict(Exception):
    """The request clashes with the record's state (HTTP 409): signed twice, edited when locked."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


class StaleVersion(Conflict):
    """The record changed since the editor loaded it (HTTP 409)."""

    def __init__(self, *, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            "version",
            f"this record is at version {current}, your edit was based on version {expected}; "
            "reload it and apply your change again",
        )


class Duplicate(Conflict):
    """The record would repeat one that exists (HTTP 409); ``existing`` names it (and may
    carry a link for the page)."""

    def __init__(self, field: str, message: str, existing: list[dict[str, str]]) -> None:
        self.existing = existing
        super().__init__(field, message)
