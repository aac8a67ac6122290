"""The demo clinic's calendar, set up by the owner three weeks before today: the starting
services, chairs and rooms at both Boston sites, opening hours, the nurse's and the
prescriber's working hours, a clinic holiday in the coming week and a day of the nurse's leave
in the past week.

Harbor Street, the main site, has 6 chairs and 2 rooms and opens Monday to Friday 08:00-18:00
and Saturday 09:00-13:00; Back Bay has 3 chairs and a room, open Monday to Friday 08:00-18:00.
The nurse works at Harbor Street whenever it is open; the prescriber too, except on Thursdays,
spent at Back Bay (so on Thursdays a Spravato session, which needs a prescriber on site, goes
to Back Bay). The Lakeside clinic has no nurse or prescriber yet, so no calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import partial

from django.utils import timezone

from ketacare.accounts.models import Site
from ketacare.patients.models import Consent, RelatedPerson
from ketacare.scheduling import setup
from ketacare.scheduling.models import Service
from ketacare.scheduling.reminders import reminder_rules_seed
from ketacare.treatment.models import TreatmentPlan

from .history import BOSTON
from .state import SeedState
from .timeline import Timeline, local

#: Days before today the clinic moved its calendar into ketacare.
CALENDAR_DAYS_AGO = 21
HARBOR, BACK_BAY = "Harbor Street", "Back Bay"
#: (chairs, rooms) of each site.
RESOURCES = {HARBOR: (6, 2), BACK_BAY: (3, 1)}
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(6)
WEEKDAY_HOURS = (time(8), time(18))
SATURDAY_HOURS = (time(9), time(13))
OPENING = {
    HARBOR: {
        **{day: [WEEKDAY_HOURS] for day in range(MONDAY, SATURDAY)},
        SATURDAY: [SATURDAY_HOURS],
    },
    BACK_BAY: {day: [WEEKDAY_HOURS] for day in range(MONDAY, SATURDAY)},
}
#: Each performer's weekly hours, by site.
STAFF_HOURS = {
    ("nurse", HARBOR): OPENING[HARBOR],
    ("prescriber", HARBOR): {d: s for d, s in OPENING[HARBOR].items() if d != THURSDAY},
    ("prescriber", BACK_BAY): {THURSDAY: [WEEKDAY_HOURS]},
}
HOLIDAY_REASON = "Clinic holiday"
LEAVE_REASON = "Annual leave"
#: The weekdays the nurse's leave may fall on: not Thursday (the prescriber is at Back Bay, so
#: Harbor Street would have nobody) nor Saturday.
LEAVE_WEEKDAYS = (MONDAY, TUESDAY, WEDNESDAY, FRIDAY)


@dataclass(frozen=True)
class DemoCalendar:
    """Which days of the demo's fortnight are open, and what kind of day each is."""

    today: date
    holiday: date
    leave: date  # the nurse's, at Harbor Street

    def is_open(self, day: date) -> bool:
        """Harbor Street is open (Back Bay is open on fewer days, never on others)."""
        return day != self.holiday and day.weekday() in OPENING[HARBOR]

    def kind(self, day: date) -> str:
        """``full`` (both performers), ``leave`` (the prescriber alone) or ``short``
        (Saturday morning); the day must be open."""
        if day.weekday() == SATURDAY:
            return "short"
        return "leave" if day == self.leave else "full"

    def open_days(self, first: date, last: date) -> Iterator[date]:
        day = first
        while day <= last:
            if self.is_open(day):
                yield day
            day += timedelta(days=1)


def demo_calendar(today: date) -> DemoCalendar:
    """The holiday: the first weekday three or more days ahead; the leave: the first of
    Monday, Tuesday, Wednesday or Friday from five days ago (five days always hold one)."""
    holiday = today + timedelta(days=3)
    while holiday.weekday() >= SATURDAY:
        holiday += timedelta(days=1)
    leave = today - timedelta(days=5)
    while leave.weekday() not in LEAVE_WEEKDAYS:
        leave += timedelta(days=1)
    return DemoCalendar(today, holiday, leave)


def _site(state: SeedState, name: str) -> Site:
    if name not in state.sites:
        state.sites[name] = Site.objects.get(clinic=state.clinics["demo"], name=name)
    return state.sites[name]


