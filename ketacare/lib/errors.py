"""Errors a service raises for the caller (page, API, command line) to show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from django.core.exceptions import ValidationError


class NamedFieldError(Protocol):
    """An error that names one field (the clinical core's ``ClinicalInputError``)."""

    field: str
    message: str


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

    @classmethod
    def naming(cls, exc: NamedFieldError, prefix: str = "") -> FieldErrors:
        """``ClinicalInputError("vitals.systolic", m)`` gives ``{"<prefix>vitals.systolic": m}``."""
        return cls({f"{prefix}{exc.field}": exc.message})


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


class Conflicts(Conflict):
    """Several clashes at once (HTTP 409), each by the field or criterion it is about."""

    def __init__(self, conflicts: Mapping[str, str]) -> None:
        self.conflicts = dict(conflicts)
        super().__init__(next(iter(self.conflicts)), "; ".join(self.conflicts.values()))


class Taken(Conflicts):
    """The time asked for is taken (HTTP 409): each clash by the field it is about (the
    chair, the performer, the patient, the prescriber on site)."""


class NotYet(Conflicts):
    """Not yet allowed (HTTP 409): each condition still unmet (a discharge criterion), with
    why."""


class Duplicate(Conflict):
    """The record would repeat one that exists (HTTP 409); ``existing`` names it (and may
    carry a link for the page)."""

    def __init__(self, field: str, message: str, existing: list[dict[str, str]]) -> None:
        self.existing = existing
        super().__init__(field, message)


class NotVisible(Exception):
    """No such record for this user: another clinic's, another patient's, or none (the HTTP
    layer answers 404, so a user cannot tell "not yours" from "not there")."""


class NotPermitted(Exception):
    """The user sees the record but their role may not do this (the HTTP layer answers 403)."""
