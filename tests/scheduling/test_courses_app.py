"""A plan's course on the calendar (``courses.py``): the proposed dates of the induction
series (nothing saved), its booking all or none, each refusal naming the session, local times
kept across the change to daylight-saving time, and the course's progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible, Taken
from ketacare.scheduling import booking
from ketacare.scheduling.courses import course_book, course_progress, course_proposal
from ketacare.scheduling.models import Appointment
from ketacare.treatment import services as treatment
from ketacare.treatment.models import TreatmentPlan

from .appointments import book, refused_and_unwritten
from .conftest import NY, Day, add_escort, ny, signed_plan

THURSDAY = date(2026, 3, 5)
#: Six infusions 2-4 local days apart (depression-iv-induction), Monday to Friday 08:00-18:00:
#: Thursday 5, Monday 9 (the clocks went forward on Sunday 8), Wednesday 11, Friday 13,
#: Monday 16, Wednesday 18 March.
COURSE_DAYS = [date(2026, 3, d) for d in (5, 9, 11, 13, 16, 18)]


def at_eight(days: list[date]) -> list[datetime]:
    return [ny(d, 8) for d in days]


def sessions(starts: list[datetime], **extra: object) -> list[dict[str, object]]:
    return [{"start_at": start, **extra} for start in starts]


def local_times(appointments: list[Appointment]) -> list[str]:
    return [a.start_at.astimezone(NY).strftime("%a %d %b %H:%M %Z") for a in appointments]


def progress(plan: TreatmentPlan) -> list[tuple[str, int | None, int, int, int | None]]:
    return [(p.phase, p.sessions, p.done, p.booked, p.left) for p in course_progress(plan)]


def test_the_proposal_keeps_eight_oclock_across_the_change_to_summer_time(day: Day) -> None:
    plan = signed_plan(day.cast)
    found = course_proposal(day.cast.actor(day.cast.front_desk), plan.pk, first_day=THURSDAY)
    proposal = found.proposal
    assert (proposal.protocol_id, proposal.phase, proposal.complete) == (
        "depression-iv-induction",
        "induction",
        True,
    )
    assert [s.number for s in proposal.sessions] == [1, 2, 3, 4, 5, 6]
    assert [s.slot.start for s in proposal.sessions] == [
        datetime(2026, 3, 5, 13, 0, tzinfo=UTC),  # 08:00 EST
        datetime(2026, 3, 9, 12, 0, tzinfo=UTC),  # 08:00 EDT
        datetime(2026, 3, 11, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 13, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 16, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 18, 12, 0, tzinfo=UTC),
    ]
    assert (found.service.name, found.site) == ("Ketamine IV infusion", day.site)
    # Nothing is saved.
    assert not Appointment.objects.exists()


def test_six_infusions_booked_from_thursday_5_march_keep_their_local_time(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    booked = course_book(
        cast.actor(cast.front_desk),
        plan.pk,
        phase="induction",
        sessions=sessions(at_eight(COURSE_DAYS)),
    )
    assert local_times(booked) == [
        "Thu 05 Mar 08:00 EST",
        "Mon 09 Mar 08:00 EDT",
        "Wed 11 Mar 08:00 EDT",
        "Fri 13 Mar 08:00 EDT",
        "Mon 16 Mar 08:00 EDT",
        "Wed 18 Mar 08:00 EDT",
    ]
    assert [a.start_at.astimezone(UTC).hour for a in booked] == [13, 12, 12, 12, 12, 12]
    # The block keeps its length across the change: 115 minutes each.
    assert {a.end_at - a.start_at for a in booked} == {timedelta(minutes=115)}
    assert [(a.plan_id, a.course_phase, a.course_number) for a in booked] == [
        (plan.pk, "induction", n) for n in range(1, 7)
    ]
    event = AuditEvent.objects.get(action="course.book")
    assert (event.patient_id, event.data) == (
        cast.dan.pk,
        {"phase": "induction", "appointments": [a.pk for a in booked]},
    )
    assert AuditEvent.objects.filter(action="appointment.create").count() == 6
    assert progress(plan) == [("induction", 6, 0, 6, 0)]


def test_a_clash_on_the_fourth_session_books_nothing_and_names_it(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    chair = day.chairs[0].pk
    zoe = book(day, cast.zoe, "Ketamine IV infusion", ny(COURSE_DAYS[3], 8, 30), resource_id=chair)
    with refused_and_unwritten("course.book") as events, pytest.raises(Taken) as taken:
        course_book(
            cast.actor(cast.front_desk),
            plan.pk,
            phase="induction",
            sessions=sessions(at_eight(COURSE_DAYS), resource_id=chair),
        )
    assert taken.value.conflicts == {
        "sessions[3].resource": "the chair or room is booked for part of this block"
    }
    assert events[0].data["refused"] == "Taken"
    assert list(Appointment.objects.values_list("pk", flat=True)) == [zoe.pk]
    assert progress(plan) == [("induction", 6, 0, 0, 6)]


def test_a_date_that_breaks_the_interval_names_its_session(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    # The third falls one day after the second: the protocol asks 2 to 4.
    days = [COURSE_DAYS[0], COURSE_DAYS[1], date(2026, 3, 10), *COURSE_DAYS[3:]]
    with refused_and_unwritten("course.book"), pytest.raises(FieldErrors) as refused:
        course_book(
            cast.actor(cast.front_desk),
            plan.pk,
            phase="induction",
            sessions=sessions(at_eight(days)),
        )
    assert list(refused.value.errors) == ["sessions[2].start"]
    assert refused.value.errors["sessions[2].start"].startswith(
        "2026-03-10 08:00 is outside the interval of 2-4 days after the session at "
        "2026-03-09 08:00 (phase 'induction' of depression-iv-induction): from 2026-03-11 "
        "00:00 to before 2026-03-14 00:00 ("
    )
    assert not Appointment.objects.exists()


def test_a_gap_longer_than_the_interval_names_its_session(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    days = [COURSE_DAYS[0], date(2026, 3, 10)]
    with pytest.raises(FieldErrors) as refused:
        course_book(
            cast.actor(cast.front_desk),
            plan.pk,
            phase="induction",
            sessions=sessions(at_eight(days)),
        )
    assert list(refused.value.errors) == ["sessions[1].start"]
    assert (
        "from 2026-03-07 00:00 to before 2026-03-10 00:00"
        in (refused.value.errors["sessions[1].start"])
    )


def test_a_course_outside_opening_hours_names_its_session(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    starts = at_eight(COURSE_DAYS[:2]) + [ny(COURSE_DAYS[2], 17)]
    with pytest.raises(FieldErrors) as refused:
        course_book(
            cast.actor(cast.front_desk), plan.pk, phase="induction", sessions=sessions(starts)
        )
    assert refused.value.errors == {
        "sessions[2].start": "the whole block (procedure, recovery and buffer) must fall within "
        "the site's opening hours"
    }
    assert not Appointment.objects.exists()


def test_the_sessions_must_be_in_date_order_and_within_the_phase(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    actor = cast.actor(cast.front_desk)
    with pytest.raises(FieldErrors) as unordered:
        course_book(
            actor, plan.pk, phase="induction", sessions=sessions(at_eight(COURSE_DAYS[1::-1]))
        )
    assert unordered.value.errors == {"sessions": "list the sessions in date order"}
    with pytest.raises(FieldErrors) as unknown:
        course_book(actor, plan.pk, phase="taper", sessions=sessions(at_eight(COURSE_DAYS[:1])))
    assert unknown.value.errors == {"phase": "'taper' is not a phase of this plan (induction)"}
    seven = [*COURSE_DAYS, date(2026, 3, 20)]
    with pytest.raises(FieldErrors) as too_many:
        course_book(actor, plan.pk, phase="induction", sessions=sessions(at_eight(seven)))
    assert list(too_many.value.errors) == ["sessions[6].start"]
    assert not Appointment.objects.exists()


def test_a_course_continues_after_the_sessions_already_booked(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    actor = cast.actor(cast.front_desk)
    course_book(actor, plan.pk, phase="induction", sessions=sessions(at_eight(COURSE_DAYS[:2])))
    found = course_proposal(actor, plan.pk)
    assert [(s.number, s.slot.start) for s in found.proposal.sessions] == [
        (3, datetime(2026, 3, 11, 12, 0, tzinfo=UTC)),
        (4, datetime(2026, 3, 13, 12, 0, tzinfo=UTC)),
        (5, datetime(2026, 3, 16, 12, 0, tzinfo=UTC)),
        (6, datetime(2026, 3, 18, 12, 0, tzinfo=UTC)),
    ]
    rest = course_book(
        actor, plan.pk, phase="induction", sessions=sessions(at_eight(COURSE_DAYS[2:]))
    )
    assert [a.course_number for a in rest] == [3, 4, 5, 6]
    with pytest.raises(Conflict) as full:
        course_proposal(actor, plan.pk)
    assert full.value.message == "every phase of this plan's course is booked or done"


def test_course_progress_counts_done_booked_and_left(
    day: Day, clock: time_machine.Coordinates
) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    desk = cast.actor(cast.front_desk)
    booked = course_book(
        desk, plan.pk, phase="induction", sessions=sessions(at_eight(COURSE_DAYS[:4]))
    )
    assert progress(plan) == [("induction", 6, 0, 4, 2)]
    add_escort(cast)
    clock.move_to(ny(COURSE_DAYS[0], 7, 50))
    booking.appointment_check_in(cast.actor(cast.nurse), booked[0].pk)
    # Checked in, the block not over (it ends at 09:55): still booked.
    clock.move_to(ny(COURSE_DAYS[0], 9, 54))
    assert progress(plan) == [("induction", 6, 0, 4, 2)]
    clock.move_to(ny(COURSE_DAYS[0], 9, 55))
    assert progress(plan) == [("induction", 6, 1, 3, 2)]
    booking.appointment_cancel(desk, booked[3].pk, reason="Patient travelling")
    assert progress(plan) == [("induction", 6, 1, 2, 3)]


def test_a_course_needs_a_signed_plan_and_a_role_that_books(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    draft = treatment.plan_revise(cast.actor(cast.prescriber), plan.pk, reason="New weight")
    one = sessions(at_eight(COURSE_DAYS[:1]))
    with refused_and_unwritten("course.book"), pytest.raises(Conflict) as unsigned:
        course_book(cast.actor(cast.front_desk), draft.pk, phase="induction", sessions=one)
    assert unsigned.value.message == "this plan is draft: book a course from a signed plan"
    with refused_and_unwritten("course.book"), pytest.raises(NotPermitted):
        course_book(cast.actor(cast.dan_login), plan.pk, phase="induction", sessions=one)
    with refused_and_unwritten("course.book"), pytest.raises(NotVisible):
        course_book(cast.actor(cast.outsider), plan.pk, phase="induction", sessions=one)
    with pytest.raises(NotPermitted):
        course_proposal(cast.actor(cast.dan_login), plan.pk)
    with pytest.raises(NotVisible):
        course_proposal(cast.actor(cast.outsider), plan.pk)
