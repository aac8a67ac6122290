"""The nightly audit verify: a broken clinic chain raises one urgent alert to that clinic's
owners (a broken installation chain, to every clinic's), shown on their alerts page and in the
API; chains that hold raise nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils.html import escape

from ketacare.accounts.actor import system_actor
from ketacare.alerts.models import Alert
from ketacare.audit import services as audit
from ketacare.audit.models import AuditEvent
from ketacare.jobs import services
from ketacare.jobs.models import JobRun
from tests.conftest import Cast, logged_in

MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)


def break_chain(chain: int) -> int:
    """A row inserted out of band after the last one of ``chain`` (a clinic id, or 0 for the
    installation chain), as tests/audit/test_chain.py does: its id."""
    if chain == 0:  # an event of no clinic, so that the installation chain has a row
        audit.record_standalone(system_actor("test"), "auth.login_failed", outcome="failure")
    last = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
    assert last is not None and last.seq is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (chain, seq, occurred_at, action, outcome, actor_label, "
            "clinic_id, target_type, target_id, changes, data, request_id, reason, prev_hash, "
            "row_hash) VALUES (%s, %s, %s, 'patient.read', 'success', 'intruder', %s, '', '', "
            "'{}', '{}', '', '', %s, %s)",
            [chain, last.seq + 1, last.occurred_at, chain or None, last.row_hash, "f" * 64],
        )
    return AuditEvent.objects.get(chain=chain, seq=last.seq + 1).id


def broken(clinic_id: int | None, bad: int) -> list[dict[str, object]]:
    kind = "clinic" if clinic_id is not None else "installation"
    return [{"chain": kind, "clinic_id": clinic_id, "first_bad_row": bad}]


def message(bad: int) -> str:
    place = AuditEvent.objects.get(pk=bad).seq
    return (
        f"The audit log's hash chain is broken at event {bad}: row {place} does not match its "
        "hash (edited or inserted out of band). The command ketacare audit verify names it; "
        "keep a copy of the database as it is."
    )


def nightly(captured, now: datetime = MORNING) -> JobRun:  # type: ignore[no-untyped-def]
    """Run the day's schedule (tasks run at once in the suite); the audit verify run."""
    with captured(execute=True):
        services.schedule_due(now)
    return JobRun.objects.get(job="audit.verify_chain", run_key=now.date().isoformat())


def test_it_raises_nothing_when_the_chain_holds(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    checked = AuditEvent.objects.count()
    run = nightly(django_capture_on_commit_callbacks)
    assert (run.status, run.attempts) == ("succeeded", 1)
    assert run.result == {"checked": checked, "broken": [], "alerts_raised": 0}
    assert Alert.objects.count() == 0
    assert AuditEvent.objects.count() == checked


def test_a_broken_clinic_chain_raises_one_urgent_alert_to_that_clinics_owners(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    checked = AuditEvent.objects.count()
    bad = break_chain(cast.clinic.pk)
    run = nightly(django_capture_on_commit_callbacks)
    assert run.status == "succeeded"
    assert run.result == {
        "checked": checked,
        "broken": broken(cast.clinic.pk, bad),
        "alerts_raised": 1,
    }
    alert = Alert.objects.get()
    assert (alert.clinic_id, alert.patient_id, alert.kind, alert.severity, alert.message) == (
        cast.clinic.pk,
        None,
        "audit_chain",
        "urgent",
        message(bad),
    )
    assert (alert.source_type, alert.source_id) == ("audit.auditevent", str(bad))


def test_a_broken_installation_chain_raises_one_urgent_alert_to_each_clinics_owners(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    bad = break_chain(0)
    checked = AuditEvent.objects.count() - 1
    run = nightly(django_capture_on_commit_callbacks)
    assert run.status == "succeeded"
    assert run.result == {"checked": checked, "broken": broken(None, bad), "alerts_raised": 2}
    alerts = list(
        Alert.objects.order_by("clinic_id").values_list(
            "clinic_id", "patient_id", "kind", "severity", "message", "source_type", "source_id"
        )
    )
    assert alerts == [
        (clinic.pk, None, "audit_chain", "urgent", message(bad), "audit.auditevent", str(bad))
        for clinic in (cast.clinic, cast.other_clinic)
    ]
    raised = AuditEvent.objects.filter(action="alert.raise").order_by("id")
    assert [(e.clinic_id, e.patient_id, e.actor_label, e.data) for e in raised] == [
        (
            clinic.pk,
            None,
            "system: nightly audit verify",
            {"kind": "audit_chain", "severity": "urgent", "first_bad_row": bad},
        )
        for clinic in (cast.clinic, cast.other_clinic)
    ]


def test_a_second_run_the_same_day_does_nothing_and_the_next_day_raises_nothing_new(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    bad = break_chain(0)
    checked = AuditEvent.objects.count() - 1
    nightly(django_capture_on_commit_callbacks)
    events = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        later = services.schedule_due(MORNING + timedelta(hours=12))
    # Only the reminders' 5-minute job and the REMS forms' hourly one (they find no appointment
    # and no form, and write no audit event).
    assert [r.job for r in later] == ["scheduling.send_reminders", "sessions.rems_due_alerts"]
    assert JobRun.objects.filter(job="audit.verify_chain").count() == 1
    assert Alert.objects.count() == 2
    assert AuditEvent.objects.count() == events

    # The next night finds the same bad row: the owners already have their alert. (The
    # alerts of the first night are in the clinics' own chains, which hold.)
    run = nightly(django_capture_on_commit_callbacks, MORNING + timedelta(days=1))
    assert run.result == {
        "checked": checked + 2,
        "broken": broken(None, bad),
        "alerts_raised": 0,
    }
    assert Alert.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_the_owner_sees_and_acknowledges_the_clinic_alert_and_the_care_team_does_not(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    bad = break_chain(cast.clinic.pk)
    nightly(django_capture_on_commit_callbacks)
    alert = Alert.objects.get(clinic=cast.clinic)
    owner, nurse = logged_in(cast.owner.user), logged_in(cast.nurse.user)

    page = owner.get("/alerts/")
    assert [a.pk for a in page.context["alerts"]] == [alert.pk]
    assert page.context["ackable"] == {alert.pk}
    html = page.content.decode()
    assert 'Audit log integrity <span class="muted">(the clinic)</span>' in html
    assert escape(message(bad)) in html
    assert f'action="/alerts/{alert.pk}/acknowledge/"' in html
    assert 'Alerts <span class="counter">1<span class="visually-hidden"> open</span></span>' in html
    nurse_page = nurse.get("/alerts/")
    assert list(nurse_page.context["alerts"]) == []
    assert (
        'Alerts <span class="counter">1<span class="visually-hidden"> open</span></span>'
        not in nurse_page.content.decode()
    )

    listed = owner.get("/api/v1/alerts").json()
    assert [(a["id"], a["patient_id"], a["kind"], a["severity"]) for a in listed] == [
        (alert.pk, None, "audit_chain", "urgent")
    ]
    assert nurse.get("/api/v1/alerts").json() == []

    refused = nurse.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge",
        json.dumps({"note": "looked"}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None

    done = owner.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Restored from backup"})
    assert (done.status_code, done["Location"]) == (302, "/alerts/")
    alert.refresh_from_db()
    assert (alert.acknowledged_by_id, alert.acknowledgement_note) == (
        cast.owner.user_id,
        "Restored from backup",
    )
    assert owner.get("/api/v1/alerts").json() == []
