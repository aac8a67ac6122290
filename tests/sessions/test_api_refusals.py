"""Bad input at the chair through the API: each refusal names the field and what it may be
(all of them at once), nothing is written, and the attempt is on the audit trail; a value
unusual but possible is saved and flagged.

Ranges are the clinical core's plausibility bounds (``ketacare.clinical.ranges``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from ketacare.controlled import services as ledger
from ketacare.sessions import dosing, notes
from ketacare.sessions.models import VitalSign
from tests.scheduling.conftest import MONDAY, Day, ny

from .api_world import (
    DISCHARGE,
    VITALS,
    base,
    call,
    checked,
    discharged,
    dosed,
    reasons,
    refused_events,
    state,
)
from .world import Chair, open_chair


@pytest.fixture
def chair(day: Day, clock: time_machine.Coordinates) -> Chair:
    return open_chair(day, clock)


def refused(
    chair: Chair, path: str, body: Any, status: int, action: str, method: str = "POST"
) -> dict[str, str]:
    """Send as the nurse; assert the status, that nothing changed and that the refusal is
    audited (a body the API's schema refuses never reaches the service: not audited); the
    reasons by field."""
    before = state()
    events = len(refused_events())
    response = call(chair.cast.nurse, method, base(chair) + path, body)
    assert response.status_code == status, response.content
    assert state() == before
    audited = refused_events()[events:]
    assert audited == ([("write.refused", action)] if action else []), audited
    return reasons(response)


# --- vital signs ------------------------------------------------------------------------------


def test_an_impossible_systolic_is_refused_naming_the_field_and_its_range(chair: Chair) -> None:
    assert refused(chair, "/vitals", {**VITALS, "systolic": 400}, 422, "session.vitals") == {
        "systolic": "400 is outside the allowed range 40-300 mmHg"
    }


def test_every_bad_vital_is_named_at_once(chair: Chair) -> None:
    got = refused(
        chair,
        "/vitals",
        {**VITALS, "heart_rate": 400, "spo2": 120, "temperature_c": 50.0},
        422,
        "session.vitals",
    )
    assert got == {
        "heart_rate": "400 is outside the allowed range 20-250 beats/min",
        "spo2": "120 is outside the allowed range 50-100 %",
        "temperature_c": "must be 30.0-43.0 °C",
    }


def test_diastolic_at_or_above_systolic_is_refused(chair: Chair) -> None:
    got = refused(
        chair,
        "/vitals",
        {**VITALS, "systolic": 90, "diastolic": 95},
        422,
        "session.vitals",
    )
    assert got == {"systolic": "diastolic_mmhg 95 must be below systolic_mmhg 90"}


def test_an_unusual_heart_rate_is_saved_and_flagged(chair: Chair) -> None:
    response = call(
        chair.cast.nurse, "POST", base(chair) + "/vitals", {**VITALS, "heart_rate": 160}
    )
    assert response.status_code == 201, response.content
    flag = "heart_rate_bpm: heart_rate_bpm 160 is unusual (typical 40-150 beats/min); confirm it"
    assert response.json()["vital"]["flags"] == [flag]
    assert list(VitalSign.objects.values_list("heart_rate_bpm", "flags")) == [(160, [flag])]


def test_text_for_a_number_and_an_unknown_field_are_refused(chair: Chair) -> None:
    assert refused(chair, "/vitals", {**VITALS, "systolic": "120"}, 422, "") == {
        "systolic": "Input should be a valid integer"
    }
    assert refused(chair, "/vitals", {**VITALS, "systolc": 120}, 422, "") == {
        "systolc": "Extra inputs are not permitted"
    }
    dose = {"kind": "infusion", "lot_id": "1", "dose_mg": "41.3", "rate_mg_per_h": 62}
    assert refused(chair, "/doses", dose, 422, "") == {
        "lot_id": "Input should be a valid integer",
        "dose_mg": "Input should be a valid number",
    }


# --- doses ------------------------------------------------------------------------------------


def _infusion(chair: Chair, **changes: Any) -> dict[str, Any]:
    return {
        "kind": "infusion",
        "lot_id": chair.stock.ketamine.pk,
        "dose_mg": float(chair.plan.dose_mg),
        "rate_mg_per_h": float(chair.plan.dose["rate_mg_per_h"]),
        **changes,
    }


def test_a_dose_needs_a_lot(chair: Chair) -> None:
    checked(chair)
    chair.at(0)
    assert refused(chair, "/doses", _infusion(chair, lot_id=None), 422, "session.dose") == {
        "lot_id": "every dose is drawn from a lot: choose the lot"
    }


def test_a_dose_from_an_expired_lot_is_refused(chair: Chair) -> None:
    checked(chair)
    owner = chair.cast.actor(chair.cast.owner)
    old = ledger.receipt_record(
        owner,
        product_id=chair.stock.ketamine.product_id,
        site_id=chair.day.site.pk,
        lot_number="KV-0101",
        expires_on=date(2026, 2, 28),
        quantity=Decimal("500"),
        received_at=ny(MONDAY.replace(month=1), 9),
        supplier="Henry Schein",
        invoice_number="INV-KV-0101",
    )
    chair.at(0)
    assert refused(chair, "/doses", _infusion(chair, lot_id=old.lot.pk), 422, "session.dose") == {
        "lot_id": "lot KV-0101 expired on 2026-02-28; it may not be given on 2026-03-02"
    }


def test_a_dose_above_the_lots_balance_is_refused(chair: Chair) -> None:
    checked(chair)
    owner = chair.cast.actor(chair.cast.owner)
    low = ledger.receipt_record(
        owner,
        product_id=chair.stock.ketamine.product_id,
        site_id=chair.day.site.pk,
        lot_number="KV-0202",
        expires_on=date(2027, 1, 31),
        quantity=Decimal("20"),
        received_at=ny(MONDAY, 7),
        supplier="Henry Schein",
        invoice_number="INV-KV-0202",
    )
    chair.at(0)
    assert refused(chair, "/doses", _infusion(chair, lot_id=low.lot.pk), 422, "session.dose") == {
        "lot_id": "lot KV-0202 has 20 mg left; 41.3 mg asked"
    }


def test_the_giver_may_not_witness_their_own_dose(chair: Chair) -> None:
    checked(chair)
    chair.at(0)
    body = _infusion(chair, witness_id=chair.cast.nurse.pk)
    assert refused(chair, "/doses", body, 422, "session.dose") == {
        "witness_id": "the witness must be someone other than the person giving the dose"
    }


# --- discharge and the note -------------------------------------------------------------------


def test_a_discharge_before_its_criteria_names_each_one_unmet(chair: Chair) -> None:
    dose = dosed(chair)
    chair.at(45)
    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    got = refused(chair, "/discharge", DISCHARGE, 409, "session.discharge")
    # Dosing ended at 45 with no reading since minute 0: every criterion unmet is named.
    assert got == {
        "observation_time": "0 of 60 min observed since dosing ended.",
        "sedation_resolved": "No MOAA/S recorded after dosing.",
        "bp_near_baseline": "No blood pressure in the last 30 min: record one before discharge.",
        "heart_rate_acceptable": "No heart rate in the last 30 min: record one before discharge.",
        "spo2_acceptable": "No SpO2 in the last 30 min: record one before discharge.",
        "alerts_acknowledged": "Not yet acknowledged: vitals_overdue at minute 15.",
    }


def test_a_signed_note_is_locked_and_a_discharged_session_takes_no_more_charting(
    chair: Chair,
) -> None:
    note = discharged(chair)
    notes.note_sign(chair.nurse, chair.session.pk, expected_version=note.version)
    edit = {"body": "Rewritten", "version": note.version + 1}
    assert refused(chair, "/note", edit, 409, "session.note_save", method="PUT") == {
        "note": "the note is signed and locked: add an addendum instead"
    }
    after = (
        "the patient was discharged: nothing more is charted on this session; add an "
        "addendum to its note instead"
    )
    for path, body, action in (
        ("/vitals", VITALS, "session.vitals"),
        ("/observations", {"instrument": "moaas", "score": 5}, "session.observation"),
    ):
        assert refused(chair, path, body, 409, action) == {"session": after}
