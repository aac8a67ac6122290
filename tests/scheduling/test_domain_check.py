"""The engine's check of one chosen block (``domain.check.check_block``) and of dates a person
chose for a course (``domain.course.check_course_dates``): rules (422) and clashes (409), each
by the field it is about. Pure: no database."""

from __future__ import annotations

from datetime import date

from ketacare.clinical.limits import GivenSession
from ketacare.clinical.protocols import get_protocol
from ketacare.clinical.sources import cite
from ketacare.scheduling.domain.check import check_block
from ketacare.scheduling.domain.course import check_course_dates
from ketacare.scheduling.domain.intervals import Interval
from ketacare.scheduling.domain.slots import Resource, ServiceSpec, Staff
from tests.scheduling.helpers import INFUSION, NURSE, NY, hours, ny

MONDAY = date(2026, 3, 2)
OPENING = hours()  # Monday to Friday 09:00-17:00 New York
NURSE_1 = Staff("n1", NURSE, working=tuple(OPENING))
PRESCRIBER = frozenset({"prescriber"})
SPRAVATO = ServiceSpec(
    "esketamine_session",
    15,
    frozenset({"nurse", "prescriber"}),
    recovery_min=105,
    buffer_min=15,
    prescriber_on_site=True,
)
IV = get_protocol("depression-iv-induction")
NO_PRESCRIBER = "no prescriber is rostered on site for the whole block (SPRAVATO REMS)"


def chair(*busy: Interval) -> Resource:
    return Resource("c1", "chair", busy)


def check(start, service=INFUSION, resource=None, performer=NURSE_1, staff=(), busy=()):  # type: ignore[no-untyped-def]
    return check_block(
        service,
        start,
        opening=OPENING,
        resource=resource or chair(),
        performer=performer,
        staff=staff or (performer,),
        patient_busy=busy,
    )


def test_a_free_block_passes_with_its_intervals() -> None:
    # Infusion: 40 min procedure, 60 recovery, 15 buffer.
    result = check(ny(MONDAY, 9))
    assert result.ok
    assert (result.block, result.procedure) == (
        Interval(ny(MONDAY, 9), ny(MONDAY, 10, 55)),
        Interval(ny(MONDAY, 9), ny(MONDAY, 9, 40)),
    )
    assert (result.rules, result.conflicts, result.prescriber_id) == ({}, {}, None)


def test_the_block_must_fit_the_opening_hours_to_the_minute() -> None:
    assert check(ny(MONDAY, 15, 5)).ok  # ends 17:00
    late = check(ny(MONDAY, 15, 6))
    assert late.rules == {
        "start": "the whole block (procedure, recovery and buffer) must fall within the site's "
        "opening hours"
    }
    assert late.conflicts == {}


def test_a_room_is_not_a_chair() -> None:
    result = check(ny(MONDAY, 9), resource=Resource("r1", "room"))
    assert result.rules == {"resource": "this service needs a chair, not a room"}


def test_the_performer_needs_the_role_and_the_hours_of_the_procedure() -> None:
    desk = Staff("d1", frozenset({"front_desk"}), working=tuple(OPENING))
    assert check(ny(MONDAY, 9), performer=desk).rules == {
        "performer": "must hold a role that performs this service: nurse"
    }
    mornings = Staff("n2", NURSE, working=(Interval(ny(MONDAY, 9), ny(MONDAY, 9, 30)),))
    assert check(ny(MONDAY, 9), performer=mornings).rules == {
        "performer": "is not working at this site for the whole procedure"
    }
    # Working for the procedure is enough: she may leave while the patient recovers.
    until_ten = Staff("n3", NURSE, working=(Interval(ny(MONDAY, 9), ny(MONDAY, 9, 40)),))
    assert check(ny(MONDAY, 9), performer=until_ten).ok
    meeting = Staff(
        "n4",
        NURSE,
        working=tuple(OPENING),
        blocked=(Interval(ny(MONDAY, 9, 30), ny(MONDAY, 10)),),
    )
    assert check(ny(MONDAY, 9), performer=meeting).rules == {
        "performer": "is not working at this site for the whole procedure"
    }


