"""The front desk's queue page: four-way permissions for each page and action, mark
contacted, close with a note (errors on the row, the note kept), and booking the free
consultation for an existing or a new patient, all or nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from ketacare.patients.models import Patient
from ketacare.scheduling.models import Appointment, ConsultationRequest
from tests.conftest import Cast
from tests.scheduling.conftest import Day
from tests.scheduling.requests_helpers import ask, ask_lakeside

QUEUE = reverse("consultations:queue")


def login_redirect(response: Any, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"/accounts/login/?next={path}"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_queue_four_ways(cast: Cast, as_role: Any) -> None:
    ask(cast, "Pat Quinn", message="Is ketamine right for me?")
    ask_lakeside(cast)
    assert login_redirect(as_role("anonymous").get(QUEUE), QUEUE)
    assert as_role("patient").get(QUEUE).status_code == 403
    theirs = as_role("outsider").get(QUEUE)
    assert theirs.status_code == 200
    assert "Lee Lake" in theirs.content.decode()
    assert "Pat Quinn" not in theirs.content.decode()
    ours = as_role("front_desk").get(QUEUE)
    assert ours.status_code == 200
    html = ours.content.decode()
    assert "Pat Quinn" in html and "Lee Lake" not in html
    assert "Is ketamine right for me?" in html


def test_the_queue_lists_new_and_contacted_newest_first(cast: Cast, as_role: Any) -> None:
    old, contacted, closed, new = (ask(cast, name) for name in ("Ann A", "Bo B", "Cy C", "Di D"))
    desk = as_role("front_desk")
    desk.post(f"{QUEUE}{contacted.pk}/contacted/", {"version": 1})
    desk.post(f"{QUEUE}{closed.pk}/close/", {"version": 1, "note": "moved away"})
    html = desk.get(QUEUE).content.decode()
    rows = re.findall(r'<tr id="request-(\d+)">', html)
    assert rows == [str(new.pk), str(contacted.pk), str(old.pk)]
    assert "Contacted" in html


def test_mark_contacted_four_ways(cast: Cast, as_role: Any) -> None:
    row = ask(cast)
    path = f"{QUEUE}{row.pk}/contacted/"
    assert login_redirect(as_role("anonymous").post(path, {"version": 1}), path)
    assert as_role("patient").post(path, {"version": 1}).status_code == 403
    assert as_role("outsider").post(path, {"version": 1}).status_code == 404
    done = as_role("front_desk").post(path, {"version": 1})
    assert (done.status_code, done["Location"]) == (302, QUEUE)
    row.refresh_from_db()
    assert (row.status, row.version) == ("contacted", 2)


def test_a_stale_mark_is_shown_on_its_row(cast: Cast, as_role: Any) -> None:
    row = ask(cast)
    desk = as_role("front_desk")
    desk.post(f"{QUEUE}{row.pk}/contacted/", {"version": 1})
    again = desk.post(f"{QUEUE}{row.pk}/close/", {"version": 1, "note": "no answer"})
    assert again.status_code == 409
    cell = again.content.decode().split(f'id="request-{row.pk}"')[1]
    assert "Version: this record is at version 2, your edit was based on version 1" in text(cell)
    assert ">no answer</textarea>" in cell


def test_close_four_ways_and_its_note(cast: Cast, as_role: Any) -> None:
    row = ask(cast)
    path = f"{QUEUE}{row.pk}/close/"
    body = {"version": 1, "note": "Booked elsewhere"}
    assert login_redirect(as_role("anonymous").post(path, body), path)
    assert as_role("patient").post(path, body).status_code == 403
    assert as_role("outsider").post(path, body).status_code == 404
    desk = as_role("front_desk")
    refused = desk.post(path, {"version": 1, "note": "  "})
    assert refused.status_code == 400
    cell = refused.content.decode().split(f'id="request-{row.pk}"')[1]
    assert (
        f'<ul class="field-errors" id="note-{row.pk}-errors"><li>say why the request is closed '
        "(1-2000 characters)</li></ul>"
    ) in cell
    assert desk.post(path, body).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.note) == ("closed", "Booked elsewhere")
    assert str(row.pk) not in re.findall(r'id="request-(\d+)"', desk.get(QUEUE).content.decode())


def errors(html: str) -> list[str]:
    """The form's error summary, item by item, as read."""
    summary = html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    return [unescape(text(item)).replace(" :", ":") for item in items]


def booking(day: Day, **data: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "patient": "new",
        "service": str(day.service("Free consultation").pk),
        "room": "",
        "day": "2026-03-02",
        "start_time": "10:00",
        **data,
    }


def test_the_booking_page_four_ways(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Dan Dawson")
    path = f"{QUEUE}{row.pk}/book/"
    assert login_redirect(as_role("anonymous").get(path), path)
    assert as_role("patient").get(path).status_code == 403
    assert as_role("outsider").get(path).status_code == 404
    page = as_role("front_desk").get(path)
    assert page.status_code == 200
    html = page.content.decode()
    # The search by the request's name offers Dan; the new patient's fields are filled in.
    assert f'value="{day.cast.dan.pk}"' in html
    assert "Dan Dawson, MRN H-1001, born 1980-04-02" in html
    assert 'name="given_name" value="Dan"' in html
    assert 'name="phone" value="+1 617 555 0142"' in html
    assert as_role("patient").post(path, booking(day)).status_code == 403
    assert as_role("outsider").post(path, booking(day)).status_code == 404
    assert Appointment.objects.count() == 0


def test_booking_for_an_existing_patient_links_the_request(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Dan Dawson")
    desk = as_role("front_desk")
    done = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, patient=str(day.cast.dan.pk)))
    assert (done.status_code, done["Location"]) == (302, QUEUE)
    row.refresh_from_db()
    appointment = Appointment.objects.get()
    assert (row.status, row.patient_id, row.appointment_id, row.version) == (
        "booked",
        day.cast.dan.pk,
        appointment.pk,
        2,
    )
    assert (
        appointment.patient_id,
        appointment.service.name,
        appointment.resource.name,
        appointment.performer_id,
        appointment.start_at,
        appointment.note,
    ) == (
        day.cast.dan.pk,
        "Free consultation",
        "Room A",
        day.cast.prescriber.pk,
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        f"Consultation request {row.pk}",
    )
    follow = desk.get(QUEUE).content.decode()
    assert "Consultation booked for Dan Dawson: Mon 02 Mar 2026 10:00." in follow


