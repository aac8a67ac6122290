"""Booking through the real services on the Harbor clinic's day (Monday 2 March 2026, New
York): the chair and performer chosen, each clash named (409), each rule named (422), nothing
written and the attempt audited when refused; then the life of an appointment: reschedule,
cancel, check-in and no-show."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.clinical import get_protocol
from ketacare.clinical.sources import cite
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible, StaleVersion, Taken
from ketacare.patients import services as patients
from ketacare.scheduling import booking, setup
from ketacare.scheduling.models import Appointment
from ketacare.treatment import services as treatment

from .appointments import book, enrol_in_rems, new_patient, refused_and_unwritten
from .conftest import MONDAY, WEEKDAYS, Day, add_escort, ny, signed_plan

INFUSION = "Ketamine IV infusion"
SPRAVATO = "Spravato session"
TUESDAY = MONDAY + timedelta(days=1)
CHAIR_TAKEN = "the chair or room is booked for part of this block"
PERFORMER_TAKEN = "the performer has another procedure at this time"
PATIENT_TAKEN = "the patient has another appointment overlapping this block"
NO_PRESCRIBER = "no prescriber is rostered on site for the whole block (SPRAVATO REMS)"
OUTSIDE_HOURS = (
    "the whole block (procedure, recovery and buffer) must fall within the site's opening hours"
)


def utc(day: datetime) -> datetime:
    return day.astimezone(UTC)


def placed(appointment: Appointment) -> tuple[object, ...]:
    """Where and when, as stored: chair, performer, prescriber on site, UTC times."""
    return (
        appointment.resource.name,
        appointment.performer.user.email,
        appointment.prescriber_on_site.user.email if appointment.prescriber_on_site else None,
        appointment.start_at.astimezone(UTC),
        appointment.procedure_end_at.astimezone(UTC),
        appointment.end_at.astimezone(UTC),
    )


# --- choosing the chair and the performer -----------------------------------------------------


def test_a_booking_takes_the_first_free_chair_and_a_nurse_before_the_prescriber(day: Day) -> None:
    cast = day.cast
    first = book(day, cast.dan, INFUSION, ny(MONDAY, 10))
    # 40 min infusion, 60 min observation (the clinic's racemic minimum), 15 min turnover.
    assert placed(first) == (
        "Chair 1",
        "nina@example.com",
        None,
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 40, tzinfo=UTC),
        datetime(2026, 3, 2, 16, 55, tzinfo=UTC),
    )
    assert (first.status, first.version, first.walk_in, first.plan, first.site) == (
        "booked",
        1,
        False,
        None,
        day.site,
    )
    # Chair 1 is taken for the block and the nurse for the procedure: chair 2, the prescriber.
    second = book(day, cast.zoe, INFUSION, ny(MONDAY, 10, 15))
    assert placed(second)[:3] == ("Chair 2", "bob@example.com", None)
    # Both performers are busy at 10:20: the third patient waits for one.
    third = new_patient(cast, "H-1003", "Tess", "Tran")
    with pytest.raises(Taken) as taken:
        book(day, third, INFUSION, ny(MONDAY, 10, 20))
    assert taken.value.conflicts == {"performer": PERFORMER_TAKEN}
    # Once the nurse's infusion is over (10:40) she takes the next one, in chair 3.
    fourth = book(day, third, INFUSION, ny(MONDAY, 10, 40))
    assert placed(fourth)[:3] == ("Chair 3", "nina@example.com", None)
    created = AuditEvent.objects.filter(action="appointment.create").order_by("id")
    assert [(e.target_id, e.patient_id, e.data["resource"]) for e in created] == [
        (str(first.pk), cast.dan.pk, "Chair 1"),
        (str(second.pk), cast.zoe.pk, "Chair 2"),
        (str(fourth.pk), third.pk, "Chair 3"),
    ]


def test_back_to_back_blocks_on_one_chair_do_not_clash(day: Day) -> None:
    chair = day.chairs[0].pk
    first = book(day, day.cast.dan, INFUSION, ny(MONDAY, 8), resource_id=chair)
    # The first block ends at 09:55 (turnover included): 09:55 is free, 09:50 is not.
    with pytest.raises(Taken) as taken:
        book(day, day.cast.zoe, INFUSION, ny(MONDAY, 9, 50), resource_id=chair)
    assert taken.value.conflicts == {"resource": CHAIR_TAKEN}
    second = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 9, 55), resource_id=chair)
    assert (first.resource_id, second.resource_id) == (chair, chair)
    assert second.start_at == first.end_at


# --- 409: the time is taken, naming the clash -------------------------------------------------


def test_a_taken_chair_is_named(day: Day) -> None:
    book(day, day.cast.dan, INFUSION, ny(MONDAY, 10), resource_id=day.chairs[0].pk)
    with refused_and_unwritten("appointment.create") as events, pytest.raises(Taken) as taken:
        book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10, 30), resource_id=day.chairs[0].pk)
    assert taken.value.conflicts == {"resource": CHAIR_TAKEN}
    assert (events[0].patient_id, events[0].data["refused"]) == (day.cast.zoe.pk, "Taken")


def test_a_busy_performer_is_named(day: Day) -> None:
    nurse = day.cast.nurse.pk
    book(day, day.cast.dan, INFUSION, ny(MONDAY, 10), performer_id=nurse)
    with refused_and_unwritten("appointment.create"), pytest.raises(Taken) as taken:
        book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10, 20), performer_id=nurse)
    assert taken.value.conflicts == {"performer": PERFORMER_TAKEN}
    # She only performs the procedure (to 10:40); she may start another while Dan recovers.
    later = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10, 40), performer_id=nurse)
    assert placed(later)[:2] == ("Chair 2", "nina@example.com")


def test_a_patient_booked_twice_at_once_is_named(day: Day) -> None:
    book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    with refused_and_unwritten("appointment.create"), pytest.raises(Taken) as taken:
        book(day, day.cast.dan, "Talk therapy", ny(MONDAY, 11, 30))
    assert taken.value.conflicts == {"patient": PATIENT_TAKEN}


def test_spravato_with_no_prescriber_rostered_is_refused_naming_prescriber_on_site(
    day: Day,
) -> None:
    cast = day.cast
    enrol_in_rems(cast, cast.dan)
    setup.hours_set(
        cast.actor(cast.owner), site_id=day.site.pk, membership_id=cast.prescriber.pk, pattern={}
    )
    with refused_and_unwritten("appointment.create"), pytest.raises(Taken) as taken:
        book(day, cast.dan, SPRAVATO, ny(MONDAY, 10))
    assert taken.value.conflicts == {"prescriber_on_site": NO_PRESCRIBER}


def test_spravato_with_the_prescriber_on_leave_is_refused_for_the_hours_of_leave(
    day: Day,
) -> None:
    cast = day.cast
    enrol_in_rems(cast, cast.dan)
    setup.hours_exception_add(
        cast.actor(cast.owner),
        site_id=day.site.pk,
        membership_id=cast.prescriber.pk,
        day=MONDAY,
        kind="remove",
        opens=time(9),
        closes=time(13),
        reason="Annual leave (morning)",
    )
    # 11:00-13:15 overlaps the leave by its first two hours.
    with refused_and_unwritten("appointment.create"), pytest.raises(Taken) as taken:
        book(day, cast.dan, SPRAVATO, ny(MONDAY, 11))
    assert taken.value.conflicts == {"prescriber_on_site": NO_PRESCRIBER}
    # From 13:00 he is back: the nurse gives it, the prescriber is on site for the 2 h 15 min.
    spravato = book(day, cast.dan, SPRAVATO, ny(MONDAY, 13))
    assert placed(spravato) == (
        "Chair 1",
        "nina@example.com",
        "bob@example.com",
        datetime(2026, 3, 2, 18, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 18, 15, tzinfo=UTC),
        datetime(2026, 3, 2, 20, 15, tzinfo=UTC),
    )


def test_one_prescriber_on_site_covers_two_spravato_chairs_at_once(day: Day) -> None:
    cast = day.cast
    for patient in (cast.dan, cast.zoe):
        enrol_in_rems(cast, patient)
    first = book(day, cast.dan, SPRAVATO, ny(MONDAY, 10))
    second = book(day, cast.zoe, SPRAVATO, ny(MONDAY, 10, 15))
    assert [placed(a)[:3] for a in (first, second)] == [
        ("Chair 1", "nina@example.com", "bob@example.com"),
        ("Chair 2", "nina@example.com", "bob@example.com"),
    ]


# --- 422: a rule broken, naming the field -----------------------------------------------------


def test_a_start_in_the_past_is_refused(day: Day) -> None:
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, INFUSION, ny(MONDAY, 6, 45))
    assert refused.value.errors == {
        "start": "is in the past (record a walk-in within the hour it started)"
    }


def test_a_walk_in_is_recorded_up_to_an_hour_after_it_started(
    day: Day, clock: time_machine.Coordinates
) -> None:
    clock.move_to(ny(MONDAY, 10, 30))
    walk_in = book(day, day.cast.dan, INFUSION, ny(MONDAY, 9, 30), walk_in=True)
    assert (walk_in.walk_in, walk_in.start_at) == (True, utc(ny(MONDAY, 9, 30)))
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, day.cast.zoe, INFUSION, ny(MONDAY, 9, 29), walk_in=True)
    assert refused.value.errors == {
        "start": "a walk-in is recorded from its start up to 1 hour later"
    }
    # Not a walk-in: the same start is simply in the past.
    with pytest.raises(FieldErrors) as past:
        book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10))
    assert list(past.value.errors) == ["start"]


def test_a_block_running_past_closing_time_is_refused(day: Day) -> None:
    # 16:10 + 115 min = 18:05, after the 18:00 close; 16:05 ends on it and fits.
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, INFUSION, ny(MONDAY, 16, 10))
    assert refused.value.errors == {"start": OUTSIDE_HOURS}
    last = book(day, day.cast.dan, INFUSION, ny(MONDAY, 16, 5))
    assert last.end_at == utc(ny(MONDAY, 18))


def test_a_weekend_start_is_outside_opening_hours(day: Day) -> None:
    with pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, "Talk therapy", ny(MONDAY + timedelta(days=5), 10))
    # Nobody works on Saturday either: both rules are named at once.
    assert refused.value.errors == {
        "start": OUTSIDE_HOURS,
        "performer": "is not working at this site for the whole procedure",
    }


def test_a_chair_for_a_room_service_is_refused(day: Day) -> None:
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, "Talk therapy", ny(MONDAY, 10), resource_id=day.chairs[0].pk)
    assert refused.value.errors == {"resource": "this service needs a room, not a chair"}
    in_room = book(day, day.cast.dan, "Talk therapy", ny(MONDAY, 10))
    assert in_room.resource == day.room


def test_a_performer_without_the_role_is_refused(day: Day) -> None:
    cast = day.cast
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, "IV hydration", ny(MONDAY, 10), performer_id=cast.prescriber.pk)
    assert refused.value.errors == {
        "performer": "a prescriber does not perform IV hydration: it needs a nurse"
    }
    with pytest.raises(FieldErrors) as desk:
        book(day, cast.dan, INFUSION, ny(MONDAY, 10), performer_id=cast.front_desk.pk)
    assert desk.value.errors == {
        "performer": "a front desk does not perform Ketamine IV infusion: it needs a nurse or "
        "prescriber"
    }


def test_a_performer_not_working_then_is_refused(day: Day) -> None:
    cast = day.cast
    setup.hours_set(
        cast.actor(cast.owner),
        site_id=day.site.pk,
        membership_id=cast.nurse.pk,
        pattern={0: [(time(12), time(18))]},
    )
    with pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(MONDAY, 10), performer_id=cast.nurse.pk)
    assert refused.value.errors == {
        "performer": "is not working at this site for the whole procedure"
    }


def test_an_inactive_patient_is_refused(day: Day) -> None:
    cast = day.cast
    patients.patient_set_active(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        active=False,
        expected_version=cast.dan.version,
        reason="Moved away",
    )
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(MONDAY, 10))
    assert refused.value.errors == {
        "patient": "this patient's record is inactive: reactivate it before booking"
    }


def test_an_inactive_service_is_refused(day: Day) -> None:
    service = day.service("IV hydration")
    setup.service_update(
        day.cast.actor(day.cast.owner),
        service.pk,
        expected_version=service.version,
        data={"is_active": False},
    )
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, "IV hydration", ny(MONDAY, 10))
    assert refused.value.errors == {"service": "IV hydration is no longer offered"}


def test_spravato_needs_the_rems_enrolment_on_file(day: Day) -> None:
    cast = day.cast
    no_enrolment = {
        "patient": "no SPRAVATO REMS patient enrolment on file: record it under consents "
        "before booking a Spravato session (SPRAVATO REMS)"
    }
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, SPRAVATO, ny(MONDAY, 10))
    assert refused.value.errors == no_enrolment
    # A withdrawn enrolment is none.
    enrol_in_rems(cast, cast.dan, status="withdrawn")
    with pytest.raises(FieldErrors) as withdrawn:
        book(day, cast.dan, SPRAVATO, ny(MONDAY, 10))
    assert withdrawn.value.errors == no_enrolment
    enrol_in_rems(cast, cast.zoe)
    assert book(day, cast.zoe, SPRAVATO, ny(MONDAY, 10)).prescriber_on_site == cast.prescriber


def test_a_plan_not_signed_is_refused(day: Day) -> None:
    cast = day.cast
    signed = signed_plan(cast)
    draft = treatment.plan_revise(
        cast.actor(cast.prescriber), signed.pk, reason="Dose to review after the intake"
    )
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(MONDAY, 10), plan_id=draft.pk)
    assert refused.value.errors == {"plan": "this plan is draft: book from a signed plan"}


def test_a_plan_of_another_patient_is_refused(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.zoe, INFUSION, ny(MONDAY, 10), plan_id=plan.pk)
    assert refused.value.errors == {"plan": "no such plan for this patient"}


def test_a_plan_whose_protocol_the_service_does_not_deliver_is_refused(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    title = get_protocol("depression-iv-induction").title
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, "Ketamine IV infusion (4 h)", ny(MONDAY, 10), plan_id=plan.pk)
    assert refused.value.errors == {
        "plan": f"Ketamine IV infusion (4 h) does not deliver this plan's protocol ({title})"
    }


def test_a_booking_from_the_plan_keeps_its_place_in_the_course(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    first = book(day, cast.dan, INFUSION, ny(MONDAY, 10), plan_id=plan.pk)
    # Without a plan named, the patient's one signed plan this service delivers is taken.
    second = book(day, cast.dan, INFUSION, ny(MONDAY + timedelta(days=2), 10))
    assert [(a.plan, a.course_phase, a.course_number) for a in (first, second)] == [
        (plan, "induction", 1),
        (plan, "induction", 2),
    ]


def test_two_infusions_of_the_plan_closer_than_the_protocols_interval_are_refused(
    day: Day,
) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    book(day, cast.dan, INFUSION, ny(MONDAY, 10), plan_id=plan.pk)
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(TUESDAY, 10), plan_id=plan.pk)
    source = cite(*get_protocol("depression-iv-induction").limits.min_interval_hours.sources)
    assert refused.value.errors == {
        "start": "24 h from the session at 2026-03-02T15:00+00:00, less than the minimum 36 h "
        f"between sessions of protocol depression-iv-induction ({source})"
    }
    # 36 h after Monday 10:00 is Tuesday 22:00, after closing; Wednesday 10:00 is booked.
    wednesday = book(day, cast.dan, INFUSION, ny(TUESDAY + timedelta(days=1), 10), plan_id=plan.pk)
    assert wednesday.course_number == 2


def test_a_seventh_induction_infusion_is_beyond_the_phase(day: Day) -> None:
    """The plan's course goes on to maintenance, but that is another protocol's phase: the
    seventh infusion of this plan is still counted in its induction (and refused)."""
    cast = day.cast
    plan = signed_plan(cast)
    assert [p["phase"] for p in plan.course] == ["induction", "maintenance"]
    days = [MONDAY + timedelta(days=n) for n in (0, 2, 4, 7, 9, 11)]
    for n, when in enumerate(days, start=1):
        assert book(day, cast.dan, INFUSION, ny(when, 10)).course_number == n
    with refused_and_unwritten("appointment.create"), pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(MONDAY + timedelta(days=14), 10))
    phase = get_protocol("depression-iv-induction").schedule[0]
    assert refused.value.errors == {
        "start": "session 7 of phase 'induction' is beyond its 6 sessions (protocol "
        f"depression-iv-induction) ({cite(*phase.sources)})"
    }


def test_only_a_prescriber_books_past_the_interval_with_a_reason(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    book(day, cast.dan, INFUSION, ny(MONDAY, 10), plan_id=plan.pk)
    reason = "Travelling abroad from Thursday; discussed with the patient"
    with pytest.raises(FieldErrors) as desk:
        book(day, cast.dan, INFUSION, ny(TUESDAY, 10), plan_id=plan.pk, override_reason=reason)
    assert desk.value.errors == {
        "override_reason": "only a prescriber overrides the protocol's limits"
    }
    early = book(
        day,
        cast.dan,
        INFUSION,
        ny(TUESDAY, 10),
        plan_id=plan.pk,
        override_reason=reason,
        actor=cast.prescriber,
    )
    assert (early.override_reason, early.course_number) == (reason, 2)
    event = AuditEvent.objects.get(action="appointment.create", target_id=str(early.pk))
    assert event.reason == reason


def test_every_rule_broken_is_named_at_once(day: Day) -> None:
    cast = day.cast
    patients.patient_set_active(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        active=False,
        expected_version=cast.dan.version,
        reason="Moved away",
    )
    with pytest.raises(FieldErrors) as refused:
        book(day, cast.dan, INFUSION, ny(MONDAY, 6), plan_id=999_999)
    assert sorted(refused.value.errors) == ["patient", "plan", "start"]


def test_a_patient_of_another_clinic_is_not_visible_and_a_patient_login_may_not_book(
    day: Day,
) -> None:
    cast = day.cast
    with refused_and_unwritten("appointment.create"), pytest.raises(NotVisible):
        book(day, cast.erin, INFUSION, ny(MONDAY, 10))
    with refused_and_unwritten("appointment.create"), pytest.raises(NotPermitted):
        book(day, cast.dan, INFUSION, ny(MONDAY, 10), actor=cast.dan_login)


# --- the life of an appointment ---------------------------------------------------------------


def test_reschedule_with_a_stale_version_is_refused(day: Day) -> None:
    appointment = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    actor = day.cast.actor(day.cast.front_desk)
    moved = booking.appointment_reschedule(
        actor, appointment.pk, expected_version=1, start_at=ny(MONDAY, 11)
    )
    assert (moved.version, moved.start_at) == (2, utc(ny(MONDAY, 11)))
    with refused_and_unwritten("appointment.reschedule"), pytest.raises(StaleVersion) as stale:
        booking.appointment_reschedule(
            actor, appointment.pk, expected_version=1, start_at=ny(MONDAY, 12)
        )
    assert (stale.value.expected, stale.value.current) == (1, 2)


def test_reschedule_onto_a_taken_chair_is_refused(day: Day) -> None:
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    zoe = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 13))
    with refused_and_unwritten("appointment.reschedule"), pytest.raises(Taken) as taken:
        booking.appointment_reschedule(
            day.cast.actor(day.cast.nurse),
            zoe.pk,
            expected_version=1,
            start_at=ny(MONDAY, 10, 30),
            resource_id=dan.resource_id,
        )
    assert taken.value.conflicts == {"resource": CHAIR_TAKEN}


def test_rescheduling_frees_the_old_time(day: Day) -> None:
    chair = day.chairs[0].pk
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10), resource_id=chair)
    moved = booking.appointment_reschedule(
        day.cast.actor(day.cast.front_desk), dan.pk, expected_version=1, start_at=ny(MONDAY, 14)
    )
    assert placed(moved)[0] == "Chair 1"
    zoe = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10), resource_id=chair)
    assert (zoe.resource_id, zoe.start_at) == (chair, utc(ny(MONDAY, 10)))
    event = AuditEvent.objects.get(action="appointment.reschedule")
    assert event.changes == {
        "start": [utc(ny(MONDAY, 10)).isoformat(), utc(ny(MONDAY, 14)).isoformat()]
    }


def test_a_reschedule_into_the_past_is_refused(day: Day) -> None:
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    with refused_and_unwritten("appointment.reschedule"), pytest.raises(FieldErrors) as refused:
        booking.appointment_reschedule(
            day.cast.actor(day.cast.front_desk),
            dan.pk,
            expected_version=1,
            start_at=ny(MONDAY, 6),
        )
    assert refused.value.errors == {
        "start": "is in the past (record a walk-in within the hour it started)"
    }


def test_cancel_needs_a_reason_and_frees_the_slot(day: Day) -> None:
    chair = day.chairs[0].pk
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10), resource_id=chair)
    actor = day.cast.actor(day.cast.front_desk)
    for reason in ("", "  ", "no"):
        with refused_and_unwritten("appointment.cancel"), pytest.raises(FieldErrors) as refused:
            booking.appointment_cancel(actor, dan.pk, reason=reason)
        assert refused.value.errors == {"reason": "say why, in 3-500 characters"}
    cancelled = booking.appointment_cancel(actor, dan.pk, reason="  Patient   unwell ")
    assert (cancelled.status, cancelled.cancel_reason, cancelled.version) == (
        "cancelled",
        "Patient unwell",
        2,
    )
    assert cancelled.cancelled_at == datetime.now(UTC)
    zoe = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10), resource_id=chair)
    assert zoe.resource_id == chair
    with refused_and_unwritten("appointment.cancel"), pytest.raises(Conflict) as again:
        booking.appointment_cancel(actor, dan.pk, reason="Twice")
    assert again.value.message == (
        "this appointment is cancelled; this needs one that is booked or checked in"
    )


def test_check_in_is_on_the_day_and_needs_the_ride_home(
    day: Day, clock: time_machine.Coordinates
) -> None:
    cast = day.cast
    tuesday = book(day, cast.dan, INFUSION, ny(TUESDAY, 10))
    actor = cast.actor(cast.nurse)
    no_ride = (
        "record the escort or driver taking the patient home (name and phone) on the chart's "
        "contacts first: no driving until the next day after a night's sleep"
    )
    with refused_and_unwritten("appointment.check_in"), pytest.raises(FieldErrors) as refused:
        booking.appointment_check_in(actor, tuesday.pk)
    assert refused.value.errors == {
        "status": "check-in is on the day of the appointment (Tue 03 Mar 2026)",
        "ride_home": no_ride,
    }
    clock.move_to(ny(TUESDAY, 9, 40))
    with pytest.raises(FieldErrors) as on_the_day:
        booking.appointment_check_in(actor, tuesday.pk)
    assert on_the_day.value.errors == {"ride_home": no_ride}
    add_escort(cast)
    checked_in = booking.appointment_check_in(actor, tuesday.pk)
    assert (checked_in.status, checked_in.checked_in_at, checked_in.version) == (
        "checked_in",
        utc(ny(TUESDAY, 9, 40)),
        2,
    )


def test_a_service_without_a_ride_home_checks_in_without_an_escort(
    day: Day, clock: time_machine.Coordinates
) -> None:
    therapy = book(day, day.cast.dan, "Talk therapy", ny(MONDAY, 10))
    clock.move_to(ny(MONDAY, 9, 55))
    checked_in = booking.appointment_check_in(day.cast.actor(day.cast.front_desk), therapy.pk)
    assert checked_in.status == "checked_in"


def test_a_no_show_is_marked_only_after_the_start(
    day: Day, clock: time_machine.Coordinates
) -> None:
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    actor = day.cast.actor(day.cast.front_desk)
    clock.move_to(ny(MONDAY, 9, 59))
    with refused_and_unwritten("appointment.no_show"), pytest.raises(FieldErrors) as refused:
        booking.appointment_no_show(actor, dan.pk)
    assert refused.value.errors == {"status": "a no-show is marked once the start time has passed"}
    clock.move_to(ny(MONDAY, 10, 20))
    missed = booking.appointment_no_show(actor, dan.pk)
    assert (missed.status, missed.no_show_at, missed.version) == (
        "no_show",
        utc(ny(MONDAY, 10, 20)),
        2,
    )
    # A no-show holds nothing: the chair is bookable again from now.
    again = book(day, day.cast.zoe, INFUSION, ny(MONDAY, 10, 30), resource_id=dan.resource_id)
    assert again.resource_id == dan.resource_id


def test_another_clinics_staff_cannot_touch_an_appointment(day: Day) -> None:
    dan = book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    outsider = day.cast.actor(day.cast.outsider)
    with refused_and_unwritten("appointment.cancel"), pytest.raises(NotVisible):
        booking.appointment_cancel(outsider, dan.pk, reason="Not mine")
    with refused_and_unwritten("appointment.reschedule"), pytest.raises(NotVisible):
        booking.appointment_reschedule(
            outsider, dan.pk, expected_version=1, start_at=ny(MONDAY, 12)
        )


def test_the_opening_hours_are_the_sites_own(day: Day) -> None:
    """A change of the site's hours applies to the next booking."""
    setup.hours_set(
        day.cast.actor(day.cast.owner),
        site_id=day.site.pk,
        pattern={**WEEKDAYS, 0: [(time(12), time(18))]},
    )
    with pytest.raises(FieldErrors) as refused:
        book(day, day.cast.dan, INFUSION, ny(MONDAY, 10))
    assert refused.value.errors == {"start": OUTSIDE_HOURS}
