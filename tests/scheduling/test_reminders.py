"""Appointment reminders: at the clinic's offsets (48 h and 2 h by default), by email, each at
most once: a second run, a second worker or a restart after the claim sends nothing again; a
rule turned off and a cancelled appointment send none; the email names the service, the local
time and the place, and how to prepare for a drug service, and nothing clinical."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from ketacare.audit.models import AuditEvent
from ketacare.jobs import services as jobs
from ketacare.jobs.models import JobRun
from ketacare.lib.errors import FieldErrors, NotPermitted
from ketacare.patients import services as patients
from ketacare.scheduling import booking, reminders
from ketacare.scheduling.models import Appointment, ReminderRule, ReminderSent
from ketacare.scheduling.reminder_email import instructions
from tests.scheduling.conftest import MONDAY, Day, ny, signed_plan

TUESDAY = MONDAY + timedelta(days=1)
NOTHING = {"due": 0, "sent": 0, "no_email": 0, "not_claimed": 0, "failed": 0}
ONE_SENT = {**NOTHING, "due": 1, "sent": 1}
INFUSION_BODY = """This is a reminder of your appointment at Harbor Ketamine Clinic.

What: Ketamine IV infusion
When: Tuesday 3 March 2026 at 09:00 EST
Where: Harbor Ketamine Clinic, Boston, MA

Before you come:
- Do not eat for 6 hours and do not drink anything for 2 hours before your appointment.
- Arrange a ride home: you must not drive after your treatment. Someone must take you home.
- Do not drive or operate machinery until the next day, after a restful sleep.