def test_each_clash_is_named_and_touching_blocks_do_not_clash() -> None:
    taken = check(
        ny(MONDAY, 9),
        resource=chair(Interval(ny(MONDAY, 10, 50), ny(MONDAY, 12))),
        performer=Staff(
            "n1", NURSE, working=tuple(OPENING), busy=(Interval(ny(MONDAY, 9, 30), ny(MONDAY, 10)),)
        ),
        busy=(Interval(ny(MONDAY, 8), ny(MONDAY, 9, 1)),),
    )
    assert taken.rules == {}
    assert taken.conflicts == {
        "resource": "the chair or room is booked for part of this block",
        "performer": "the performer has another procedure at this time",
        "patient": "the patient has another appointment overlapping this block",
    }
    touching = check(
        ny(MONDAY, 9),
        resource=chair(Interval(ny(MONDAY, 10, 55), ny(MONDAY, 12))),
        performer=Staff(
            "n1", NURSE, working=tuple(OPENING), busy=(Interval(ny(MONDAY, 9, 40), ny(MONDAY, 10)),)
        ),
        busy=(Interval(ny(MONDAY, 8), ny(MONDAY, 9)),),
    )
    assert touching.ok


def test_spravato_needs_a_prescriber_on_site_for_the_whole_block() -> None:
    nurse = Staff("n1", frozenset({"nurse"}), working=tuple(OPENING))
    # 09:00-11:15 needed; the prescriber leaves at 11:00.
    early_leaver = Staff("p1", PRESCRIBER, working=(Interval(ny(MONDAY, 9), ny(MONDAY, 11)),))
    result = check(ny(MONDAY, 9), service=SPRAVATO, performer=nurse, staff=(nurse, early_leaver))
    assert (result.rules, result.conflicts, result.prescriber_id) == (
        {},
        {"prescriber_on_site": NO_PRESCRIBER},
        None,
    )
    all_day = Staff("p2", PRESCRIBER, working=tuple(OPENING))
    on_site = check(
        ny(MONDAY, 9), service=SPRAVATO, performer=nurse, staff=(nurse, early_leaver, all_day)
    )
    assert (on_site.ok, on_site.prescriber_id) == (True, "p2")


def test_a_prescriber_performing_is_the_one_on_site_and_presence_is_not_exclusive() -> None:
    # The performer, a prescriber on site, is the one on site.
    busy_p1 = Staff(
        "p1",
        PRESCRIBER,
        working=tuple(OPENING),
        busy=(Interval(ny(MONDAY, 10), ny(MONDAY, 10, 30)),),
    )
    p2 = Staff("p2", PRESCRIBER, working=tuple(OPENING))
    performing = check(ny(MONDAY, 9), service=SPRAVATO, performer=p2, staff=(busy_p1, p2))
    assert (performing.ok, performing.prescriber_id) == (True, "p2")
    # A nurse performs: the first prescriber on site by id, though he performs another
    # procedure meanwhile (presence is not exclusive).
    nurse = Staff("n1", frozenset({"nurse"}), working=tuple(OPENING))
    watched = check(ny(MONDAY, 9), service=SPRAVATO, performer=nurse, staff=(nurse, p2, busy_p1))
    assert (watched.ok, watched.prescriber_id) == (True, "p1")


# --- dates a person chose for a course --------------------------------------------------------

INTERVAL_SOURCE = cite(*IV.schedule[0].sources)


def dates(*days: int, hour: int = 9):  # type: ignore[no-untyped-def]
    return [ny(date(2026, 3, d), hour) for d in days]


def test_dates_within_the_interval_pass_across_dst() -> None:
    problems = check_course_dates(
        IV,
        "induction",
        dates(5, 9, 11, 13, 16, 18),
        dose_mg=35,
        time_zone=NY,
        not_before=ny(MONDAY, 8),
    )
    assert problems == {}


