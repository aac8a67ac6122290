"""The session note: saved only over the version the editor loaded, signed once, locked
after signing, addenda after; and the draft's lines for rate changes and events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotVisible, StaleVersion
from ketacare.sessions import charting, dosing, notes
from ketacare.sessions.models import Addendum, SessionNote

from .steps import CONFIRMED, discharged
from .world import infusion, open_chair


@pytest.mark.django_db
def test_no_note_before_discharge(day, clock) -> None:
    chair = open_chair(day, clock)
    with pytest.raises(NotVisible):
        notes.note_save(chair.nurse, chair.session.pk, body="early", expected_version=1)
    assert not SessionNote.objects.exists()


@pytest.mark.django_db
def test_a_save_over_a_stale_version_is_refused(day, clock) -> None:
    chair = open_chair(day, clock)
    discharged(chair)
    chair.at(110)
    saved = notes.note_save(
        chair.nurse, chair.session.pk, body="Edited by the nurse.", expected_version=1
    )
    assert (saved.version, saved.body, saved.updated_at) == (
        2,
        "Edited by the nurse.",
        chair.at(110),
    )
    with pytest.raises(StaleVersion) as stale:
        notes.note_save(chair.prescriber, chair.session.pk, body="Lost update", expected_version=1)
    assert (stale.value.expected, stale.value.current) == (1, 2)
    assert SessionNote.objects.get().body == "Edited by the nurse."
    with pytest.raises(FieldErrors) as empty:
        notes.note_save(chair.nurse, chair.session.pk, body="  ", expected_version=2)
    assert empty.value.errors == {"body": "3-20000 characters"}
    assert SessionNote.objects.get().version == 2


@pytest.mark.django_db
def test_a_signed_note_is_locked_and_takes_addenda(day, clock) -> None:
    chair = open_chair(day, clock)
    discharged(chair)
    chair.at(115)
    with pytest.raises(StaleVersion):
        notes.note_sign(chair.prescriber, chair.session.pk, expected_version=2)
    signed = notes.note_sign(chair.prescriber, chair.session.pk, expected_version=1)
    assert (signed.signed_by_id, signed.signed_by_label, signed.signed_at, signed.version) == (
        chair.cast.prescriber.user_id,
        chair.prescriber.label,
        chair.at(115),
        2,
    )
    body = signed.body
    with pytest.raises(Conflict) as edit:
        notes.note_save(chair.nurse, chair.session.pk, body="Changed after", expected_version=2)
    assert edit.value.message == "the note is signed and locked: add an addendum instead"
    with pytest.raises(Conflict) as again:
        notes.note_sign(chair.nurse, chair.session.pk, expected_version=2)
    assert again.value.message == f"the note was signed by {chair.prescriber.label}"
    assert (SessionNote.objects.get().body, SessionNote.objects.get().version) == (body, 2)
    chair.at(300)
    addendum = notes.addendum_add(
        chair.nurse, chair.session.pk, body=" Phoned at 14:00: home safely, no nausea. "
    )
    assert (addendum.body, addendum.written_by_label, addendum.written_at) == (
        "Phoned at 14:00: home safely, no nausea.",
        chair.nurse.label,
        chair.at(300),
    )
    assert [a.body for a in Addendum.objects.all()] == ["Phoned at 14:00: home safely, no nausea."]
    assert list(
        AuditEvent.objects.filter(action__startswith="session.note").values_list(
            "action", flat=True
        )
    ) == ["session.note_sign"]
    assert AuditEvent.objects.filter(action="session.addendum").count() == 1


@pytest.mark.django_db
def test_the_draft_names_rate_changes_and_events(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    dose, _ = infusion(chair, 0)
    chair.vitals(10)
    chair.at(15)
    dosing.rate_change(
        chair.nurse, chair.session.pk, dose.pk, rate_mg_per_h=Decimal("31"), reason="nausea"
    )
    charting.event_record(
        chair.nurse,
        chair.session.pk,
        kind="side_effect",
        code="nausea",
        severity="mild",
        outcome="resolved_with_treatment",
        description="ondansetron 4 mg IV",
    )
    for minute in (20, 30, 40, 50, 55):
        chair.vitals(minute)
    chair.at(55)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    for minute in (70, 85, 100, 115):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    from ketacare.sessions import discharge

    discharge.discharge_record(
        chair.nurse, chair.session.pk, left_with_name="Dana Dawson", **CONFIRMED
    )
    lines = SessionNote.objects.get().body.splitlines()
    assert (
        "- Infusion 41.3 mg Ketamine HCl injection 50 mg/mL, 10 mL vial (lot KV-2411) at 62 mg/h, "
        "09:00-09:55; 09:15 rate 31 mg/h (nausea)."
    ) in lines
    assert (
        "- 09:15: Side effect nausea, mild, resolved with treatment: ondansetron 4 mg IV" in lines
    )
    assert lines[-1] == f"Discharged 10:55 by {chair.nurse.label}, with Dana Dawson."
