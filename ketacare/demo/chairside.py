"""The chair's side of the demo: every past checked-in appointment of a signed plan charted as
a treatment session through the sessions services, each step at its own time.

The clinician at the chair charts (the nurse at Harbor Street; the prescriber at Back Bay and on
the nurse's day of leave): the session opened 3 minutes before the start, baseline vitals, the
pre-dose checklist (the escort on the chart, fasting hours, PHQ-9 item 9 asked at the chair),
the dose drawn from the site's lot, vitals at the protocol's intervals (racemic ketamine: every
10 min while dosing, every 15 min after; dunlop-emory), MOAA/S while dosing and before discharge,
CADSS, and discharge once the protocol's criteria are met (racemic: 60 min after the end of
dosing, the clinic's default; Spravato: 120 min from the first device with BP at about 40 min
and SpO2 at every check, SPRAVATO PI and REMS). The note is signed by the clinician who charted,
except the latest one, left to sign. One 40-minute infusion has mild nausea that resolves; after
each 4-hour infusion the rest of the 5 mL vial opened for it is wasted in front of a witness.

The IM injection service has no patient with a signed IM plan in the care story, so its
checked-in appointments stay checked in without a session.

The Spravato patient also came twice before the fortnight (about 10 and 13 days ago), booked
through the booking service the morning after the calendar moved into ketacare, three days or
more apart (the protocol's minimum
interval), so the REMS Patient Monitoring Forms of the demo are submitted (the one about 13 days
ago, on the REMS portal the next day), due (a recent session) and overdue (the one about 10
days ago, more than 7 days after it).

One session is in progress today: a 40-minute infusion booked an hour and a half before it
starts, 30 minutes before the seed's "now" (up to 90 when the staff are all busy then), checked
in, opened, dosed and charted up to now, so the chair board shows it dosing or observing (when
nobody is free in that hour, there is none): a patient of the 40-minute infusions with
no session within the protocol's interval, else today's booked infusion of one moved to that
time. When its chair time falls outside Harbor Street's opening hours (the demo may be seeded
at any hour), the owner first adds the extra hours ("Evening infusion clinic", or early, or
weekend) for the site and the nurse. Seeded before about 01:35 local time the day is too young for
it, and there is none.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.clinical import get_protocol
from ketacare.controlled import services as ledger
from ketacare.controlled.models import Lot
from ketacare.lib.errors import FieldErrors, Taken
from ketacare.patients.models import RelatedPerson
from ketacare.scheduling import booking, setup
from ketacare.scheduling.models import Appointment
from ketacare.scheduling.placement import place
from ketacare.scheduling.rules import course_rule_problems
from ketacare.sessions import charting, discharge, dosing, notes, services
from ketacare.sessions.models import Dose, SessionNote, TreatmentSession
from ketacare.sessions.rems import rems_mark_submitted

from .appointments import (
    CHECK_IN_BEFORE,
    FULL_DAY,
    INFUSION,
    PAIN_INFUSION,
    SHORT_DAY,
    SPRAVATO,
    Booked,
    course_patient,
    waiting_patient,
)
from .calendar_setup import (
    CALENDAR_DAYS_AGO,
    HARBOR,
    OPENING,
    DemoCalendar,
    signed_on,
    spravato_patient,
)
from .history import BOSTON
from .state import SeedState
from .stock import BY_KEY, SPRAVATO_DEVICE, VIAL_50, VIAL_100
from .timeline import Timeline, local

#: The services whose sessions are charted (each has patients with a signed plan).
CHARTED = (INFUSION, PAIN_INFUSION, SPRAVATO)
#: Infusion minutes by service (the protocols' [infusion] duration_min).
INFUSION_MIN = {INFUSION: 40, PAIN_INFUSION: 240}
#: Racemic vitals every 10 min during dosing, every 15 after (dunlop-emory, the protocols'
#: [monitoring]); observation 60 min after dosing ends (racemic_min_observation_min).
DURING_EVERY, AFTER_EVERY, RACEMIC_OBSERVATION = 10, 15, 60
#: Spravato: one device every 5 min (device_interval_min), vitals with SpO2 at these minutes
#: (BP at 40: bp_checks_min), 120 min observed from the first device (SPRAVATO PI, REMS).
DEVICE_EVERY, SPRAVATO_VITALS, SPRAVATO_OBSERVATION = 5, (20, 40, 60, 90, 120), 120
MAX_DEVICES = 3  # 84 mg
#: The extra Spravato visits before the fortnight: about this many days ago.
REMS_DAYS_AGO = (13, 10)
#: The (fictional) confirmation the REMS portal gives, before the session's number.
REMS_CONFIRMATION = "RPM-DEMO-"
#: Booked by the front desk the morning after the calendar moved into ketacare.
REMS_BOOKED_DAYS_AGO = CALENDAR_DAYS_AGO - 1
NAUSEA = "Mild nausea at minute 25; settled with rest and a cool cloth, no treatment needed"
WASTE_REASON = "Rest of the 5 mL vial opened for this infusion (one vial per patient, clinic rule)"
#: Why the owner adds hours for the session in progress: a closed day, before or after hours.
EXTRA_HOURS_REASON = {
    "weekend": "Weekend infusion clinic",
    "closed": "Extra infusion clinic",
    "early": "Early infusion clinic",
    "evening": "Evening infusion clinic",
}
#: How long before now the in-progress infusion starts at the latest, and the earlier starts
#: tried (5 minutes apart, back to 90 minutes before now: still within its 40 minutes and the
#: hour after) when every chair or clinician is taken then.
IN_PROGRESS_LEAD = timedelta(minutes=30)
IN_PROGRESS_TRIES = 13
IN_PROGRESS_BOOKED_BEFORE = timedelta(minutes=90)
LATEST_START = time(22, 0)  # its chair time (infusion and recovery) ends before midnight


@dataclass
class Vitals:
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int

    def values(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _baseline(rng: random.Random) -> Vitals:
    systolic = rng.randint(114, 132)
    return Vitals(
        systolic,
        systolic - rng.randint(44, 50),
        rng.randint(62, 84),
        rng.randint(96, 99),
        rng.randint(12, 16),
    )


def _reading(rng: random.Random, base: Vitals, dosing: bool) -> Vitals:
    """A check within the usual rise while dosing (well under the alert thresholds) and near
    baseline after it, so discharge finds BP near baseline."""
    rise = rng.randint(2, 12) if dosing else rng.randint(-4, 4)
    return Vitals(
        base.systolic_mmhg + rise,
        base.diastolic_mmhg + rise // 3,
        base.heart_rate_bpm + (rng.randint(0, 10) if dosing else rng.randint(-4, 4)),
        rng.randint(96, 99),
        rng.randint(12, 18),
    )


# --- the steps, run by the timeline -----------------------------------------------------------


def _appointment(state: SeedState, key: Any) -> Appointment:
    if key in state.extra:
        return state.extra[key]
    return state.appointments[key]


def _clinician(state: SeedState, key: Any) -> Actor:
    """The nurse charts at Harbor Street unless on leave that day; else the prescriber."""
    appointment = _appointment(state, key)
    day = appointment.start_at.astimezone(BOSTON.tz).date()
    if appointment.site.name == HARBOR and day != state.nurse_leave:
        return state.actors["nurse"]
    return state.actors["prescriber"]


def _session(state: SeedState, key: Any) -> TreatmentSession:
    session: TreatmentSession = state.sessions[key]
    return session


def _open(state: SeedState, key: Any) -> None:
    state.sessions[key] = services.session_start(
        _clinician(state, key), _appointment(state, key).pk
    )


def _vitals(state: SeedState, key: Any, vitals: Vitals) -> None:
    charting.vitals_record(_clinician(state, key), _session(state, key).pk, **vitals.values())


def _escort(session: TreatmentSession) -> RelatedPerson:
    return (
        RelatedPerson.objects.filter(
            patient_id=session.patient_id,
            relationship=RelatedPerson.Relationship.ESCORT,
            is_active=True,
        )
        .order_by("pk")
        .first()
    ) or RelatedPerson(name="", phone="")


def _predose(state: SeedState, key: Any, solids_h: float, fluids_h: float) -> None:
    session = _session(state, key)
    escort = _escort(session)
    data: dict[str, Any] = {
        "identity_confirmed": True,
        "consent_confirmed": True,
        "hours_since_solids": solids_h,
        "hours_since_clear_fluids": fluids_h,
        "escort_present": True,
        "escort_name": escort.name,
        "escort_phone": escort.phone,
        "pregnancy": "not_pregnant"
        if session.patient.sex_at_birth == "female"
        else ("not_applicable"),
        "same_day_screen": {"source": "now", "phq9_item9": 0},
    }
    if session.drug == "esketamine":
        data |= {
            "rems_patient_enrolled": True,
            "rems_prescriber_on_site": True,
            "rems_pulse_oximeter": True,
        }
    check, _ = services.predose_record(_clinician(state, key), session.pk, **data)
    # The demo's patients are fit to dose: a hold here is a change in the story to look at.
    assert check.decision == "proceed", (session.protocol_id, check.findings)


def _lot(state: SeedState, session: TreatmentSession, product: str) -> Lot:
    return Lot.objects.get(product=state.products[product], site_id=session.site_id, balance__gt=0)


def _infuse(state: SeedState, key: Any, duration_min: int) -> None:
    session = _session(state, key)
    plan = session.plan
    product = VIAL_100 if duration_min > INFUSION_MIN[INFUSION] else VIAL_50
    rate = plan.dose.get("rate_mg_per_h") or plan.dose_mg * 60 / duration_min
    dosing.dose_record(
        _clinician(state, key),
        session.pk,
        kind="infusion",
        lot_id=_lot(state, session, product).pk,
        dose_mg=Decimal(str(plan.dose_mg)),
        rate_mg_per_h=Decimal(str(rate)).quantize(Decimal("0.01")),
    )


def _end_infusion(state: SeedState, key: Any) -> None:
    session = _session(state, key)
    dose = Dose.objects.get(session=session, kind=Dose.Kind.INFUSION, ended_at=None)
    dosing.dose_end(_clinician(state, key), session.pk, dose.pk)


def _device(state: SeedState, key: Any, number: int) -> None:
    """The ``number``-th device, if the plan gives that many (56 mg: 2; 84 mg: 3)."""
    session = _session(state, key)
    if number > int(session.plan.dose.get("devices") or 0):
        return
    dosing.dose_record(
        _clinician(state, key),
        session.pk,
        kind="device",
        lot_id=_lot(state, session, SPRAVATO_DEVICE).pk,
    )


def _rate(state: SeedState, key: Any, instrument: str, value: int) -> None:
    charting.observation_record(
        _clinician(state, key), _session(state, key).pk, instrument=instrument, score_value=value
    )


def _nausea(state: SeedState, key: Any) -> None:
    charting.event_record(
        _clinician(state, key),
        _session(state, key).pk,
        kind="side_effect",
        code="nausea",
        severity="mild",
        outcome="resolved",
        description=NAUSEA,
        measured_at=timezone.now() - timedelta(minutes=3),
    )


def _discharge(state: SeedState, key: Any, ready_min: int | None = None) -> None:
    """Discharge into the escort's care; a Spravato session also gives the minutes after the
    first device the patient would have been ready without the 2-hour rule (REMS form)."""
    session = _session(state, key)
    escort = _escort(session)
    discharge.discharge_record(
        _clinician(state, key),
        session.pk,
        left_with_name=escort.name,
        left_with_relation=escort.relation_to_patient,
        dissociation_resolved=True,
        ambulating=True,
        clinician_assessed_ready=True,
        ready_without_rule_min=ready_min,
    )


def _sign(state: SeedState, key: Any) -> None:
    session = _session(state, key)
    note = SessionNote.objects.get(session=session)
    notes.note_sign(_clinician(state, key), session.pk, expected_version=note.version)


def _waste(state: SeedState, key: Any) -> None:
    """The rest of the vial opened for the infusion, wasted with a second clinician (the
    prescriber when at Harbor Street, else the owner) as witness."""
    session = _session(state, key)
    dose = Dose.objects.get(session=session, kind=Dose.Kind.INFUSION)
    recorder = _clinician(state, key)
    at_harbor = session.appointment.start_at.astimezone(BOSTON.tz).weekday() != 3
    witness = "prescriber" if recorder is state.actors["nurse"] and at_harbor else "owner"
    vial = BY_KEY[VIAL_100].vial_mg
    assert vial is not None
    ledger.waste_record(
        recorder,
        lot_id=dose.lot_id,
        quantity=vial - dose.dose_mg,
        witness_id=state.membership(witness).pk,
        occurred_at=timezone.now(),
        reason=WASTE_REASON,
        patient=session.patient,
        source_ref=f"session:{session.pk}",
    )


# --- the scripts: (minutes from the start, step) ----------------------------------------------

Step = tuple[float, Callable[[SeedState, Any], None]]


def _opening(rng: random.Random, base: Vitals, fasting: tuple[float, float]) -> list[Step]:
    return [
        (-3, _open),
        (-2, partial(_vitals, vitals=base)),
        (-1, partial(_predose, solids_h=fasting[0], fluids_h=fasting[1])),
    ]


def _fasting(rng: random.Random, *, spravato: bool) -> tuple[float, float]:
    """Hours since solids and clear fluids: at least the protocol's (racemic IV: 6 h and 2 h,
    ASA fasting guidance; Spravato: 2 h and 30 min, SPRAVATO PI)."""
    if spravato:
        return float(rng.choice((3, 4, 5, 6))), float(rng.choice((1, 2)))
    return float(rng.choice((6, 7, 8, 10, 12))), float(rng.choice((2, 3, 4)))


def infusion_steps(
    rng: random.Random, duration_min: int, *, nausea: bool = False, until: float | None = None
) -> list[Step]:
    """A racemic infusion from opening to signing (or, with ``until``, up to that minute)."""
    base = _baseline(rng)
    steps = _opening(rng, base, _fasting(rng, spravato=False))
    steps.append((0, partial(_infuse, duration_min=duration_min)))
    for minute in range(DURING_EVERY, duration_min + 1, DURING_EVERY):
        steps.append((minute, partial(_vitals, vitals=_reading(rng, base, True))))
        if minute == 20 or (minute % 60 == 0 and minute < duration_min):
            steps.append((minute, partial(_rate, instrument="moaas", value=4)))
        if nausea and minute == 20:
            steps.append((minute + 8, _nausea))
    steps.append((duration_min, _end_infusion))
    last = duration_min + RACEMIC_OBSERVATION
    minute = duration_min + AFTER_EVERY
    while minute <= (last if until is None else until):
        steps.append((minute, partial(_vitals, vitals=_reading(rng, base, False))))
        minute += AFTER_EVERY
    if until is not None:  # in progress: charted up to now
        return [step for step in steps if step[0] < until]
    steps += [
        (last, partial(_rate, instrument="moaas", value=5)),
        (last, partial(_rate, instrument="cadss", value=0)),
        (last + 1, _discharge),
    ]
    if duration_min > INFUSION_MIN[INFUSION]:
        steps.append((last + 3, _waste))
    steps.append((last + 15, _sign))
    return steps


def spravato_steps(rng: random.Random) -> list[Step]:
    base = _baseline(rng)
    steps = _opening(rng, base, _fasting(rng, spravato=True))
    steps += [(DEVICE_EVERY * n, partial(_device, number=n + 1)) for n in range(MAX_DEVICES)]
    for minute in SPRAVATO_VITALS:
        steps.append((minute, partial(_vitals, vitals=_reading(rng, base, minute <= 40))))
    steps += [
        (40, partial(_rate, instrument="moaas", value=4)),
        (40, partial(_rate, instrument="cadss", value=rng.randint(6, 14))),
        (SPRAVATO_OBSERVATION, partial(_rate, instrument="moaas", value=5)),
        (SPRAVATO_OBSERVATION, partial(_rate, instrument="cadss", value=0)),
        (SPRAVATO_OBSERVATION + 1, partial(_discharge, ready_min=rng.choice((60, 75, 90)))),
        (SPRAVATO_OBSERVATION + 15, _sign),
    ]
    return steps


def _schedule(
    timeline: Timeline, state: SeedState, key: Any, start: datetime, steps: list[Step]
) -> None:
    for minute, step in steps:
        timeline.add(start + timedelta(minutes=minute), partial(step, state, key))


# --- the extra Spravato visits ----------------------------------------------------------------


def _spravato_slot(day: date) -> time:
    slots = SHORT_DAY if day.weekday() == 5 else FULL_DAY
    return next(s.at for s in slots if s.service == SPRAVATO)


def rems_days(calendar: DemoCalendar) -> list[date]:
    """Open days about 13 and 10 days ago (the open day before, if closed), three days or more
    apart (the protocol's 60 hours; the first visit of the fortnight is 7 or fewer days ago)."""

    def open_on_or_before(day: date) -> date:
        while not calendar.is_open(day):
            day -= timedelta(days=1)
        return day

    later = open_on_or_before(calendar.today - timedelta(days=REMS_DAYS_AGO[1]))
    earlier = open_on_or_before(
        min(calendar.today - timedelta(days=REMS_DAYS_AGO[0]), later - timedelta(days=3))
    )
    return [earlier, later]


def _book_extra(state: SeedState, key: str, start: datetime) -> None:
    index = spravato_patient(state)
    state.extra[key] = booking.appointment_book(
        state.actors["frontdesk"],
        state.patients[index].pk,
        service_id=state.services[SPRAVATO].pk,
        start_at=start,
    )


def _submit_rems(state: SeedState, key: Any) -> None:
    """The nurse submits the session's REMS Patient Monitoring Form on the REMS portal the day
    after, and records the portal's confirmation."""
    session = _session(state, key)
    rems_mark_submitted(
        state.actors["nurse"],
        session.rems_form.pk,
        method="portal",
        submitted_at=timezone.now(),
        confirmation=f"{REMS_CONFIRMATION}{session.pk:05d}",
    )


def _check_in(state: SeedState, key: Any) -> None:
    state.extra[key] = booking.appointment_check_in(
        state.actors["frontdesk"], _appointment(state, key).pk
    )


# --- the session in progress ------------------------------------------------------------------


def _free_patients(state: SeedState, start: datetime) -> list[int]:
    """An infusion patient with no session of the plan within the protocol's minimum interval
    (their other appointments the placement checks for overlap)."""
    skip = {course_patient(state), waiting_patient(state)}
    free = []
    for index in signed_on(state, INFUSION):
        if index in skip:
            continue
        plan = state.plans[index]
        limit = get_protocol(plan.protocol_id).limits.min_interval_hours
        gap = timedelta(hours=limit.value if limit else 24)
        near = Appointment.objects.filter(
            patient=state.patients[index],
            plan__protocol_id=plan.protocol_id,
            status__in=Appointment.ACTIVE,
            start_at__gt=start - gap,
            start_at__lt=start + gap,
        )
        if not near.exists():
            free.append(index)
    return free


def _fits(service: Any, patient: Any, start: datetime, performer: int | None, **kw: Any) -> bool:
    try:
        place(service, patient, start, performer_id=performer, **kw)
    except (FieldErrors, Taken):
        return False
    return True


def _new_booking(state: SeedState, start: datetime, performer: int | None) -> bool:
    """The first free patient booked at ``start``, if a chair and the clinician are free."""
    service = state.services[INFUSION]
    index = next(
        (
            i
            for i in _free_patients(state, start)
            if _fits(service, state.patients[i], start, performer)
        ),
        None,
    )
    if index is None:
        return False
    state.extra["now"] = booking.appointment_book(
        state.actors["frontdesk"],
        state.patients[index].pk,
        service_id=service.pk,
        start_at=start,
        performer_id=performer,
    )
    return True


def _moved_booking(state: SeedState, start: datetime, performer: int | None) -> bool:
    """Else today's booked infusion of a patient moved to ``start`` (the patient phoned to
    come at another time), where the plan's limits and the chair and clinician allow."""
    tz = BOSTON.tz
    day = timezone.now().astimezone(tz).date()
    today = Appointment.objects.filter(
        clinic=state.clinics["demo"],
        service=state.services[INFUSION],
        status=Appointment.Status.BOOKED,
        start_at__gte=local(day, tz, 0, 0),
        start_at__lt=local(day + timedelta(days=1), tz, 0, 0),
        plan__isnull=False,
    ).order_by("start_at", "pk")
    for appointment in today.select_related("plan", "service", "patient"):
        assert appointment.plan is not None
        rules = course_rule_problems(
            appointment.plan,
            appointment.service,
            start,
            phase=appointment.course_phase,
            exclude=appointment.pk,
        )
        if rules or not _fits(
            appointment.service,
            appointment.patient,
            start,
            performer,
            exclude_appointment=appointment.pk,
        ):
            continue
        state.extra["now"] = booking.appointment_reschedule(
            state.actors["frontdesk"],
            appointment.pk,
            expected_version=appointment.version,
            start_at=start,
            performer_id=performer,
        )
        return True
    return False


def _book_in_progress(
    timeline: Timeline, state: SeedState, latest: datetime, rng: random.Random
) -> None:
    """Book the first start (latest first, 5 minutes earlier each try) with a free chair and
    clinician (the nurse if free), then schedule its day up to now."""
    nurse = state.membership("nurse").pk
    for way in (_new_booking, _moved_booking):
        for performer in (nurse, None):
            for n in range(IN_PROGRESS_TRIES):
                start = latest - timedelta(minutes=5 * n)
                if not way(state, start, performer):
                    continue
                until = (timeline.now - start).total_seconds() / 60
                timeline.add(start - CHECK_IN_BEFORE, partial(_check_in, state, "now"))
                steps = infusion_steps(rng, INFUSION_MIN[INFUSION], until=until)
                _schedule(timeline, state, "now", start, steps)
                return
    # A full morning can leave nobody free for an hour: then the board is empty for now.


def _within_hours(day: date, opens: time, closes: time) -> bool:
    spans = OPENING[HARBOR].get(day.weekday(), [])
    return any(a <= opens and closes <= b for a, b in spans)


def _extra_hours_reason(calendar: DemoCalendar, day: date, opens: time) -> str:
    spans = OPENING[HARBOR].get(day.weekday(), []) if calendar.is_open(day) else []
    if not spans:
        return EXTRA_HOURS_REASON["weekend" if day.weekday() == 6 else "closed"]
    return EXTRA_HOURS_REASON["early" if opens < spans[0][0] else "evening"]


def _extra_hours(state: SeedState, day: date, opens: time, closes: time, reason: str) -> None:
    owner = state.actors["owner"]
    site = state.sites.get(HARBOR) or state.clinics["demo"].sites.get(name=HARBOR)
    for membership_id in (None, state.membership("nurse").pk):
        setup.hours_exception_add(
            owner,
            site_id=site.pk,
            day=day,
            kind="add",
            opens=opens,
            closes=closes,
            reason=reason,
            membership_id=membership_id,
        )


def plan_in_progress(
    timeline: Timeline, state: SeedState, calendar: DemoCalendar, rng: random.Random
) -> None:
    tz = BOSTON.tz
    now = timeline.now.astimezone(tz)
    latest = now - IN_PROGRESS_LEAD
    latest = latest.replace(minute=latest.minute - latest.minute % 5, second=0, microsecond=0)
    latest = min(latest, local(calendar.today, tz, LATEST_START.hour, LATEST_START.minute))
    earliest = latest - timedelta(minutes=5 * (IN_PROGRESS_TRIES - 1))
    if earliest - CHECK_IN_BEFORE < local(calendar.today, tz, 0, 0) or latest.date() != (
        calendar.today
    ):
        return
    booked_at = earliest - IN_PROGRESS_BOOKED_BEFORE
    chair_end = latest + timedelta(minutes=INFUSION_MIN[INFUSION] + RACEMIC_OBSERVATION + 5)
    opens = time(earliest.hour)
    closes = time(chair_end.hour + 1) if chair_end.hour < 23 else time(23, 59)
    if not calendar.is_open(calendar.today) or not _within_hours(calendar.today, opens, closes):
        timeline.add(
            booked_at - timedelta(minutes=5),
            partial(
                _extra_hours,
                state,
                calendar.today,
                opens,
                closes,
                _extra_hours_reason(calendar, calendar.today, opens),
            ),
        )
    timeline.add(booked_at, partial(_book_in_progress, timeline, state, latest, rng))


# --- the plan ---------------------------------------------------------------------------------


def plan_sessions(
    timeline: Timeline, state: SeedState, calendar: DemoCalendar, planned: list[Booked]
) -> None:
    """Schedule the sessions of the fortnight's past checked-in appointments, the extra
    Spravato visits and the session in progress."""
    rng = random.Random(3)  # noqa: S311 - demo data: the chair's readings
    tz = BOSTON.tz
    state.nurse_leave = calendar.leave
    runs: list[tuple[datetime, Any, str]] = []
    for booked in planned:
        day, _ = booked.key
        if booked.outcome != "checked_in" or booked.slot.service not in CHARTED:
            continue
        if day >= calendar.today:
            continue
        start = local(day, tz, booked.slot.at.hour, booked.slot.at.minute)
        runs.append((start, booked.key, booked.slot.service))
    for n, day in enumerate(rems_days(calendar)):
        at = _spravato_slot(day)
        start = local(day, tz, at.hour, at.minute)
        key = f"rems-{n}"
        booked_at = local(calendar.today - timedelta(days=REMS_BOOKED_DAYS_AGO), tz, 9, 30)
        timeline.add(booked_at, partial(_book_extra, state, key, start))
        timeline.add(start - CHECK_IN_BEFORE, partial(_check_in, state, key))
        runs.append((start, key, SPRAVATO))
        if n == 0:
            submitted = local(day + timedelta(days=1), tz, 16, 0)
            timeline.add(submitted, partial(_submit_rems, state, key))
    runs.sort(key=lambda run: (run[0], str(run[1])))
    nausea_on = next((key for _, key, service in runs if service == INFUSION), None)
    unsigned = runs[-1][1] if runs else None
    for start, key, service in runs:
        if service == SPRAVATO:
            steps = spravato_steps(rng)
        else:
            steps = infusion_steps(rng, INFUSION_MIN[service], nausea=key == nausea_on)
        if key == unsigned:
            steps = [s for s in steps if s[1] is not _sign]
        _schedule(timeline, state, key, start, steps)
    plan_in_progress(timeline, state, calendar, rng)
