"""The clinical core's input errors as the web layer's field errors."""

from __future__ import annotations

from ketacare.clinical.errors import ClinicalInputError

from .errors import FieldErrors


def as_field_errors(exc: ClinicalInputError, prefix: str = "") -> FieldErrors:
    """``ClinicalInputError("vitals.systolic", ...)`` -> ``{"<prefix>vitals.systolic": ...}``."""
    return FieldErrors({f"{prefix}{exc.field}": exc.message})
