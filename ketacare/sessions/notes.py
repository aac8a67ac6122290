"""The session note: edited while unsigned, signed once (then locked), addenda after."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible, StaleVersion
from ketacare.lib.versioned import save_new_version

from .access import session_for
from .models import Addendum, SessionNote

NOTE_MAX = 20000


def _note(actor: Actor, session_id: int) -> SessionNote:
    session = session_for(actor, session_id, perm=Perm.SESSION_CHART, lock=True)
    note = SessionNote.objects.select_for_update().filter(session=session).first()
    if note is None:
        raise NotVisible("No note yet: the note is drafted at discharge")
    return note


def _body(body: str, field: str = "body") -> str:
    body = body.strip()
    if not 3 <= len(body) <= NOTE_MAX:
        raise FieldErrors({field: f"3-{NOTE_MAX} characters"})
    return body


@audit.records_refusals("session.note_save")
def note_save(actor: Actor, session_id: int, *, body: str, expected_version: int) -> SessionNote:
    """Save the edited note; a signed one is locked (write an addendum)."""
    with transaction.atomic():
        note = _note(actor, session_id)
        if note.is_signed:
            raise Conflict("note", "the note is signed and locked: add an addendum instead")
        if note.version != expected_version:
            raise StaleVersion(expected=expected_version, current=note.version)
        note.body = _body(body)
        save_new_version(note, ["body"])
        audit.record(actor, "session.note_save", patient_id=note.session.patient_id, target=note)
    return note


@audit.records_refusals("session.note_sign")
def note_sign(actor: Actor, session_id: int, *, expected_version: int) -> SessionNote:
    """Sign the note as it stands; from now on it only takes addenda."""
    with transaction.atomic():
        note = _note(actor, session_id)
        if note.is_signed:
            raise Conflict("note", f"the note was signed by {note.signed_by_label}")
        if note.version != expected_version:
            raise StaleVersion(expected=expected_version, current=note.version)
        note.signed_by = actor.user
        note.signed_by_label = actor.label[:300]
        note.signed_at = timezone.now()
        save_new_version(note, ["signed_by", "signed_by_label", "signed_at"])
        audit.record(actor, "session.note_sign", patient_id=note.session.patient_id, target=note)
    return note


@audit.records_refusals("session.addendum")
def addendum_add(actor: Actor, session_id: int, *, body: str) -> Addendum:
    """Text added after signing (or after discharge): dated, signed by its writer."""
    with transaction.atomic():
        note = _note(actor, session_id)
        addendum = Addendum.objects.create(
            note=note,
            body=_body(body),
            written_by=actor.user,
            written_by_label=actor.label[:300],
        )
        audit.record(actor, "session.addendum", patient_id=note.session.patient_id, target=addendum)
    return addendum