To change or cancel it, call the clinic.
"""


def give_dan_an_email(day: Day) -> None:
    dan = day.cast.dan
    dan.refresh_from_db()
    patients.patient_update(
        day.cast.actor(day.cast.front_desk),
        dan.pk,
        data={"email": "dan@example.com"},
        expected_version=dan.version,
    )


@pytest.fixture
def infusion(day: Day) -> Appointment:
    """Dan's infusion on Tuesday 09:00 New York (14:00 UTC), 26 h after the clock's Monday
    07:00: inside the 48 h reminder's window, not yet the 2 h one's."""
    reminders.reminder_rules_seed(day.cast.actor(day.cast.owner))
    give_dan_an_email(day)
    plan = signed_plan(day.cast)
    return booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        day.cast.dan.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=ny(TUESDAY, 9),
        plan_id=plan.pk,
    )


def test_the_clinic_starts_with_48_and_2_hours(day: Day) -> None:
    owner = day.cast.actor(day.cast.owner)
    assert [r.hours_before for r in reminders.reminder_rules_seed(owner)] == [48, 2]
    assert reminders.reminder_rules_seed(owner) == []
    assert sorted(
        ReminderRule.objects.filter(clinic=day.cast.clinic).values_list("hours_before", "is_active")
    ) == [(2, True), (48, True)]
    with pytest.raises(NotPermitted):
        reminders.reminder_rules_seed(day.cast.actor(day.cast.front_desk))


def test_the_owner_turns_a_reminder_off_or_adds_one(day: Day) -> None:
    owner = day.cast.actor(day.cast.owner)
    reminders.reminder_rules_seed(owner)
    off = reminders.reminder_rule_set(owner, 48, active=False)
    assert (off.hours_before, off.is_active, off.version) == (48, False, 2)
    added = reminders.reminder_rule_set(owner, 24, active=True)
    assert (added.hours_before, added.is_active, added.version) == (24, True, 1)
    for bad in (0, 337, True):
        with pytest.raises(FieldErrors) as refused:
            reminders.reminder_rule_set(owner, bad, active=True)  # type: ignore[arg-type]
        assert refused.value.errors == {
            "hours_before": "must be a whole number of hours from 1 to 336"
        }
    with pytest.raises(NotPermitted):
        reminders.reminder_rule_set(day.cast.actor(day.cast.nurse), 48, active=True)
    changes = [
        e.changes for e in AuditEvent.objects.filter(action="reminder_rule.update").order_by("id")
    ]
    assert changes[2:] == [
        {"is_active": [True, False]},
        {"hours_before": [None, 24], "is_active": [None, True]},
    ]


def test_a_reminder_goes_out_once_at_each_offset(
    day: Day, infusion: Appointment, clock: time_machine.Coordinates
) -> None:
    assert reminders.send_reminders() == ONE_SENT
    [email] = mail.outbox
    assert (email.to, email.subject, email.body) == (
        ["dan@example.com"],
        "Reminder: Ketamine IV infusion on Tuesday 3 March 2026 at 09:00 EST",
        INFUSION_BODY,
    )
    [claim] = ReminderSent.objects.all()
    assert (claim.hours_before, claim.sent_at) == (48, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    # The next turns of the worker: nothing more until the 2 h reminder is due.
    assert reminders.send_reminders() == NOTHING
    clock.move_to(datetime(2026, 3, 3, 11, 59, tzinfo=UTC))
    assert reminders.send_reminders() == NOTHING
    clock.move_to(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert reminders.send_reminders() == ONE_SENT
    assert reminders.send_reminders() == NOTHING
    assert len(mail.outbox) == 2
    assert sorted(ReminderSent.objects.values_list("hours_before", flat=True)) == [2, 48]
    events = AuditEvent.objects.filter(action="appointment.reminder").order_by("id")
    assert [(e.actor_label, e.patient_id, e.target_id, e.data) for e in events] == [
        (
            "system: scheduling.send_reminders",
            day.cast.dan.pk,
            str(infusion.pk),
            {"hours_before": hours, "channel": "email"},
        )
        for hours in (48, 2)
    ]
    # Once the appointment has started, no reminder is due.
    clock.move_to(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    ReminderSent.objects.filter(hours_before=2).delete()
    assert reminders.send_reminders() == NOTHING


def test_a_claim_left_by_a_stopped_worker_is_never_sent_again(
    day: Day, infusion: Appointment, clock: time_machine.Coordinates
) -> None:
    """The worker claimed the 48 h reminder and stopped before sending it: the restarted
    worker does not send it (at most once: this one is lost), only the 2 h one later."""
    ReminderSent.objects.create(appointment=infusion, hours_before=48)
    assert reminders.send_reminders() == NOTHING
    assert mail.outbox == []
    assert ReminderSent.objects.get().sent_at is None
    clock.move_to(datetime(2026, 3, 3, 12, 30, tzinfo=UTC))
    assert reminders.send_reminders() == ONE_SENT
    assert len(mail.outbox) == 1


def test_two_workers_claiming_at_once_send_one(day: Day, infusion: Appointment) -> None:
    first = reminders._claim(infusion, 48)
    second = reminders._claim(infusion, 48)
    assert first is not None and second is None
    assert ReminderSent.objects.count() == 1


def test_a_rule_turned_off_sends_nothing(
    day: Day, infusion: Appointment, clock: time_machine.Coordinates
) -> None:
    owner = day.cast.actor(day.cast.owner)
    reminders.reminder_rule_set(owner, 48, active=False)
    assert reminders.send_reminders() == NOTHING
    reminders.reminder_rule_set(owner, 2, active=False)
    clock.move_to(datetime(2026, 3, 3, 12, 30, tzinfo=UTC))
    assert reminders.send_reminders() == NOTHING
    assert (mail.outbox, ReminderSent.objects.count()) == ([], 0)


def test_a_cancelled_appointment_gets_none(day: Day, infusion: Appointment) -> None:
    booking.appointment_cancel(
        day.cast.actor(day.cast.front_desk), infusion.pk, reason="patient is unwell"
    )
    assert reminders.send_reminders() == NOTHING
    assert mail.outbox == []


def test_only_the_shortest_due_offset_is_sent(day: Day, clock: time_machine.Coordinates) -> None:
    """Booked 1 h ahead, with rules at 48 h and 2 h: one reminder (2 h), not two at once."""
    reminders.reminder_rules_seed(day.cast.actor(day.cast.owner))
    clock.move_to(ny(MONDAY, 9))
    booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        day.cast.zoe.pk,
        service_id=day.service("IV hydration").pk,
        start_at=ny(MONDAY, 10),
    )
    assert reminders.send_reminders() == ONE_SENT
    assert reminders.send_reminders() == NOTHING
    assert list(ReminderSent.objects.values_list("hours_before", flat=True)) == [2]
    [email] = mail.outbox
    assert email.to == ["Zoe.Dordevic@Example.COM"]
    assert email.body == (
        "This is a reminder of your appointment at Harbor Ketamine Clinic.\n\n"
        "What: IV hydration\n"
        "When: Monday 2 March 2026 at 10:00 EST\n"
        "Where: Harbor Ketamine Clinic, Boston, MA\n\n"
        "To change or cancel it, call the clinic.\n"
    )


def test_a_patient_without_an_email_is_counted_and_not_claimed(day: Day) -> None:
    reminders.reminder_rules_seed(day.cast.actor(day.cast.owner))
    booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        day.cast.dan.pk,
        service_id=day.service("IV hydration").pk,
        start_at=ny(TUESDAY, 9),
    )
    assert reminders.send_reminders() == {**NOTHING, "due": 1, "no_email": 1}
    assert (mail.outbox, ReminderSent.objects.count()) == ([], 0)


def test_the_email_has_no_clinical_detail(day: Day, infusion: Appointment) -> None:
    reminders.send_reminders()
    [email] = mail.outbox
    plan = infusion.plan
    assert plan is not None
    text = f"{email.subject}\n{email.body}".lower()
    for clinical in (
        "f33",
        "depress",
        "diagnos",
        " mg",
        str(plan.dose_mg),
        plan.protocol_id,
        "ketalar",
        "phq",
        "dawson",
    ):
        assert clinical not in text, clinical


def test_the_job_runs_through_the_registry_and_its_summary_holds_counts_only(
    day: Day, infusion: Appointment, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("scheduling.send_reminders")
    run = JobRun.objects.get(job="scheduling.send_reminders")
    assert (run.status, run.result) == ("succeeded", ONE_SENT)
    assert len(mail.outbox) == 1


def test_spravato_preparation_is_the_labels(day: Day) -> None:
    """No food for 2 h, no liquids for 30 min (SPRAVATO label), whatever the clinic's general
    fasting settings; no driving until the next day after a restful sleep (label)."""
    spravato = Appointment(
        clinic=day.cast.clinic, service=day.service("Spravato session"), site=day.site
    )
    assert [(i.text, i.sources) for i in instructions(spravato)] == [
        (
            "Do not eat for 2 hours and do not drink anything for 30 minutes before your "
            "appointment.",
            ("spravato-pi",),
        ),
        (
            "Arrange a ride home: you must not drive after your treatment. Someone must take "
            "you home.",
            ("clinic-rules-design", "sanacora-2017-unverified"),
        ),
        (
            "Do not drive or operate machinery until the next day, after a restful sleep.",
            ("spravato-pi",),
        ),
    ]
    hydration = Appointment(clinic=day.cast.clinic, service=day.service("IV hydration"))
    assert instructions(hydration) == []
