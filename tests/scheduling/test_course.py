"""Course proposals: the protocol's intervals and limits, the earliest free slot, no stretching."""

from __future__ import annotations

from datetime import date

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.limits import GivenSession
from ketacare.clinical.protocols import get_protocol
from ketacare.clinical.sources import cite
from ketacare.scheduling.domain.course import propose_course
from ketacare.scheduling.domain.hours import closed
from ketacare.scheduling.domain.intervals import Interval
from tests.scheduling.helpers import NY, finder, hours, ny

IV = get_protocol("depression-iv-induction")
CRPS = get_protocol("crps-iv-10-day")
MONDAY = date(2026, 3, 2)


def test_iv_induction_takes_the_earliest_slot_every_2_days_and_keeps_9_local_across_dst() -> None:
    """depression-iv-induction: 6 sessions 2-4 days apart, at least 36 h (Murrough 2013,
    ELEKT-D; ketacare-session-spacing); the clinic is shut at weekends, so the fourth waits
    for Monday, still 09:00 local after the 2026-03-08 DST change (issue 12, Time)."""
    proposal = propose_course(
        IV, "induction", 6, ny(MONDAY, 8), finder(hours()), dose_mg=35, time_zone=NY
    )
    assert proposal.complete
    assert [session.number for session in proposal.sessions] == [1, 2, 3, 4, 5, 6]
    assert [session.slot.start for session in proposal.sessions] == [
        ny(date(2026, 3, 2), 9),
        ny(date(2026, 3, 4), 9),
        ny(date(2026, 3, 6), 9),
        ny(date(2026, 3, 9), 9),
        ny(date(2026, 3, 11), 9),
        ny(date(2026, 3, 13), 9),
    ]
    assert proposal.sessions[3].slot.start.hour == 13  # 09:00 EDT
    assert proposal.sessions[2].slot.start.hour == 14  # 09:00 EST
    fourth = proposal.sessions[3]
    assert (fourth.not_before, fourth.before) == (ny(date(2026, 3, 8), 0), ny(date(2026, 3, 11), 0))


def test_no_slot_within_the_maximum_interval_is_reported_not_stretched() -> None:
    """The 2-4 day interval of depression-iv-induction is never stretched silently: with the
    clinic closed on Friday 6 March, session 3 has no day from Friday to Sunday (issue 12)."""
    opening = hours(exceptions=[closed(date(2026, 3, 6))])
    proposal = propose_course(
        IV, "induction", 6, ny(MONDAY, 8), finder(opening), dose_mg=35, time_zone=NY
    )
    assert not proposal.complete
    assert [session.slot.start for session in proposal.sessions] == [
        ny(date(2026, 3, 2), 9),
        ny(date(2026, 3, 4), 9),
    ]
    assert proposal.unplaced is not None
    assert proposal.unplaced.number == 3
    assert proposal.unplaced.reason == (
        "no free slot from 2026-03-06 00:00 to 2026-03-09 00:00 (America/New_York), the "
        "interval of 2-4 days after the session at 2026-03-04 09:00 (phase 'induction' of "
        "depression-iv-induction)"
    )
    assert proposal.unplaced.source == cite(*IV.schedule[0].sources)


def test_daily_crps_waits_24_hours_for_the_100_mg_day_limit() -> None:
    """crps-iv-10-day: daily, at most 100 mg in any 24 hours (Schwartzman 2009): after a
    14:00 session the next day's 09:00 would put 200 mg in 24 h, so the next is 14:00."""
    morning_taken = [Interval(ny(MONDAY, 8), ny(MONDAY, 14))]
    opening = hours(days=range(7))
    proposal = propose_course(
        CRPS,
        "daily course",
        3,
        ny(MONDAY, 8),
        finder(opening, patient_busy=morning_taken),
        dose_mg=100,
        time_zone=NY,
    )
    assert proposal.complete
    assert [session.slot.start for session in proposal.sessions] == [
        ny(date(2026, 3, 2), 14),
        ny(date(2026, 3, 3), 14),
        ny(date(2026, 3, 4), 14),
    ]


