"""The REMS queue's three states, recording a submission and its refusals, and the read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible
from ketacare.sessions.models import RemsForm
from ketacare.sessions.rems import (
    ConfirmationFile,
    rems_counts,
    rems_form_view,
    rems_mark_submitted,
    rems_queue,
)

from .world import World, ny

PDF = ConfirmationFile("receipt.pdf", "application/pdf", b"%PDF-1.4 receipt")


def submit(world: World, **changes: object) -> RemsForm:
    kwargs: dict[str, object] = {
        "method": "portal",
        "submitted_at": ny(14, 0),
        "confirmation": "REMS-778812",
    }
    kwargs.update(changes)
    actor = kwargs.pop("actor", world.cast.actor(world.cast.nurse))
    return rems_mark_submitted(actor, world.form.pk, **kwargs)  # type: ignore[arg-type]


def form_state(world: World) -> tuple[object, ...]:
    form = world.form
    return (
        form.submitted_at,
        form.method,
        form.confirmation,
        form.fields,
        form.confirmation_file,
        form.version,
    )


def refusals() -> list[tuple[str, str]]:
    return [
        (e.data["attempted"], e.data["refused"])
        for e in AuditEvent.objects.filter(action="write.refused").order_by("id")
    ]


# --- the queue ---------------------------------------------------------------------------------


def rows(world: World, status: str) -> list[tuple[object, ...]]:
    return [
        (
            r.patient_label,
            r.session_date.isoformat(),
            r.due_on.isoformat(),
            r.days_left,
            r.missing_count,
        )
        for r in rems_queue(world.cast.actor(world.cast.owner), status)
    ]


def test_a_form_is_due_until_its_due_date_then_overdue(complete: World) -> None:
    complete.at(14, 0)
    assert rows(complete, "due") == [("Dawson, Dan (H-1001)", "2026-03-03", "2026-03-10", 7, 0)]
    assert rows(complete, "overdue") == []
    # Due on 10 March (local): still due at 23:59 that day, overdue the next local day.
    complete.clock.move_to(datetime(2026, 3, 11, 3, 59, tzinfo=UTC))  # 23:59 EDT on the 10th
    assert [r[3] for r in rows(complete, "due")] == [0]
    complete.clock.move_to(datetime(2026, 3, 11, 4, 0, tzinfo=UTC))
    assert rows(complete, "due") == []
    assert rows(complete, "overdue") == [
        ("Dawson, Dan (H-1001)", "2026-03-03", "2026-03-10", -1, 0)
    ]


def test_a_submitted_form_leaves_due_for_submitted(complete: World) -> None:
    complete.at(14, 0)
    submit(complete)
    assert rows(complete, "due") == []
    assert rows(complete, "submitted") == [
        ("Dawson, Dan (H-1001)", "2026-03-03", "2026-03-10", 7, 0)
    ]


def test_the_queue_counts_missing_fields(charted: World) -> None:
    assert [r[4] for r in rows(charted, "due")] == [5]


def test_the_queue_read_is_audited_naming_the_patients(complete: World) -> None:
    rems_queue(complete.cast.actor(complete.cast.nurse), "due")
    event = AuditEvent.objects.filter(action="rems_form.list").latest("id")
    assert event.data == {"status": "due", "count": 1, "patients": [str(complete.cast.dan.pk)]}


def test_the_queue_refuses_an_unknown_status_and_staff_without_rems(complete: World) -> None:
    with pytest.raises(FieldErrors) as caught:
        rems_queue(complete.cast.actor(complete.cast.owner), "late")
    assert caught.value.errors == {"status": "must be one of due, overdue, submitted"}
    for who in (complete.cast.front_desk, complete.cast.dan_login):
        with pytest.raises(NotPermitted):
            rems_queue(complete.cast.actor(who), "due")


def test_another_clinics_queue_is_empty(complete: World) -> None:
    assert rems_queue(complete.cast.actor(complete.cast.outsider), "due") == []


def test_header_counts(complete: World) -> None:
    assert rems_counts(complete.cast.owner) == (1, 0)
    complete.clock.move_to(datetime(2026, 3, 12, 12, 0, tzinfo=UTC))
    assert rems_counts(complete.cast.owner) == (0, 1)
    assert rems_counts(complete.cast.outsider) == (0, 0)


# --- the read ---------------------------------------------------------------------------------


def test_staff_read_the_form_audited(complete: World) -> None:
    view = rems_form_view(complete.cast.actor(complete.cast.owner), complete.session.pk)
    assert (view.content.missing, view.days_left, view.submitted) == ((), 7, False)
    event = AuditEvent.objects.filter(action="rems_form.read").latest("id")
    assert (event.patient_id, event.target_id, event.data) == (
        complete.cast.dan.pk,
        str(complete.form.pk),
        {"session": complete.session.pk, "missing": 0},
    )


def test_a_patient_may_not_read_their_form_and_others_do_not_see_it(complete: World) -> None:
    with pytest.raises(NotPermitted):
        rems_form_view(complete.cast.actor(complete.cast.dan_login), complete.session.pk)
    with pytest.raises(NotPermitted):
        rems_form_view(complete.cast.actor(complete.cast.front_desk), complete.session.pk)
    with pytest.raises(NotVisible):
        rems_form_view(complete.cast.actor(complete.cast.outsider), complete.session.pk)
    assert not AuditEvent.objects.filter(action="rems_form.read").exists()


# --- the submission ---------------------------------------------------------------------------


def test_recording_a_submission_keeps_the_fields_as_submitted(complete: World) -> None:
    complete.at(14, 0)
    form = submit(complete, method="fax", file=PDF)
    form.refresh_from_db()
    assert (
        form.method,
        form.submitted_at,
        form.confirmation,
        form.submitted_by,
        form.submitted_by_label,
        bytes(form.confirmation_file),
        form.confirmation_file_name,
        form.confirmation_file_type,
        form.version,
    ) == (
        "fax",
        ny(14, 0),
        "REMS-778812",
        complete.cast.nurse.user,
        "Nina Nurse <nina@example.com> (nurse)",
        b"%PDF-1.4 receipt",
        "receipt.pdf",
        "application/pdf",
        2,
    )
    assert form.fields["missing"] == []
    keys = [f["key"] for s in form.fields["sections"] for f in s["fields"]]
    assert len(keys) == 39 and keys[0] == "patient_first_name"
    event = AuditEvent.objects.get(action="rems_form.submit")
    assert (event.patient_id, event.actor_id, event.changes, event.data) == (
        complete.cast.dan.pk,
        complete.cast.nurse.user.pk,
        {
            "submitted_at": [None, "2026-03-03T19:00:00Z"],
            "method": ["", "fax"],
            "confirmation": ["", "REMS-778812"],
        },
        {"session": complete.session.pk, "file": "receipt.pdf", "file_bytes": 16},
    )


def test_the_submitted_form_shows_the_snapshot_not_todays_chart(complete: World) -> None:
    complete.at(14, 0)
    submit(complete)
    complete.site.phone = ""
    complete.site.save()
    view = rems_form_view(complete.cast.actor(complete.cast.owner), complete.session.pk)
    assert view.submitted
    assert view.content.field("hcp_phone").text == "+1 617 555 0100"


def test_a_form_with_empty_fields_is_refused_naming_them(charted: World) -> None:
    charted.at(12, 30)
    before = form_state(charted)
    with pytest.raises(FieldErrors) as caught:
        submit(charted, submitted_at=ny(12, 30))
    assert caught.value.errors == {
        "fields.monitoring_end_time": "End of monitoring: still empty on the form",
        "fields.total_monitoring_min": "Total minutes from first device to end of monitoring "
        "(at least 120): still empty on the form",
        "fields.ready_without_rule_min": "REMS evaluation: minutes after the first device until "
        "the patient would have been ready to leave without the 2-hour requirement: still "
        "empty on the form",
        "fields.vitals_acceptable_before_completion": "Vital signs acceptable before session "
        "completion: still empty on the form",
        "fields.bp_before_completion": "Blood pressure before session completion: still empty "
        "on the form",
    }
    assert form_state(charted) == before
    assert not AuditEvent.objects.filter(action="rems_form.submit").exists()
    assert refusals() == [("rems_form.submit", "FieldErrors")]


def test_a_second_submission_is_a_conflict(complete: World) -> None:
    complete.at(14, 0)
    submit(complete)
    before = form_state(complete)
    with pytest.raises(Conflict) as caught:
        submit(complete, confirmation="OTHER-1")
    assert caught.value.message == (
        "this form was submitted already (REMS portal, confirmation REMS-778812, by "
        "Nina Nurse <nina@example.com> (nurse))"
    )
    assert form_state(complete) == before
    assert AuditEvent.objects.filter(action="rems_form.submit").count() == 1
    assert refusals() == [("rems_form.submit", "Conflict")]


@pytest.mark.parametrize("who", ["front_desk", "dan_login"])
def test_without_rems_manage_nothing_is_written(complete: World, who: str) -> None:
    before = form_state(complete)
    with pytest.raises(NotPermitted):
        submit(complete, actor=complete.cast.actor(getattr(complete.cast, who)))
    assert form_state(complete) == before
    assert refusals() == [("rems_form.submit", "NotPermitted")]


def test_another_clinic_does_not_see_the_form(complete: World) -> None:
    before = form_state(complete)
    with pytest.raises(NotVisible):
        submit(complete, actor=complete.cast.actor(complete.cast.outsider))
    assert form_state(complete) == before
    assert refusals() == [("rems_form.submit", "NotVisible")]


def test_bad_input_is_refused_all_at_once(complete: World) -> None:
    complete.at(14, 0)
    before = form_state(complete)
    with pytest.raises(FieldErrors) as caught:
        submit(
            complete,
            method="email",
            submitted_at=ny(14, 0) + timedelta(minutes=6),
            confirmation="  ",
            file=ConfirmationFile("x.exe", "application/x-msdownload", b"MZ"),
        )
    assert caught.value.errors == {
        "method": "must be one of portal, fax",
        "submitted_at": "must not be in the future",
        "confirmation": "give the confirmation number the REMS portal or fax gave",
        "file": "must be a PDF, PNG or JPEG file",
    }
    assert form_state(complete) == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"submitted_at": datetime(2026, 3, 3, 14, 0)},  # noqa: DTZ001
            {"submitted_at": "give the date and time it was submitted, with its time zone"},
        ),
        (
            {"submitted_at": None},
            {"submitted_at": "give the date and time it was submitted, with its time zone"},
        ),
        ({"submitted_at": ny(9, 0)}, {"submitted_at": "must be after the session started"}),
        ({"confirmation": "x" * 201}, {"confirmation": "must be at most 200 characters"}),
        (
            {"file": ConfirmationFile("big.pdf", "application/pdf", b"x" * (5 * 1024 * 1024 + 1))},
            {"file": "must be at most 5 MB; got 5242881 bytes"},
        ),
        (
            {"file": ConfirmationFile("e.pdf", "application/pdf", b"")},
            {"file": "the file is empty"},
        ),
    ],
)
def test_each_input_rule(
    complete: World, changes: dict[str, object], errors: dict[str, str]
) -> None:
    complete.at(14, 0)
    with pytest.raises(FieldErrors) as caught:
        submit(complete, **changes)
    assert caught.value.errors == errors
    assert complete.form.submitted_at is None
