"""A Spravato session charted through the chair's services, for the REMS form's tests.

Dan's esketamine induction session on Tuesday 3 March 2026 at the Harbor clinic (New York,
EST): baseline vitals 09:55, pre-dose checklist, two 28 mg devices at 10:00 and 10:05,
MOAA/S 4 at 10:20 and 5 at 11:00, CADSS 6 at 10:30 and 0 at 11:15, BP at 10:40, vitals through
to 12:05, discharge at 12:10 (130 min after the first device). The devices come from two lots
of the ledger (SP-7781, SP-7790).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ketacare.accounts.models import Site
from ketacare.controlled import services as ledger
from ketacare.controlled.models import Lot
from ketacare.scheduling import booking
from ketacare.sessions import charting, discharge, dosing, notes, services
from ketacare.sessions.models import Dose, RemsForm, TreatmentSession
from tests.conftest import Cast
from tests.scheduling.appointments import enrol_in_rems
from tests.scheduling.conftest import add_escort, build_day, signed_plan
from tests.sessions.world import stock

NY = ZoneInfo("America/New_York")
TUESDAY = date(2026, 3, 3)
ESKETAMINE = "esketamine-trd-induction"


def ny(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY).astimezone(UTC)


@dataclass
class World:
    cast: Cast
    clock: time_machine.Coordinates
    site: Site
    session: TreatmentSession
    lots: dict[str, Lot]

    @property
    def form(self) -> RemsForm:
        return RemsForm.objects.get(session=self.session)

    def at(self, hour: int, minute: int = 0) -> None:
        self.clock.move_to(ny(hour, minute))


def _nurse(world: World) -> Any:
    return world.cast.actor(world.cast.nurse)


def open_session(cast: Cast, clock: time_machine.Coordinates, *, start: datetime) -> World:
    """Book, check in and open a Spravato session starting at ``start`` (the clock is moved
    there)."""
    day = build_day(cast)
    site = day.site
    site.phone = "+1 617 555 0100"
    site.address_line = "1 Harbor Way"
    site.postal_code = "02110"
    site.save()
    add_escort(cast)
    enrol_in_rems(cast, cast.dan)
    plan = signed_plan(cast, ESKETAMINE)
    clock.move_to(start.replace(hour=start.hour - 1) if start.hour else start)
    appointment = booking.appointment_book(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        service_id=day.service("Spravato session").pk,
        start_at=start,
        performer_id=cast.nurse.pk,
        plan_id=plan.pk,
    )
    booking.appointment_check_in(cast.actor(cast.front_desk), appointment.pk)
    goods = stock(cast, day)
    ledger.receipt_record(
        cast.actor(cast.owner),
        product_id=goods.spravato.product_id,
        site_id=site.pk,
        lot_number="SP-7790",
        expires_on=date(2027, 9, 30),
        quantity=Decimal("6"),
        received_at=start.replace(hour=start.hour - 1),
        supplier="Henry Schein",
        invoice_number="INV-SP-7790",
    )
    lots = {lot.lot_number: lot for lot in Lot.objects.filter(product=goods.spravato.product)}
    clock.move_to(start)
    session = services.session_start(cast.actor(cast.nurse), appointment.pk)
    return World(cast, clock, site, session, lots)


def give_device(world: World, at: datetime, lot: str = "SP-7781") -> Dose:
    dose, _ = dosing.dose_record(
        _nurse(world),
        world.session.pk,
        kind="device",
        lot_id=world.lots[lot].pk,
        measured_at=at,
    )
    world.session.refresh_from_db()
    return dose


def vitals(world: World, hour: int, minute: int, **values: Any) -> None:
    world.at(hour, minute)
    charting.vitals_record(_nurse(world), world.session.pk, **values)


def rating(world: World, hour: int, minute: int, instrument: str, value: int) -> None:
    world.at(hour, minute)
    charting.observation_record(
        _nurse(world), world.session.pk, instrument=instrument, score_value=value
    )


FULL_VITALS = {"heart_rate_bpm": 72, "spo2_percent": 98, "respiratory_rate_per_min": 14}


def predose(world: World, **changes: Any) -> None:
    data: dict[str, Any] = {
        "identity_confirmed": True,
        "consent_confirmed": True,
        "hours_since_solids": 6,
        "hours_since_clear_fluids": 3,
        "escort_present": True,
        "escort_name": "Dana Dawson",
        "escort_phone": "+1 617 555 0199",
        "pregnancy": "not_applicable",
        "concomitant_drug_classes": ["ssri", "benzodiazepine"],
        "rems_patient_enrolled": True,
        "rems_prescriber_on_site": True,
        "rems_pulse_oximeter": True,
    }
    data.update(changes)
    services.predose_record(_nurse(world), world.session.pk, **data)


def chart_through_observation(world: World) -> None:
    """Everything up to (not including) the discharge."""
    vitals(world, 9, 55, systolic_mmhg=126, diastolic_mmhg=78, **FULL_VITALS)
    world.at(9, 57)
    predose(world)
    for minute, lot in ((0, "SP-7781"), (5, "SP-7790")):
        world.at(10, minute)
        give_device(world, ny(10, minute), lot)
    rating(world, 10, 20, "moaas", 4)
    rating(world, 10, 30, "cadss", 6)
    vitals(world, 10, 40, systolic_mmhg=138, diastolic_mmhg=86, **FULL_VITALS)
    rating(world, 11, 0, "moaas", 5)
    rating(world, 11, 15, "cadss", 0)
    vitals(world, 11, 30, spo2_percent=97, heart_rate_bpm=70, respiratory_rate_per_min=14)
    vitals(world, 12, 5, systolic_mmhg=130, diastolic_mmhg=82, **FULL_VITALS)
    rating(world, 12, 6, "moaas", 5)


def discharge_now(world: World, *, ready_without_rule_min: int | None = 75) -> None:
    world.at(12, 10)
    discharge.discharge_record(
        _nurse(world),
        world.session.pk,
        left_with_name="Dana Dawson",
        left_with_relation="spouse",
        dissociation_resolved=True,
        ambulating=True,
        clinician_assessed_ready=True,
        ready_without_rule_min=ready_without_rule_min,
    )
    world.session.refresh_from_db()


def sign_note(world: World) -> None:
    note = world.session.note
    notes.note_sign(
        world.cast.actor(world.cast.prescriber), world.session.pk, expected_version=note.version
    )


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(ny(7, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def opened(cast: Cast, clock: time_machine.Coordinates) -> World:
    """The session opened at 10:00 (baseline still to chart)."""
    return open_session(cast, clock, start=ny(9, 50))


@pytest.fixture
def charted(opened: World) -> World:
    """Charted up to the end of observation, not discharged."""
    chart_through_observation(opened)
    return opened


@pytest.fixture
def complete(charted: World) -> World:
    """Discharged: the form has every field."""
    discharge_now(charted)
    return charted