def test_booking_by_mrn_and_a_wrong_mrn(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Somebody Else")
    desk = as_role("front_desk")
    wrong = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, patient="mrn", mrn="H-9999"))
    assert wrong.status_code == 400
    assert "no patient of this clinic has this MRN" in wrong.content.decode()
    done = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, patient="mrn", mrn="h-1002"))
    assert done.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.patient_id) == ("booked", day.cast.zoe.pk)


def test_booking_registers_a_new_patient(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Pat Quinn", email="pat@example.com")
    before = Patient.objects.count()
    done = as_role("front_desk").post(
        f"{QUEUE}{row.pk}/book/",
        booking(
            day,
            given_name="Pat",
            family_name="Quinn",
            date_of_birth="1988-07-14",
            sex_at_birth="female",
            email="pat@example.com",
            phone="+1 617 555 0142",
        ),
    )
    assert done.status_code == 302
    patient = Patient.objects.get(family_name="Quinn")
    assert Patient.objects.count() == before + 1
    assert (patient.given_name, patient.email, patient.phone, patient.clinic_id) == (
        "Pat",
        "pat@example.com",
        "+1 617 555 0142",
        day.cast.clinic.pk,
    )
    assert re.fullmatch(r"KC\d{6}", patient.mrn)
    row.refresh_from_db()
    assert (row.status, row.patient_id) == ("booked", patient.pk)
    assert Appointment.objects.get().patient_id == patient.pk


def test_a_refused_booking_saves_nothing_not_even_the_new_patient(day: Day, as_role: Any) -> None:
    taken = ask(day.cast, "Dan Dawson")
    desk = as_role("front_desk")
    desk.post(f"{QUEUE}{taken.pk}/book/", booking(day, patient=str(day.cast.dan.pk)))
    row = ask(day.cast, "Pat Quinn")
    patients, appointments = Patient.objects.count(), Appointment.objects.count()
    new_pat = {
        "given_name": "Pat",
        "family_name": "Quinn",
        "date_of_birth": "1988-07-14",
        "sex_at_birth": "female",
    }
    # The only room and the only prescriber are taken at 10:00: a 409 naming the clash.
    clash = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, **new_pat))
    assert clash.status_code == 409
    assert errors(clash.content.decode()) == [
        "Performer: the performer has another procedure at this time",
        "Room: the chair or room is booked for part of this block",
    ]
    # Outside opening hours (08:00-18:00): the start's error on the Start field.
    late = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, start_time="19:00", **new_pat))
    assert late.status_code == 400
    assert errors(late.content.decode()) == [
        "Performer: is not working at this site for the whole procedure",
        "Start: the whole block (procedure, recovery and buffer) must fall within the site's "
        "opening hours",
    ]
    # A new patient without the registration's required fields.
    missing = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, given_name="Pat"))
    assert missing.status_code == 400
    assert errors(missing.content.decode()) == [
        "Family name: is required",
        "Date of birth: This field cannot be null.",
        "Sex at birth: is required",
    ]
    assert (Patient.objects.count(), Appointment.objects.count()) == (patients, appointments)
    row.refresh_from_db()
    assert (row.status, row.patient_id, row.appointment_id, row.version) == ("new", None, None, 1)
    assert ConsultationRequest.objects.filter(status="booked").count() == 1


def test_a_booked_or_closed_request_cannot_be_booked_again(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Dan Dawson")
    desk: Client = as_role("front_desk")
    desk.post(f"{QUEUE}{row.pk}/close/", {"version": 1, "note": "duplicate"})
    again = desk.post(
        f"{QUEUE}{row.pk}/book/", booking(day, version=2, patient=str(day.cast.dan.pk))
    )
    assert again.status_code == 409
    assert "Status: this request is closed: only a new or contacted request is booked" in text(
        again.content.decode()
    )
    assert Appointment.objects.count() == 0


def test_registering_someone_already_on_file_is_refused_naming_them(day: Day, as_role: Any) -> None:
    row = ask(day.cast, "Dan Dawson")
    dan = {
        "given_name": "Dan",
        "family_name": "Dawson",
        "date_of_birth": "1980-04-02",
        "sex_at_birth": "male",
    }
    desk = as_role("front_desk")
    patients = Patient.objects.count()
    refused = desk.post(f"{QUEUE}{row.pk}/book/", booking(day, **dan))
    assert refused.status_code == 409
    assert errors(refused.content.decode()) == [
        "Patient: a patient with these names and date of birth is already registered: H-1001 "
        "(Dan Dawson). Open that record, or confirm that this is a different person and say why"
    ]
    assert (Patient.objects.count(), Appointment.objects.count()) == (patients, 0)
    confirmed = desk.post(
        f"{QUEUE}{row.pk}/book/",
        booking(day, confirm_new_person="on", reason="a different Dan: other address", **dan),
    )
    assert confirmed.status_code == 302
    assert Patient.objects.count() == patients + 1
