"""Saving a versioned row: one helper for every "bump the version and save" (the lost-update
check compares ``version``), saving only the columns that changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone


def save_new_version(obj: Any, fields: Iterable[str]) -> None:
    """Bump ``obj.version``, stamp ``updated_at`` where the model has one, and save ``fields``
    with them (``update_fields``: a save never rewrites a column it did not change)."""
    names = list(dict.fromkeys(fields))
    obj.version += 1
    names.append("version")
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
        names.append("updated_at")
    obj.save(update_fields=names)
