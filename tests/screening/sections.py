"""Building blocks for the sectioned intake: which posted fields each section holds, and a
draft with every section saved, as a nurse would leave it before the review."""

from __future__ import annotations

from collections.abc import Mapping

from ketacare.accounts.actor import Actor
from ketacare.patients.models import Patient
from ketacare.screening import drafts
from ketacare.screening.forms import IntakeForm
from ketacare.screening.models import IntakeDraft
from tests.api.test_candidacy_api import intake_form


def section_data(key: str, data: Mapping[str, str] | None = None) -> dict[str, str]:
    """The part of a whole intake form (by default ``intake_form()``) that one section posts."""
    data = intake_form() if data is None else data
    names = IntakeForm().restrict(key).fields
    return {name: value for name, value in data.items() if name in names}


def save_every_section(actor: Actor, patient: Patient) -> IntakeDraft:
    """Save every section of ``intake_form()`` through the service, as valid answers."""
    draft = None
    for key in drafts.SECTION_KEYS:
        form = IntakeForm(section_data(key)).restrict(key)
        assert form.is_valid(), form.errors
        draft = drafts.draft_save(actor, patient.pk, key, data=form.values(), errors={})
    assert draft is not None
    return draft
