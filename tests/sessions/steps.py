"""Steps the service tests share: an IV session charted up to the moment it may be
discharged (the steps of ``test_flow``), and its discharge."""

from __future__ import annotations

from typing import Any

from ketacare.sessions import charting, discharge, dosing
from ketacare.sessions.models import Discharge, Dose

from .world import Chair, infusion

#: The confirmations a nurse gives at discharge.
CONFIRMED = {"dissociation_resolved": True, "ambulating": True, "clinician_assessed_ready": True}


def dosed(chair: Chair) -> Dose:
    """Baseline at 08:57, the check at 08:59, the plan's infusion 09:00-09:40 with vitals
    every 10 minutes and a MOAA/S of 5 at 09:30."""
    chair.vitals(-3)
    chair.at(-1)
    chair.predose()
    dose, _ = infusion(chair, 0)
    for minute in (10, 20, 30):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    chair.vitals(40)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    return dose


def ready(chair: Chair) -> Dose:
    """Dosed, then observed 60 minutes after the end (vitals every 15 min; MOAA/S 5 and a
    CADSS of 0 at 10:40)."""
    dose = dosed(chair)
    for minute in (55, 70, 85, 100):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="cadss", score_value=0)
    return dose


def discharged(chair: Chair, **overrides: Any) -> Discharge:
    ready(chair)
    return discharge.discharge_record(
        chair.nurse,
        chair.session.pk,
        **{
            "left_with_name": "Dana Dawson",
            "left_with_relation": "sister",
            **CONFIRMED,
            **overrides,
        },
    )