def test_the_first_date_that_breaks_the_interval_is_named_and_the_check_stops_there() -> None:
    problems = check_course_dates(
        IV,
        "induction",
        dates(5, 6, 7),
        dose_mg=35,
        time_zone=NY,
        not_before=ny(MONDAY, 8),
    )
    assert problems == {
        1: "2026-03-06 09:00 is outside the interval of 2-4 days after the session at "
        "2026-03-05 09:00 (phase 'induction' of depression-iv-induction): from 2026-03-07 00:00 "
        f"to before 2026-03-10 00:00 ({INTERVAL_SOURCE})"
    }


def test_a_date_too_late_is_named() -> None:
    problems = check_course_dates(
        IV, "induction", dates(5, 10), dose_mg=35, time_zone=NY, not_before=ny(MONDAY, 8)
    )
    assert list(problems) == [1]
    assert "from 2026-03-07 00:00 to before 2026-03-10 00:00" in problems[1]


def test_a_first_date_before_now_is_named() -> None:
    problems = check_course_dates(
        IV, "induction", dates(2), dose_mg=35, time_zone=NY, not_before=ny(MONDAY, 10)
    )
    assert problems == {
        0: "2026-03-02 09:00 is outside the 366 days searched for a first session: from "
        "2026-03-02 10:00 to before 2027-03-03 00:00 (ketacare scheduling: search horizon)"
    }


def test_the_history_bounds_the_first_date_and_counts_towards_the_phase() -> None:
    history = [GivenSession(at, 35.0, "induction") for at in dates(2, 4, 6, 9, 11)]
    too_soon = check_course_dates(
        IV,
        "induction",
        dates(12),
        dose_mg=35,
        time_zone=NY,
        not_before=ny(MONDAY, 8),
        history=history,
    )
    assert list(too_soon) == [0]
    assert "after the session at 2026-03-11 09:00" in too_soon[0]
    assert (
        check_course_dates(
            IV,
            "induction",
            dates(13),
            dose_mg=35,
            time_zone=NY,
            not_before=ny(MONDAY, 8),
            history=history,
        )
        == {}
    )
    # The seventh session of a six-session phase.
    seventh = check_course_dates(
        IV,
        "induction",
        dates(13, 16),
        dose_mg=35,
        time_zone=NY,
        not_before=ny(MONDAY, 8),
        history=history,
    )
    assert seventh == {
        1: "session 7 of phase 'induction' is beyond its 6 sessions (protocol "
        f"depression-iv-induction) ({INTERVAL_SOURCE})"
    }


def test_the_minimum_hours_apply_within_the_interval_days() -> None:
    """Two local days apart but under 36 h: 23:00 on the 5th to 08:00 on the 7th is 33 h."""
    late = [ny(date(2026, 3, 5), 23)]
    history = [GivenSession(at, 35.0, "induction") for at in late]
    problems = check_course_dates(
        IV,
        "induction",
        [ny(date(2026, 3, 7), 8)],
        dose_mg=35,
        time_zone=NY,
        not_before=ny(MONDAY, 8),
        history=history,
    )
    assert list(problems) == [0]
    assert "from 2026-03-07 11:00 to before 2026-03-10 00:00" in problems[0]


def test_a_phase_without_an_interval_takes_one_date_at_a_time() -> None:
    maintenance = get_protocol("depression-iv-maintenance")
    phase = maintenance.schedule[0].phase
    one = check_course_dates(
        maintenance, phase, dates(5), dose_mg=35, time_zone=NY, not_before=ny(MONDAY, 8)
    )
    assert one == {}
    two = check_course_dates(
        maintenance, phase, dates(5, 12), dose_mg=35, time_zone=NY, not_before=ny(MONDAY, 8)
    )
    assert two == {
        1: f"phase '{phase}' of depression-iv-maintenance states no interval between sessions: "
        "the prescriber sets each date, one booking at a time"
    }