def _services(state: SeedState) -> None:
    setup.services_seed(state.actors["owner"])
    # The reminders a clinic starts with (48 h and 2 h before): the demo's worker prints them.
    reminder_rules_seed(state.actors["owner"])
    for service in Service.objects.filter(clinic=state.clinics["demo"]):
        state.services[service.name] = service


def _resources(state: SeedState, site_name: str) -> None:
    owner, site = state.actors["owner"], _site(state, site_name)
    chairs, rooms = RESOURCES[site_name]
    for kind, count in (("chair", chairs), ("room", rooms)):
        for number in range(1, count + 1):
            setup.resource_create(
                owner, site_id=site.pk, kind=kind, name=f"{kind.capitalize()} {number}"
            )


def _opening(state: SeedState, site_name: str) -> None:
    site = _site(state, site_name)
    setup.hours_set(state.actors["owner"], site_id=site.pk, pattern=OPENING[site_name])


def _staff_hours(state: SeedState, key: str, site_name: str) -> None:
    setup.hours_set(
        state.actors["owner"],
        site_id=_site(state, site_name).pk,
        membership_id=state.membership(key).pk,
        pattern=STAFF_HOURS[(key, site_name)],
    )


def _holiday(state: SeedState, day: date) -> None:
    for name in (HARBOR, BACK_BAY):
        setup.hours_exception_add(
            state.actors["owner"],
            site_id=_site(state, name).pk,
            day=day,
            kind="replace",
            reason=HOLIDAY_REASON,
        )


def _leave(state: SeedState, day: date) -> None:
    setup.hours_exception_add(
        state.actors["owner"],
        site_id=_site(state, HARBOR).pk,
        membership_id=state.membership("nurse").pk,
        day=day,
        kind="replace",
        reason=LEAVE_REASON,
    )


def signed_on(state: SeedState, service: str) -> list[int]:
    """Patients (by index) whose signed plan the service delivers."""
    protocols = state.services[service].protocol_ids
    return [
        index
        for index, plan in sorted(state.plans.items())
        if plan is not None
        and plan.status == TreatmentPlan.Status.SIGNED
        and plan.protocol_id in protocols
    ]


def spravato_patient(state: SeedState) -> int:
    """The demo patient on Spravato: the one with a signed esketamine plan (else the first
    patient, booked without a plan)."""
    signed = signed_on(state, "Spravato session")
    return signed[0] if signed else 1


def _ready_for_spravato(state: SeedState) -> None:
    """SPRAVATO REMS enrolment on file (booking) and an escort (check-in), added by the front
    desk if the patient lacks them."""
    index = spravato_patient(state)
    patient = state.patients[index]
    today = timezone.localdate(timezone=BOSTON.tz)
    if not Consent.objects.filter(
        patient=patient, kind=Consent.Kind.SPRAVATO_REMS, status=Consent.Status.GIVEN
    ).exists():
        consent = {
            "kind": Consent.Kind.SPRAVATO_REMS,
            "status": "given",
            "signed_on": today,
            "form_version": "REMS Patient Enrollment Form",
        }
        state.part("frontdesk", index, "consents", consent)
    if not RelatedPerson.objects.filter(
        patient=patient, relationship=RelatedPerson.Relationship.ESCORT, is_active=True
    ).exists():
        escort = {
            "relationship": "escort",
            "name": "Robin Driver",
            "relation_to_patient": "friend",
            "phone": "+1 781 555 0150",
        }
        state.part("frontdesk", index, "contacts", escort)


def plan_calendar(timeline: Timeline, state: SeedState, calendar: DemoCalendar) -> None:
    """One sitting of the owner's, then the front desk's Spravato check."""
    sitting = timeline.visit(
        local(calendar.today - timedelta(days=CALENDAR_DAYS_AGO), BOSTON.tz, 17, 0)
    )
    sitting.then(partial(_services, state))
    for name in (HARBOR, BACK_BAY):
        sitting.then(partial(_resources, state, name))
        sitting.then(partial(_opening, state, name))
    for key, name in STAFF_HOURS:
        sitting.then(partial(_staff_hours, state, key, name))
    sitting.then(partial(_holiday, state, calendar.holiday))
    sitting.then(partial(_leave, state, calendar.leave))
    sitting.then(partial(_ready_for_spravato, state))
