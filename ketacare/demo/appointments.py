"""The past week and the coming week on the demo calendar, booked by the front desk through
the booking services with the clock at the time it booked.

Each open day from 7 days before today to 6 days after has the appointments of its kind of day
(``FULL_DAY``, the Saturday morning's ``SHORT_DAY``; on the nurse's leave day only those the
prescriber can take alone), booked at the front desk a week before, so every start was in the
future when it was booked. A session of a signed plan is booked on the plan (the booking
service finds it) and keeps its protocol's intervals: each patient of the 40-minute infusions
comes back every two or three open days, the 4-hour pain infusion and Spravato every third
day they can be given (the protocols' minimum intervals are 36 and 60 hours). Afternoons are
the rooms' (consultations, follow-ups, therapy, integration), so nobody's morning block
reaches into their afternoon.

What became of each appointment is drawn from ``random.Random(2)`` (the seed's third
generator, so the story's other draws stay what they were): before today most were checked in
five minutes before their start, some cancelled the day before with a reason, some marked
no-show 20 minutes after the start; from today on most are booked and some cancelled
yesterday. Today's stay booked for the front desk to check in. Yesterday afternoon the front
desk booked the induction course of the most recently signed 40-minute infusion plan from
tomorrow, as proposed (``course_proposal``, then ``course_book``); the plan signed before it
has nothing booked, a course for the demo's user to book.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import partial

from ketacare.scheduling import booking, courses

from .calendar_setup import DemoCalendar, signed_on, spravato_patient
from .care import DRAFTED, SCREENED, SIGNED
from .history import BOSTON
from .state import SeedState
from .timeline import Timeline, local

#: Days from today (negative: before) the appointments cover.
FIRST_DAY, LAST_DAY = -7, 6
BOOKED_DAYS_BEFORE = 7
CHECK_IN_BEFORE = timedelta(minutes=5)
NO_SHOW_AFTER = timedelta(minutes=20)
CANCELLED_SHARE, NO_SHOW_SHARE = 0.1, 0.08
CANCEL_REASONS = (
    "Patient asked to move it: a work commitment",
    "Patient unwell with a cold: to rebook once recovered",
    "No ride home that day",
    "Insurance authorisation still pending",
    "Patient cancelled by phone, no reason given",
)

CONSULTATION = "Free consultation"
INFUSION = "Ketamine IV infusion"
PAIN_INFUSION = "Ketamine IV infusion (4 h)"
SPRAVATO = "Spravato session"
IM = "Ketamine IM injection"
INTRANASAL = "Ketamine nasal spray (in clinic)"
HYDRATION = "IV hydration"
ACUPUNCTURE = "Acupuncture"
THERAPY = "Talk therapy"
INTEGRATION = "Integration session"
FOLLOW_UP = "Follow-up visit"


@dataclass(frozen=True)
class Slot:
    """One appointment of a kind of day: when, what, who comes (a pool of patients, each day
    the next of them), on every ``every``-th day it could be, left out on the nurse's leave
    day when the nurse is needed."""

    at: time
    service: str
    pool: str
    every: int = 1
    nurse: bool = False


FULL_DAY = (
    Slot(time(8, 0), PAIN_INFUSION, "pain", every=3, nurse=True),
    Slot(time(8, 30), INFUSION, "infusion"),
    Slot(time(9, 15), SPRAVATO, "spravato", every=3),
    Slot(time(9, 45), INFUSION, "infusion"),
    Slot(time(10, 30), IM, "screened"),
    Slot(time(12, 0), INTRANASAL, "screened"),
    Slot(time(12, 30), HYDRATION, "screened", nurse=True),
    Slot(time(13, 0), CONSULTATION, "new"),
    Slot(time(14, 0), ACUPUNCTURE, "screened", nurse=True),
    Slot(time(14, 0), FOLLOW_UP, "treated"),
    Slot(time(15, 30), THERAPY, "treated", nurse=True),
    Slot(time(15, 30), INTEGRATION, "treated"),
    Slot(time(17, 0), FOLLOW_UP, "treated"),
)
SHORT_DAY = (
    Slot(time(9, 0), INFUSION, "infusion"),
    Slot(time(9, 30), SPRAVATO, "spravato", every=3),
    Slot(time(10, 0), INFUSION, "infusion"),
    Slot(time(10, 45), IM, "screened"),
    Slot(time(11, 0), CONSULTATION, "new"),
    Slot(time(11, 30), HYDRATION, "screened"),
    Slot(time(12, 0), FOLLOW_UP, "treated"),
)
BOSTON_PATIENTS = 40  # seed.PEOPLE
#: The demo's patients by their place in the care story (care.py): treated (a signed plan),
#: planned or screened, and not yet screened (a free consultation first).
TREATED = tuple(range(1, SIGNED + 1))
SCREENED_OR_PLANNED = tuple(range(SIGNED + 1, SIGNED + DRAFTED + SCREENED + 1))
NEW = tuple(range(SIGNED + DRAFTED + SCREENED + 1, BOSTON_PATIENTS + 1))


@dataclass(frozen=True)
class Booked:
    """A planned appointment: its key in ``SeedState.appointments`` and what became of it."""

    key: tuple[date, int]
    slot: Slot
    outcome: str  # booked, checked_in, cancelled, no_show
    reason: str = ""


def _slots(calendar: DemoCalendar, day: date) -> tuple[Slot, ...]:
    kind = calendar.kind(day)
    if kind == "short":
        return SHORT_DAY
    return tuple(s for s in FULL_DAY if kind == "full" or not s.nurse)


def _newest_infusion_plans(state: SeedState) -> list[int]:
    """Patients of the 40-minute infusion plans, the most recently signed first."""
    signed = signed_on(state, INFUSION)
    return sorted(signed, key=lambda index: (state.plans[index].signed_at, index), reverse=True)


def course_patient(state: SeedState) -> int:
    """The patient of the most recently signed 40-minute infusion plan: its course is booked."""
    return _newest_infusion_plans(state)[0]


def waiting_patient(state: SeedState) -> int:
    """The patient of the plan signed before that one: nothing booked yet, a course for the
    demo's user to book."""
    return _newest_infusion_plans(state)[1]


