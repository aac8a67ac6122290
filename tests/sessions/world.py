"""A treatment day to chart on: the scheduling tests' clinic day, a stocked ledger, a signed
plan for Dan, his escort on the chart, and an appointment he has checked in to.

``Chair`` carries the clock: ``at(minutes)`` moves it to that many minutes after the
appointment's start (09:00 New York time on Monday 2 March 2026).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine

from ketacare.accounts.actor import Actor
from ketacare.controlled import services as ledger
from ketacare.controlled.models import Lot
from ketacare.patients import services as patients
from ketacare.scheduling import booking
from ketacare.scheduling.models import Appointment
from ketacare.sessions import charting, dosing, services
from ketacare.sessions.models import TreatmentSession
from ketacare.treatment.models import TreatmentPlan
from tests.conftest import Cast
from tests.scheduling.conftest import MONDAY, Day, add_escort, ny, signed_plan

START = ny(MONDAY, 9)


@dataclass
class Stock:
    ketamine: Lot
    spravato: Lot


def stock(cast: Cast, day: Day) -> Stock:
    """A 10 mL vial lot of ketamine 50 mg/mL x 10 (5,000 mg) and 12 Spravato devices."""
    owner = cast.actor(cast.owner)
    vial = ledger.product_create(
        owner,
        name="Ketamine HCl injection 50 mg/mL, 10 mL vial",
        drug="ketamine",
        form="injection",
        strength="50 mg/mL",
        unit="mg",
        concentration_mg_per_ml=Decimal("50"),
    )
    device = ledger.product_create(
        owner,
        name="Spravato 28 mg nasal spray device",
        drug="esketamine",
        form="nasal spray device",
        strength="28 mg",
        unit="device",
        mg_per_unit=Decimal("28"),
    )
    received = ny(MONDAY, 7)
    for product, lot, quantity in ((vial, "KV-2411", "5000"), (device, "SP-7781", "12")):
        ledger.receipt_record(
            owner,
            product_id=product.pk,
            site_id=day.site.pk,
            lot_number=lot,
            expires_on=date(2027, 6, 30),
            quantity=Decimal(quantity),
            received_at=received,
            supplier="Henry Schein",
            invoice_number=f"INV-{lot}",
        )
    return Stock(Lot.objects.get(lot_number="KV-2411"), Lot.objects.get(lot_number="SP-7781"))


@dataclass
class Chair:
    day: Day
    clock: time_machine.Coordinates
    plan: TreatmentPlan
    appointment: Appointment
    session: TreatmentSession
    stock: Stock

    @property
    def cast(self) -> Cast:
        return self.day.cast

    @property
    def nurse(self) -> Actor:
        return self.cast.actor(self.cast.nurse)

    @property
    def prescriber(self) -> Actor:
        return self.cast.actor(self.cast.prescriber)

    def at(self, minutes: float) -> datetime:
        """Move the clock to ``minutes`` after 09:00 and return that time."""
        when = START + timedelta(minutes=minutes)
        self.clock.move_to(when.astimezone(UTC))
        return when

    def predose(self, **overrides: Any) -> Any:
        return services.predose_record(self.nurse, self.session.pk, **{**GOOD_PREDOSE, **overrides})

    def vitals(self, minutes: float, **values: Any) -> Any:
        self.at(minutes)
        return charting.vitals_record(self.nurse, self.session.pk, **{**CALM, **values})

    def refresh(self) -> TreatmentSession:
        self.session.refresh_from_db()
        return self.session


GOOD_PREDOSE: dict[str, Any] = {
    "identity_confirmed": True,
    "consent_confirmed": True,
    "hours_since_solids": 6.0,
    "hours_since_clear_fluids": 3.0,
    "escort_present": True,
    "escort_name": "Dana Dawson",
    "escort_phone": "+1 617 555 0199",
    "pregnancy": "not_applicable",
    "same_day_screen": {"source": "now", "phq9_item9": 0},
}
SPRAVATO_PREDOSE = {
    "rems_patient_enrolled": True,
    "rems_prescriber_on_site": True,
    "rems_pulse_oximeter": True,
}
CALM = {
    "systolic_mmhg": 122,
    "diastolic_mmhg": 78,
    "heart_rate_bpm": 72,
    "spo2_percent": 98,
    "respiratory_rate_per_min": 14,
}


def enrol(cast: Cast) -> None:
    patients.part_create(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        "consents",
        data={
            "kind": "spravato_rems_enrollment",
            "status": "given",
            "signed_on": date(2026, 2, 20),
        },
    )


def open_chair(
    day: Day, clock: time_machine.Coordinates, protocol_id: str = "depression-iv-induction"
) -> Chair:
    """Dan booked at 09:00 for the protocol's service, checked in at 08:50, his session
    opened at 08:55 by the nurse."""
    cast = day.cast
    plan = signed_plan(cast, protocol_id)
    add_escort(cast)
    spravato = plan.drug == "esketamine"
    if spravato:
        enrol(cast)
    service = "Spravato session" if spravato else "Ketamine IV infusion"
    desk = cast.actor(cast.front_desk)
    appointment = booking.appointment_book(
        desk, cast.dan.pk, service_id=day.service(service).pk, start_at=START, plan_id=plan.pk
    )
    goods = stock(cast, day)
    clock.move_to((START - timedelta(minutes=10)).astimezone(UTC))
    booking.appointment_check_in(desk, appointment.pk)
    clock.move_to((START - timedelta(minutes=5)).astimezone(UTC))
    session = services.session_start(cast.actor(cast.nurse), appointment.pk)
    return Chair(day, clock, plan, appointment, session, goods)


def infusion(chair: Chair, minutes: float = 0, **kwargs: Any) -> Any:
    """Start the plan's infusion (its dose and rate) at ``minutes``."""
    at = chair.at(minutes)
    dose = chair.plan.dose
    return dosing.dose_record(
        chair.nurse,
        chair.session.pk,
        **{
            "kind": "infusion",
            "lot_id": chair.stock.ketamine.pk,
            "dose_mg": Decimal(str(chair.plan.dose_mg)),
            "rate_mg_per_h": Decimal(str(dose["rate_mg_per_h"])),
            "measured_at": at,
            **kwargs,
        },
    )
