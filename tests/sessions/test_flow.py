"""An IV infusion session from the chair's side, through the services: opened, checked,
dosed, charted, discharged (first refused, naming what is unmet), its note signed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.controlled.models import LedgerEntry
from ketacare.lib.errors import NotYet
from ketacare.scheduling.models import Appointment
from ketacare.sessions import charting, discharge, dosing, notes
from ketacare.sessions.models import Phase, SessionNote

from .world import infusion, open_chair


@pytest.mark.django_db
def test_an_iv_session_from_check_in_to_signed_note(day, clock) -> None:
    chair = open_chair(day, clock)
    session = chair.session
    assert (session.phase, session.plan_version, session.protocol_id) == (
        Phase.PREDOSE,
        1,
        "depression-iv-induction",
    )
    chair.vitals(-3)
    check, view = chair.predose()
    assert (check.decision, view.judgement.predose) == ("proceed", "proceed")
    dose, view = infusion(chair, 0)
    assert chair.refresh().phase == Phase.DOSING
    entry = LedgerEntry.objects.get(pk=dose.ledger_entry_id)
    assert (entry.kind, entry.quantity, entry.patient_id) == (
        "administration",
        -Decimal(str(chair.plan.dose_mg)),
        chair.cast.dan.pk,
    )
    for minute in (10, 20, 30):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, session.pk, instrument="moaas", score_value=5)
    chair.vitals(40)
    dosing.dose_end(chair.nurse, session.pk, dose.pk)
    assert chair.refresh().phase == Phase.OBSERVING
    chair.vitals(50)
    with pytest.raises(NotYet) as refused:
        discharge.discharge_record(chair.nurse, session.pk, left_with_name="Dana Dawson")
    assert "observation_time" in refused.value.conflicts
    for minute in (65, 80, 95, 100):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, session.pk, instrument="moaas", score_value=5)
    charting.observation_record(chair.nurse, session.pk, instrument="cadss", score_value=0)
    row = discharge.discharge_record(
        chair.nurse,
        session.pk,
        left_with_name="Dana Dawson",
        left_with_relation="sister",
        dissociation_resolved=True,
        ambulating=True,
        clinician_assessed_ready=True,
    )
    assert row.left_with_name == "Dana Dawson"
    assert chair.refresh().phase == Phase.DISCHARGED
    assert Appointment.objects.get(pk=chair.appointment.pk).status == "completed"
    note = SessionNote.objects.get(session=session)
    assert "Discharged 10:40" in note.body
    signed = notes.note_sign(chair.nurse, session.pk, expected_version=note.version)
    assert signed.signed_by_label.startswith("Nina Nurse")
