"""Consultation requests: added by the public site (a system actor naming the clinic) or the
desk, listed newest first, marked contacted, closed with a note; each change audited, every
refusal naming the field and the rule with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted, NotVisible, StaleVersion
from ketacare.scheduling import requests
from ketacare.scheduling.models import ConsultationRequest
from tests.conftest import Cast
from tests.scheduling.requests_helpers import PUBLIC_SITE, ask, ask_lakeside

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_the_public_site_adds_a_request_to_the_clinic_it_names(cast: Cast) -> None:
    row = ask(cast, email="  Pat.Quinn@Example.COM ", preferred_times="mornings")
    assert (row.clinic_id, row.full_name, row.email, row.phone, row.status, row.version) == (
        cast.clinic.pk,
        "Pat Quinn",
        "pat.quinn@example.com",
        "+1 617 555 0142",
        "new",
        1,
    )
    event = AuditEvent.objects.get(action="consultation_request.create")
    assert (event.clinic_id, event.actor_label, event.target_id, event.data) == (
        cast.clinic.pk,
        "system: public website",
        str(row.pk),
        {"source": "public"},
    )


def test_a_system_actor_must_name_the_clinic(cast: Cast) -> None:
    with pytest.raises(NotVisible):
        requests.consultation_request_create(PUBLIC_SITE, data={"full_name": "X", "phone": "1"})
    assert ConsultationRequest.objects.count() == 0


def test_the_desk_adds_one_to_its_own_clinic_only(cast: Cast) -> None:
    desk = cast.actor(cast.front_desk)
    row = requests.consultation_request_create(
        desk, data={"full_name": "Ann Call", "email": "ann@example.com"}
    )
    assert (row.clinic_id, row.phone, row.email) == (cast.clinic.pk, "", "ann@example.com")
    with pytest.raises(NotVisible):
        requests.consultation_request_create(
            desk, clinic=cast.other_clinic, data={"full_name": "Ann", "phone": "5550100"}
        )
    with pytest.raises(NotPermitted):
        requests.consultation_request_create(
            cast.actor(cast.dan_login), data={"full_name": "Dan", "phone": "5550100"}
        )
    assert ConsultationRequest.objects.count() == 1
    refused = AuditEvent.objects.filter(action="write.refused").order_by("id")
    assert [e.data["attempted"] for e in refused] == ["consultation_request.create"] * 2


def test_bad_input_names_each_field_and_its_rule_at_once(cast: Cast) -> None:
    with pytest.raises(FieldErrors) as neither:
        ask(cast, full_name="  ", phone="")
    assert neither.value.errors == {
        "full_name": "must be 1-200 characters; got 0",
        "email": "give an email address or a phone number: one of them is required",
        "phone": "give an email address or a phone number: one of them is required",
    }
    with pytest.raises(FieldErrors) as bad:
        ask(
            cast,
            full_name="N" * 201,
            email="not-an-email",
            phone="call me",
            preferred_times="x" * 301,
            message="m" * 2001,
        )
    assert bad.value.errors == {
        "full_name": "must be 1-200 characters; got 201",
        "preferred_times": "must be at most 300 characters; got 301",
        "message": "must be at most 2000 characters; got 2001",
        "email": "must be an email address such as name@example.com",
        "phone": "must be a phone number of 7–24 digits, spaces, +, -, ( or )",
    }
    with pytest.raises(FieldErrors) as lines:
        ask(cast, full_name="Pat\nQuinn", message="two\nlines are fine", phone="555\x000100")
    assert lines.value.errors == {
        "full_name": "must be a single line: no tabs or line breaks",
        "phone": "must not contain control characters (such as NUL)",
    }
    assert ConsultationRequest.objects.count() == 0


def test_the_queue_is_newest_first_and_filters_by_status(cast: Cast) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        first = ask(cast, "First Caller")
        clock.move_to(T0 + timedelta(hours=1))
        second = ask(cast, "Second Caller")
        ask_lakeside(cast)
    desk = cast.actor(cast.front_desk)
    requests.consultation_request_update(
        desk, first.pk, expected_version=1, status="contacted", note="left a voicemail"
    )
    assert [r.full_name for r in requests.list_requests(desk)] == ["Second Caller", "First Caller"]
    assert [r.pk for r in requests.list_requests(desk, statuses=("contacted",))] == [first.pk]
    read = AuditEvent.objects.filter(action="consultation_request.read").order_by("id")
    assert [e.data for e in read] == [
        {"statuses": [], "shown": [second.pk, first.pk]},
        {"statuses": ["contacted"], "shown": [first.pk]},
    ]
    with pytest.raises(FieldErrors) as bad:
        requests.list_requests(desk, statuses=("pending",))
    assert bad.value.errors == {"status": "must be one of: new, contacted, booked, closed"}
    with pytest.raises(NotPermitted):
        requests.list_requests(cast.actor(cast.dan_login))


def test_marking_contacted_and_closing_with_a_note(cast: Cast) -> None:
    row = ask(cast)
    desk = cast.actor(cast.front_desk)
    contacted = requests.consultation_request_update(
        desk, row.pk, expected_version=1, status="contacted"
    )
    assert (contacted.status, contacted.note, contacted.version) == ("contacted", "", 2)
    with pytest.raises(FieldErrors) as no_note:
        requests.consultation_request_update(desk, row.pk, expected_version=2, status="closed")
    assert no_note.value.errors == {"note": "say why the request is closed (1-2000 characters)"}
    closed = requests.consultation_request_update(
        desk, row.pk, expected_version=2, status="closed", note=" Chose another clinic "
    )
    assert (closed.status, closed.note, closed.version) == ("closed", "Chose another clinic", 3)
    events = AuditEvent.objects.filter(action="consultation_request.update").order_by("id")
    assert [e.changes for e in events] == [
        {"status": ["new", "contacted"]},
        {"status": ["contacted", "closed"], "note": ["", "Chose another clinic"]},
    ]


def test_a_stale_version_a_booked_request_and_a_bad_status_are_refused(cast: Cast) -> None:
    row = ask(cast)
    desk = cast.actor(cast.front_desk)
    requests.consultation_request_update(desk, row.pk, expected_version=1, note="called")
    with pytest.raises(StaleVersion) as stale:
        requests.consultation_request_update(desk, row.pk, expected_version=1, status="contacted")
    assert stale.value.message == (
        "this record is at version 2, your edit was based on version 1; reload it and apply "
        "your change again"
    )
    with pytest.raises(FieldErrors) as bad:
        requests.consultation_request_update(
            desk, row.pk, expected_version=2, status="booked", note="n" * 2001
        )
    assert bad.value.errors == {
        "status": "must be one of: new, contacted, closed (booked is set by booking the "
        "consultation)",
        "note": "must be at most 2000 characters; got 2001",
    }
    ConsultationRequest.objects.filter(pk=row.pk).update(status="booked")
    with pytest.raises(Conflict) as booked:
        requests.consultation_request_update(desk, row.pk, expected_version=2, status="new")
    assert booked.value.message == (
        "this request is booked: its consultation is an appointment (cancel or move the "
        "appointment instead)"
    )
    row.refresh_from_db()
    assert (row.status, row.note, row.version) == ("booked", "called", 2)


def test_another_clinics_request_is_not_found(cast: Cast) -> None:
    theirs = ask_lakeside(cast)
    with pytest.raises(NotVisible):
        requests.consultation_request_update(
            cast.actor(cast.front_desk), theirs.pk, expected_version=1, status="contacted"
        )
    with pytest.raises(NotPermitted):
        requests.get_request(cast.actor(cast.dan_login), ask(cast).pk)