def test_a_dose_above_the_day_limit_is_unplaced_with_the_limit_message() -> None:
    """A dose over max_mg_per_day can never be placed (Schwartzman 2009: 25 mg/h x 4 h)."""
    proposal = propose_course(
        CRPS,
        "daily course",
        2,
        ny(MONDAY, 8),
        finder(hours(range(7))),
        dose_mg=120,
        time_zone=NY,
    )
    assert proposal.sessions == ()
    assert proposal.unplaced is not None
    assert proposal.unplaced.number == 1
    assert proposal.unplaced.reason == (
        "120 mg in the 24 hours from 2026-03-02T14:00+00:00, above the maximum 100 mg per day "
        "of protocol crps-iv-10-day"
    )
    assert proposal.unplaced.source == cite("schwartzman-2009")


def test_history_counts_towards_the_phase_and_the_first_interval() -> None:
    """Sessions already given count in the phase's 6 and bound the next one's interval
    (depression-iv-induction, Murrough 2013 / ELEKT-D)."""
    given = [
        GivenSession(ny(date(2026, 2, 27), 10), 35, "induction"),
        GivenSession(ny(date(2026, 3, 2), 10), 35, "induction"),
    ]
    proposal = propose_course(
        IV,
        "induction",
        4,
        ny(date(2026, 3, 2), 8),
        finder(hours()),
        dose_mg=35,
        time_zone=NY,
        history=given,
    )
    assert [(session.number, session.slot.start) for session in proposal.sessions] == [
        (3, ny(date(2026, 3, 4), 9)),
        (4, ny(date(2026, 3, 6), 9)),
        (5, ny(date(2026, 3, 9), 9)),
        (6, ny(date(2026, 3, 11), 9)),
    ]
    with pytest.raises(ClinicalInputError) as raised:
        propose_course(
            IV,
            "induction",
            5,
            ny(MONDAY, 8),
            finder(hours()),
            dose_mg=35,
            time_zone=NY,
            history=given,
        )
    assert str(raised.value) == (
        "sessions_to_book: 5 must be from 1 to 4 (phase 'induction' of depression-iv-induction: "
        "6 sessions, 2 already given or booked)"
    )


def test_spravato_twice_weekly_keeps_at_least_three_days() -> None:
    """esketamine-trd-induction: twice weekly, 3-4 days apart, at least 60 h (SPRAVATO PI;
    ketacare-session-spacing)."""
    protocol = get_protocol("esketamine-trd-induction")
    proposal = propose_course(
        protocol, "induction", 4, ny(MONDAY, 8), finder(hours()), dose_mg=56, time_zone=NY
    )
    assert [session.slot.start for session in proposal.sessions] == [
        ny(date(2026, 3, 2), 9),
        ny(date(2026, 3, 5), 9),
        ny(date(2026, 3, 9), 9),
        ny(date(2026, 3, 12), 9),
    ]


def test_a_phase_without_an_interval_and_an_unknown_phase_are_refused() -> None:
    """depression-im states no schedule: the prescriber sets each date (its protocol file)."""
    with pytest.raises(ClinicalInputError) as raised:
        propose_course(
            get_protocol("depression-im"),
            "course",
            2,
            ny(MONDAY, 8),
            finder(hours()),
            dose_mg=35,
            time_zone=NY,
        )
    assert str(raised.value) == (
        "phase: phase 'course' of depression-im states no interval between sessions: the "
        "prescriber sets each date"
    )
    with pytest.raises(ClinicalInputError) as raised:
        propose_course(
            IV, "maintenance", 1, ny(MONDAY, 8), finder(hours()), dose_mg=35, time_zone=NY
        )
    assert str(raised.value) == (
        "phase: 'maintenance' is not a phase of depression-iv-induction; phases: 'induction'"
    )
