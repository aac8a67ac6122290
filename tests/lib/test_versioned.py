"""Saving a new version saves only the columns that changed, so two edits of different fields
from stale copies never undo each other."""

from __future__ import annotations

from ketacare.lib.versioned import save_new_version
from ketacare.patients.models import Patient
from tests.conftest import Cast


def test_it_bumps_the_version_stamps_the_time_and_saves_only_the_fields_named(
    cast: Cast,
) -> None:
    first = Patient.objects.get(pk=cast.dan.pk)
    second = Patient.objects.get(pk=cast.dan.pk)
    version, stamped = first.version, first.updated_at
    first.city = "Salem"
    save_new_version(first, ["city"])
    second.pronouns = "he/him"
    second.city = "stale copy, not saved"
    save_new_version(second, ["pronouns"])
    saved = Patient.objects.get(pk=cast.dan.pk)
    assert (saved.city, saved.pronouns) == ("Salem", "he/him")
    assert saved.version == version + 1  # each copy bumped its own in-memory version
    assert saved.updated_at > stamped
