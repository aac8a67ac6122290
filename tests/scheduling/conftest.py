"""A clinic day to book on: the Harbor clinic's first site with three chairs and a room,
open Monday to Friday 08:00-18:00 New York time, the nurse and the prescriber working
those hours, the starting services, and a clock stopped on Monday 2 March 2026 07:00."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ketacare.accounts.models import Site
from ketacare.patients import services as patients
from ketacare.scheduling import setup
from ketacare.scheduling.models import Resource, Service
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as treatment
from ketacare.treatment.models import TreatmentPlan
from tests.candidacy import fields, give_trials, scales
from tests.conftest import Cast

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 2)
WEEKDAYS = {day: [(time(8), time(18))] for day in range(5)}


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


@dataclass
class Day:
    cast: Cast
    site: Site
    chairs: list[Resource]
    room: Resource
    services: dict[str, Service]

    def service(self, name: str) -> Service:
        return self.services[name]


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(ny(MONDAY, 7).astimezone(UTC), tick=False) as traveller:
        yield traveller


def build_day(cast: Cast) -> Day:
    owner = cast.actor(cast.owner)
    site = Site.objects.get(clinic=cast.clinic)
    chairs = [
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {n}")
        for n in (1, 2, 3)
    ]
    room = setup.resource_create(owner, site_id=site.pk, kind="room", name="Room A")
    setup.hours_set(owner, site_id=site.pk, pattern=WEEKDAYS)
    for member in (cast.nurse, cast.prescriber):
        setup.hours_set(owner, site_id=site.pk, membership_id=member.pk, pattern=WEEKDAYS)
    services = {s.name: s for s in setup.services_seed(owner)}
    return Day(cast, site, chairs, room, services)


@pytest.fixture
def day(cast: Cast, clock: time_machine.Coordinates) -> Day:
    return build_day(cast)


def signed_plan(cast: Cast, protocol_id: str = "depression-iv-induction") -> TreatmentPlan:
    give_trials(cast)
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    plan = treatment.plan_create(cast.actor(cast.prescriber), cast.dan.pk, protocol_id=protocol_id)
    return treatment.plan_sign(cast.actor(cast.prescriber), plan.pk)


def add_escort(cast: Cast) -> None:
    patients.part_create(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        "contacts",
        data={"relationship": "escort", "name": "Dana Dawson", "phone": "+1 617 555 0199"},
    )
