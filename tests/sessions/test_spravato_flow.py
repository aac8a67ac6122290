"""A Spravato session through the services: the REMS items, two devices five minutes apart
drawn one device each from the lot, BP at 0, 40 and 120 minutes, MOAA/S and CADSS, and a
discharge that waits for the 2-hour observation (SPRAVATO PI and REMS)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ketacare.lib.errors import FieldErrors, NotYet
from ketacare.sessions import charting, discharge, dosing
from ketacare.sessions.models import Dose, Phase, RemsForm

from .world import SPRAVATO_PREDOSE, open_chair


def _device(chair, minutes: float):  # type: ignore[no-untyped-def]
    at = chair.at(minutes)
    return dosing.dose_record(
        chair.nurse,
        chair.session.pk,
        kind="device",
        lot_id=chair.stock.spravato.pk,
        measured_at=at,
    )


@pytest.mark.django_db
def test_a_spravato_session_waits_two_hours_from_the_first_device(day, clock) -> None:
    chair = open_chair(day, clock, "esketamine-trd-induction")
    session = chair.session
    form = RemsForm.objects.get(session=session)
    assert form.due_on == date(2026, 3, 9)
    chair.vitals(-3)
    check, view = chair.predose(**SPRAVATO_PREDOSE)
    assert check.decision == "proceed", [f.code for f in view.judgement.predose_findings]
    first, _ = _device(chair, 0)
    with pytest.raises(FieldErrors) as early:
        _device(chair, 3)
    assert "at least 5 minutes" in early.value.errors["measured_at"]
    second, view = _device(chair, 5)
    assert (first.device_number, second.device_number) == (1, 2)
    assert (first.dose_mg, second.dose_mg) == (Decimal("28.00"), Decimal("28.00"))
    chair.stock.spravato.refresh_from_db()
    assert chair.stock.spravato.balance == Decimal("10")
    assert chair.refresh().phase == Phase.OBSERVING
    for minute in (15, 30, 40, 55, 70, 85, 100, 115):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, session.pk, instrument="moaas", score_value=5)
    charting.observation_record(chair.nurse, session.pk, instrument="cadss", score_value=0)
    with pytest.raises(NotYet) as waiting:
        discharge.discharge_record(
            chair.nurse,
            session.pk,
            left_with_name="Dana Dawson",
            dissociation_resolved=True,
            ambulating=True,
            clinician_assessed_ready=True,
        )
    assert set(waiting.value.conflicts) == {"observation_time"}
    chair.vitals(120)
    discharge.discharge_record(
        chair.nurse,
        session.pk,
        left_with_name="Dana Dawson",
        dissociation_resolved=True,
        ambulating=True,
        clinician_assessed_ready=True,
        ready_without_rule_min=75,
    )
    assert chair.refresh().phase == Phase.DISCHARGED
    assert Dose.objects.filter(session=session).count() == 2
