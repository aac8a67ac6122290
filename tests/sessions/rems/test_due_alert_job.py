"""The job that alerts the clinic when a REMS form is two days from due and not submitted."""

from __future__ import annotations

from datetime import UTC, datetime

from ketacare.alerts.models import Alert
from ketacare.alerts.services import alert_acknowledge, open_alerts
from ketacare.audit.models import AuditEvent
from ketacare.jobs import schedule
from ketacare.sessions.jobs import REMS_DUE_JOB, rems_due_alerts

from .test_queue_and_submission import submit
from .world import World

#: The form of the 3 March session is due 10 March; two days before, local, is 8 March
#: (EST until 02:00, then EDT): 8 March 00:00 EST is 05:00 UTC.
EIGHTH_LOCAL_MIDNIGHT = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def rems_alerts() -> list[tuple[str, str, object, str]]:
    return [
        (a.kind, a.severity, a.patient_id, a.message)
        for a in Alert.objects.filter(kind=Alert.Kind.REMS_DUE).order_by("id")
    ]


def test_the_job_is_registered_hourly() -> None:
    job = schedule.get(REMS_DUE_JOB)
    assert (job.func, str(job.schedule)) == (rems_due_alerts, "every 1 h")


def test_no_alert_three_days_before_due(complete: World) -> None:
    complete.clock.move_to(datetime(2026, 3, 8, 4, 59, tzinfo=UTC))  # 23:59 EST on the 7th
    assert rems_due_alerts() == {"raised": 0, "days_before_due": 2}
    assert rems_alerts() == []
    assert complete.form.due_alert_sent_at is None


def test_one_alert_two_days_before_due_and_never_again(complete: World) -> None:
    complete.clock.move_to(EIGHTH_LOCAL_MIDNIGHT)
    assert rems_due_alerts() == {"raised": 1, "days_before_due": 2}
    assert rems_alerts() == [
        (
            "rems_due",
            "high",
            complete.cast.dan.pk,
            "Spravato REMS Patient Monitoring Form due in 2 days (due 03/10/2026): submit it by "
            "the REMS portal or fax and record the submission.",
        )
    ]
    assert complete.form.due_alert_sent_at == EIGHTH_LOCAL_MIDNIGHT
    alert = Alert.objects.get(kind=Alert.Kind.REMS_DUE)
    assert (alert.source_type, alert.source_id) == ("chairside.remsform", str(complete.form.pk))
    event = AuditEvent.objects.get(action="rems_form.due_alert")
    assert (event.clinic_id, event.patient_id, event.actor_label, event.data) == (
        complete.cast.clinic.pk,
        complete.cast.dan.pk,
        "system: sessions.rems_due_alerts",
        {"due_on": "2026-03-10", "days_left": 2},
    )
    raised = AuditEvent.objects.get(action="alert.raise")
    assert raised.clinic_id == complete.cast.clinic.pk
    complete.clock.move_to(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert rems_due_alerts() == {"raised": 0, "days_before_due": 2}
    assert len(rems_alerts()) == 1


def test_no_alert_for_a_submitted_form(complete: World) -> None:
    complete.at(14, 0)
    submit(complete)
    complete.clock.move_to(EIGHTH_LOCAL_MIDNIGHT)
    assert rems_due_alerts() == {"raised": 0, "days_before_due": 2}
    assert rems_alerts() == []


def test_a_form_found_late_is_alerted_as_overdue(complete: World) -> None:
    complete.clock.move_to(datetime(2026, 3, 12, 14, 0, tzinfo=UTC))
    assert rems_due_alerts() == {"raised": 1, "days_before_due": 2}
    assert rems_alerts()[0][3].startswith(
        "Spravato REMS Patient Monitoring Form overdue by 2 days (due 03/10/2026)"
    )


def test_the_owner_sees_the_alert_and_may_clear_it(complete: World) -> None:
    complete.clock.move_to(EIGHTH_LOCAL_MIDNIGHT)
    rems_due_alerts()
    owner = complete.cast.actor(complete.cast.owner)
    shown = [a.kind for a in open_alerts(owner)]
    assert shown == ["rems_due"]
    alert = Alert.objects.get(kind=Alert.Kind.REMS_DUE)
    alert_acknowledge(owner, alert.pk, note="Submitted by fax this morning")
    alert.refresh_from_db()
    assert alert.acknowledged_by == complete.cast.owner.user


def test_the_owners_alert_page_lists_it(complete: World, as_role) -> None:  # type: ignore[no-untyped-def]
    complete.clock.move_to(EIGHTH_LOCAL_MIDNIGHT)
    rems_due_alerts()
    page = as_role("owner").get("/alerts/").content.decode()
    assert "Spravato REMS form due" in page
    assert "due in 2 days (due 03/10/2026)" in page
