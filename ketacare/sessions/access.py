"""Finding a session for an actor: visible through its patient, with the permission asked."""

from __future__ import annotations

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.lib.errors import Conflict
from ketacare.patients.access import get_record_for_user

from .models import Phase, TreatmentSession


def session_for(
    actor: Actor, session_id: int, *, perm: Perm, lock: bool = False
) -> TreatmentSession:
    """The session, or ``NotVisible`` (another clinic's, or not the patient's own), or
    ``NotPermitted``. ``lock`` holds the row for the rest of the transaction, so two writes
    to one session (two tablets, a replay) are judged one after the other."""
    # The chair is a nullable join: PostgreSQL refuses FOR UPDATE on an outer join's
    # nullable side, so a locking read leaves it to be fetched when used.
    joins = ("patient", "plan", "settings_version", "site", "appointment")
    return get_record_for_user(
        actor.membership,
        TreatmentSession.objects.select_related(*joins, *(() if lock else ("chair",))),
        session_id,
        perm=perm,
        name="session",
        lock=lock,
    )


def must_be_open(session: TreatmentSession) -> None:
    """Charting stops at discharge: what is learnt later goes in an addendum to the note."""
    if session.phase == Phase.DISCHARGED:
        raise Conflict(
            "session",
            "the patient was discharged: nothing more is charted on this session; add an "
            "addendum to its note instead",
        )
