"""Properties of the slot search and course proposals over generated clinics (hypothesis)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.limits import GivenSession, check_proposed_session
from ketacare.clinical.protocols import load_protocols
from ketacare.lib.clinic_time import local_midnight_utc
from ketacare.scheduling.domain.course import propose_course
from ketacare.scheduling.domain.hours import closed, expand_hours
from ketacare.scheduling.domain.intervals import Interval, covers, overlaps_any, subtract
from ketacare.scheduling.domain.slots import (
    PRESCRIBER_ROLE,
    Resource,
    ServiceSpec,
    Staff,
    find_slots,
)
from tests.scheduling.helpers import NY, finder, hours

TZ = ZoneInfo(NY)
# Ordinary days and both 2026 DST changes in New York.
DAYS = st.sampled_from([date(2026, 3, 9), date(2026, 3, 8), date(2026, 11, 1), date(2026, 6, 3)])
NURSE = frozenset({"nurse"})


def _intervals(base: datetime, count_max: int) -> st.SearchStrategy[tuple[Interval, ...]]:
    one = st.tuples(st.integers(6 * 60, 20 * 60), st.integers(5, 240)).map(
        lambda pair: Interval(
            base + timedelta(minutes=pair[0]), base + timedelta(minutes=pair[0] + pair[1])
        )
    )
    return st.lists(one, max_size=count_max).map(tuple)


def _shift(base: datetime) -> st.SearchStrategy[Interval]:
    """A working day of 4-12 hours, so that slots exist often enough to test."""
    return st.tuples(st.integers(5, 12), st.integers(4, 12)).map(
        lambda pair: Interval(
            base + timedelta(hours=pair[0]), base + timedelta(hours=pair[0] + pair[1])
        )
    )


@st.composite
def clinics(draw: st.DrawFn) -> dict[str, object]:
    day = draw(DAYS)
    base = local_midnight_utc(day, TZ)
    open_from = draw(st.integers(0, 10))
    open_to = draw(st.integers(open_from + 2, 23))
    opening = expand_hours({day.weekday(): [(time(open_from), time(open_to))]}, [], TZ, day, day)
    service = ServiceSpec(
        "svc",
        draw(st.integers(1, 24)) * 5,
        NURSE,
        recovery_min=draw(st.integers(0, 18)) * 5,
        buffer_min=draw(st.integers(0, 6)) * 5,
        resource_kind=draw(st.sampled_from(["chair", "room"])),
        prescriber_on_site=draw(st.booleans()),
    )
    resources = tuple(
        Resource(f"r{index}", draw(st.sampled_from(["chair", "room"])), draw(_intervals(base, 4)))
        for index in range(draw(st.integers(1, 3)))
    )
    staff = tuple(
        Staff(
            f"s{index}",
            draw(st.sampled_from([NURSE, frozenset({PRESCRIBER_ROLE}), NURSE | {PRESCRIBER_ROLE}])),
            working=(draw(_shift(base)), *draw(_intervals(base, 2))),
            busy=draw(_intervals(base, 3)),
            blocked=draw(_intervals(base, 2)),
        )
        for index in range(draw(st.integers(1, 4)))
    )
    return {
        "service": service,
        "window": Interval(base, local_midnight_utc(day + timedelta(days=1), TZ)),
        "opening": opening,
        "resources": resources,
        "staff": staff,
        "patient_busy": draw(_intervals(base, 3)),
        "step_min": draw(st.sampled_from([5, 15, 30, 60])),
    }


@settings(max_examples=150, deadline=None)
@given(clinics())
def test_slots_keep_every_rule_and_miss_none(clinic: dict[str, object]) -> None:
    """No slot overlaps a busy interval of its resource, performer or the patient; each lies
    in opening hours and the performer's working time, with a prescriber present when the
    service needs one (issue 12, Booking; SPRAVATO REMS); and every start the rules allow
    on the grid is returned (checked by brute force over the grid)."""
    service: ServiceSpec = clinic["service"]  # type: ignore[assignment]
    window: Interval = clinic["window"]  # type: ignore[assignment]
    opening: list[Interval] = clinic["opening"]  # type: ignore[assignment]
    resources: tuple[Resource, ...] = clinic["resources"]  # type: ignore[assignment]
    staff: tuple[Staff, ...] = clinic["staff"]  # type: ignore[assignment]
    patient: tuple[Interval, ...] = clinic["patient_busy"]  # type: ignore[assignment]
    step: int = clinic["step_min"]  # type: ignore[assignment]
    slots = find_slots(
        service,
        window,
        opening=opening,
        resources=resources,
        staff=staff,
        patient_busy=patient,
        time_zone=TZ,
        step_min=step,
    )
    by_id = {member.id: member for member in staff}
    chairs = {resource.id: resource for resource in resources}
    for slot in slots:
        block = Interval(slot.start, slot.end)
        procedure = Interval(slot.start, slot.procedure_end)
        resource, performer = chairs[slot.resource_id], by_id[slot.performer_id]
        assert block.minutes == service.block_min
        assert procedure.minutes == service.duration_min
        assert resource.kind == service.resource_kind
        assert not overlaps_any(resource.busy, block)
        assert not overlaps_any(patient, block)
        assert covers(opening, block)
        assert performer.roles & service.performer_roles
        assert not overlaps_any(performer.busy, procedure)
        assert covers(subtract(performer.working, performer.blocked), procedure)
        if service.prescriber_on_site:
            assert slot.prescriber_id is not None
            prescriber = by_id[slot.prescriber_id]
            assert PRESCRIBER_ROLE in prescriber.roles
            assert covers(subtract(prescriber.working, prescriber.blocked), block)
        else:
            assert slot.prescriber_id is None
        local = slot.start.astimezone(TZ)
        assert (local.hour * 60 + local.minute) % step == 0
    assert [slot.start for slot in slots] == sorted(slot.start for slot in slots)
    expected = set()
    instant = window.start
    while instant < window.end:
        local = instant.astimezone(TZ)
        block = Interval.of_minutes(instant, service.block_min)
        procedure = Interval.of_minutes(instant, service.duration_min)
        able = any(
            member.roles & service.performer_roles
            and not overlaps_any(member.busy, procedure)
            and covers(subtract(member.working, member.blocked), procedure)
            for member in staff
        )
        present = not service.prescriber_on_site or any(
            PRESCRIBER_ROLE in member.roles
            and covers(subtract(member.working, member.blocked), block)
            for member in staff
        )
        if (
            (local.hour * 60 + local.minute) % step == 0
            and covers(opening, block)
            and not overlaps_any(patient, block)
            and able
            and present
        ):
            expected |= {
                (instant, resource.id)
                for resource in resources
                if resource.kind == service.resource_kind and not overlaps_any(resource.busy, block)
            }
        instant += timedelta(minutes=5)
    assert {(slot.start, slot.resource_id) for slot in slots} == expected


SPACED = sorted(
    protocol.id
    for protocol in load_protocols().values()
    if protocol.setting == "clinic" and protocol.schedule[0].interval_days_min is not None
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SPACED),
    st.integers(0, 23),
    st.sets(st.integers(0, 40), max_size=12),
    st.floats(1, 120),
    st.booleans(),
)
def test_a_course_proposal_never_breaks_a_limit(
    protocol_id: str, hour: int, closed_offsets: set[int], dose_mg: float, weekends: bool
) -> None:
    """Every proposed session passes check_proposed_session against the ones before it, and
    consecutive sessions lie interval_days_min-interval_days_max local days apart (issue 12,
    Courses; the limits and schedules cite their sources in the protocol files)."""
    protocol = load_protocols()[protocol_id]
    phase = protocol.schedule[0]
    first = date(2026, 2, 26)
    exceptions = [closed(first + timedelta(days=offset)) for offset in closed_offsets]
    opening = hours(days=range(7) if weekends else range(5), exceptions=exceptions)
    count = min(phase.sessions or 8, 8)
    start = datetime.combine(first, time(hour), tzinfo=TZ)
    proposal = propose_course(
        protocol, phase.phase, count, start, finder(opening), dose_mg=dose_mg, time_zone=TZ
    )
    history: list[GivenSession] = []
    for session in proposal.sessions:
        given = GivenSession(session.slot.start, dose_mg, phase.phase)
        assert check_proposed_session(protocol, history, given).ok
        assert session.not_before <= session.slot.start < session.before
        if history:
            gap_days = (given.at.astimezone(TZ).date() - history[-1].at.astimezone(TZ).date()).days
            assert phase.interval_days_min is not None and phase.interval_days_max is not None
            assert math.ceil(phase.interval_days_min) <= gap_days
            assert gap_days <= math.floor(phase.interval_days_max)
        else:
            assert given.at >= start
        history.append(given)
    if proposal.unplaced is None:
        assert len(proposal.sessions) == count
    else:
        assert proposal.unplaced.number == len(proposal.sessions) + 1