def _pool(state: SeedState, name: str) -> list[int]:
    if name == "infusion":
        others = {course_patient(state), waiting_patient(state)}
        return [index for index in signed_on(state, INFUSION) if index not in others]
    if name == "pain":
        return signed_on(state, PAIN_INFUSION)[:1]
    if name == "spravato":
        return [spravato_patient(state)]
    return list({"treated": TREATED, "screened": SCREENED_OR_PLANNED, "new": NEW}[name])


def _book(state: SeedState, booked: Booked, day_number: int, ordinal: int, per_day: int) -> None:
    """The front desk books the slot for the pool's next patient: on open day ``day_number``
    the pool's ``per_day`` patients from ``per_day * day_number`` on, this slot the
    ``ordinal``-th of them."""
    day, _ = booked.key
    pool = _pool(state, booked.slot.pool)
    index = pool[(per_day * day_number + ordinal) % len(pool)]
    state.appointments[booked.key] = booking.appointment_book(
        state.actors["frontdesk"],
        state.patients[index].pk,
        service_id=state.services[booked.slot.service].pk,
        start_at=local(day, BOSTON.tz, booked.slot.at.hour, booked.slot.at.minute),
    )


def _cancel(state: SeedState, booked: Booked) -> None:
    booking.appointment_cancel(
        state.actors["frontdesk"], state.appointments[booked.key].pk, reason=booked.reason
    )


def _check_in(state: SeedState, booked: Booked) -> None:
    booking.appointment_check_in(state.actors["frontdesk"], state.appointments[booked.key].pk)


def _no_show(state: SeedState, booked: Booked) -> None:
    booking.appointment_no_show(state.actors["frontdesk"], state.appointments[booked.key].pk)


def _outcome(desk: random.Random, past: bool) -> tuple[str, str]:
    roll = desk.random()
    if roll < CANCELLED_SHARE:
        return "cancelled", desk.choice(CANCEL_REASONS)
    if past:
        return ("no_show" if roll < CANCELLED_SHARE + NO_SHOW_SHARE else "checked_in"), ""
    return "booked", ""


def _plan_day(
    desk: random.Random,
    timeline: Timeline,
    state: SeedState,
    calendar: DemoCalendar,
    day: date,
    day_number: int,
    seen: dict[str, int],
) -> list[Booked]:
    tz = BOSTON.tz
    slots = _slots(calendar, day)
    per_day = {pool: sum(s.pool == pool for s in slots) for pool in {s.pool for s in slots}}
    ordinals: dict[str, int] = {}
    desk_visit = timeline.visit(local(day - timedelta(days=BOOKED_DAYS_BEFORE), tz, 9, 0))
    yesterday = calendar.today - timedelta(days=1)
    planned = []
    for number, slot in enumerate(slots):
        seen[slot.service] = seen.get(slot.service, 0) + 1
        if (seen[slot.service] - 1) % slot.every:
            continue
        ordinal = ordinals.get(slot.pool, 0)
        ordinals[slot.pool] = ordinal + 1
        outcome, reason = _outcome(desk, day < calendar.today)
        booked = Booked((day, number), slot, outcome, reason)
        desk_visit.then(partial(_book, state, booked, day_number, ordinal, per_day[slot.pool]))
        start = local(day, tz, slot.at.hour, slot.at.minute)
        if outcome == "checked_in":
            timeline.add(start - CHECK_IN_BEFORE, partial(_check_in, state, booked))
        elif outcome == "no_show":
            timeline.add(start + NO_SHOW_AFTER, partial(_no_show, state, booked))
        elif outcome == "cancelled":
            cancelled_on = min(day - timedelta(days=1), yesterday)
            timeline.add(local(cancelled_on, tz, 16, 0), partial(_cancel, state, booked))
        planned.append(booked)
    return planned


def _book_course(state: SeedState, first_day: date) -> None:
    """Propose the next induction sessions from ``first_day`` and book them as proposed."""
    desk = state.actors["frontdesk"]
    plan = state.plans[course_patient(state)]
    offer = courses.course_proposal(desk, plan.pk, first_day=first_day)
    assert offer.proposal.complete, offer.proposal.unplaced
    state.course = courses.course_book(
        desk,
        plan.pk,
        phase=offer.proposal.phase,
        sessions=[
            {
                "start_at": session.slot.start,
                "resource_id": int(session.slot.resource_id),
                "performer_id": int(session.slot.performer_id),
            }
            for session in offer.proposal.sessions
        ],
    )


def plan_appointments(
    desk: random.Random, timeline: Timeline, state: SeedState, calendar: DemoCalendar
) -> list[Booked]:
    """Schedule the fortnight's bookings, what became of them, and the course."""
    today = calendar.today
    seen: dict[str, int] = {}
    planned: list[Booked] = []
    first, last = today + timedelta(days=FIRST_DAY), today + timedelta(days=LAST_DAY)
    for day_number, day in enumerate(calendar.open_days(first, last)):
        planned += _plan_day(desk, timeline, state, calendar, day, day_number, seen)
    yesterday = today - timedelta(days=1)
    timeline.add(
        local(yesterday, BOSTON.tz, 15, 0),
        partial(_book_course, state, today + timedelta(days=1)),
    )
    return planned
