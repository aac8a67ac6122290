"""A staff member's private calendar feed: it parses as iCalendar, holds exactly their own
active appointments in the window, in UTC, with initials and the service only (no patient's
given or family name anywhere in the bytes), and stops at once when revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from icalendar import Calendar

from ketacare.accounts import staff
from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import NotPermitted, NotVisible
from ketacare.patients.models import Patient
from ketacare.scheduling import booking, feeds
from ketacare.scheduling.models import Appointment, CalendarFeed
from tests.scheduling.conftest import MONDAY, Day, ny, signed_plan

TUESDAY = MONDAY + timedelta(days=1)


def book(day: Day, patient: Patient, service: str, start: datetime, **extra: Any) -> Appointment:
    return booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        patient.pk,
        service_id=day.service(service).pk,
        start_at=start,
        **extra,
    )


def unfolded(body: bytes) -> str:
    """The calendar's text with RFC 5545 line folding undone (a name split over two lines
    would hide from a search of the raw bytes)."""
    return body.decode().replace("\r\n ", "").replace("\r\n\t", "")


def events(body: bytes) -> list[tuple[str, str, str, datetime, datetime]]:
    calendar = Calendar.from_ical(body)
    return [
        (
            str(e["UID"]),
            str(e["SUMMARY"]),
            str(e["LOCATION"]),
            e.decoded("DTSTART"),
            e.decoded("DTEND"),
        )
        for e in calendar.walk("VEVENT")
    ]


@pytest.fixture
def week(day: Day) -> dict[str, Appointment]:
    """Dan's infusion (the nurse performs), Zoë's consultation (the prescriber) and IV
    hydration (the nurse), and a cancelled hydration of Dan's."""
    cast = day.cast
    plan = signed_plan(cast)
    booked = {
        "infusion": book(day, cast.dan, "Ketamine IV infusion", ny(MONDAY, 9), plan_id=plan.pk),
        "consultation": book(day, cast.zoe, "Free consultation", ny(MONDAY, 10)),
        "hydration": book(day, cast.zoe, "IV hydration", ny(TUESDAY, 13)),
        "cancelled": book(day, cast.dan, "IV hydration", ny(TUESDAY, 9)),
    }
    booking.appointment_cancel(
        cast.actor(cast.front_desk), booked["cancelled"].pk, reason="patient asked"
    )
    return booked


def test_the_feed_holds_the_members_own_active_appointments(
    day: Day, week: dict[str, Appointment]
) -> None:
    cast = day.cast
    _, token = feeds.feed_create(cast.actor(cast.nurse))
    body = feeds.calendar_for_token(token)
    infusion, hydration = week["infusion"], week["hydration"]
    assert events(body) == [
        (
            f"appointment-{infusion.pk}@127.0.0.1",
            "D.D. – Ketamine IV infusion",
            "Harbor Ketamine Clinic, Chair 1",
            datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 14, 40, tzinfo=UTC),
        ),
        (
            f"appointment-{hydration.pk}@127.0.0.1",
            "Z.Ð. – IV hydration",
            "Harbor Ketamine Clinic, Chair 1",
            datetime(2026, 3, 3, 18, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 19, 0, tzinfo=UTC),
        ),
    ]
    text = unfolded(body)
    assert "DTSTART:20260302T140000Z" in text and "DTEND:20260302T144000Z" in text
    assert "X-WR-CALNAME:Harbor Ketamine Clinic: my appointments" in text
    assert "DESCRIPTION" not in text
    for patient in Patient.objects.all():
        for name in (patient.given_name, patient.family_name, patient.mrn):
            assert name.encode() not in body, name
            assert name not in text, name
    # The prescriber's feed: their consultation only.
    _, theirs = feeds.feed_create(cast.actor(cast.prescriber))
    consultation = week["consultation"]
    assert events(feeds.calendar_for_token(theirs)) == [
        (
            f"appointment-{consultation.pk}@127.0.0.1",
            "Z.Ð. – Free consultation",
            "Harbor Ketamine Clinic, Room A",
            datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
        )
    ]


def test_the_feed_covers_30_days_back_and_180_ahead(
    day: Day, week: dict[str, Appointment], clock: time_machine.Coordinates
) -> None:
    _, token = feeds.feed_create(day.cast.actor(day.cast.nurse))
    # Dan's infusion started 30 days before: still shown; the next day, gone.
    clock.move_to(datetime(2026, 4, 1, 14, 0, tzinfo=UTC))
    assert [e[1] for e in events(feeds.calendar_for_token(token))] == [
        "D.D. – Ketamine IV infusion",
        "Z.Ð. – IV hydration",
    ]
    clock.move_to(datetime(2026, 4, 1, 14, 0, 1, tzinfo=UTC))
    assert [e[1] for e in events(feeds.calendar_for_token(token))] == ["Z.Ð. – IV hydration"]
    # Dan's infusion is in the feed from 180 days before it on.
    clock.move_to(datetime(2025, 9, 3, 14, 0, tzinfo=UTC))
    assert events(feeds.calendar_for_token(token)) == []
    clock.move_to(datetime(2025, 9, 3, 14, 0, 1, tzinfo=UTC))
    assert [e[1] for e in events(feeds.calendar_for_token(token))] == [
        "D.D. – Ketamine IV infusion"
    ]


def test_only_a_hash_of_the_token_is_kept_and_a_new_feed_revokes_the_old(day: Day) -> None:
    nurse = day.cast.actor(day.cast.nurse)
    first, old_token = feeds.feed_create(nurse)
    assert CalendarFeed.objects.get().token_sha256 == hashlib.sha256(old_token.encode()).hexdigest()
    assert len(old_token) == 43
    second, token = feeds.feed_create(nurse)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(NotVisible):
        feeds.calendar_for_token(old_token)
    feeds.feed_revoke(nurse, second.pk)
    with pytest.raises(NotVisible):
        feeds.calendar_for_token(token)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="calendar_feed")] == [
        "calendar_feed.create",
        "calendar_feed.create",
        "calendar_feed.revoke",
    ]
    for event in AuditEvent.objects.all():
        assert token not in str(event.data) and old_token not in str(event.data)


def test_a_fetch_is_audited_as_a_read_naming_the_patients(
    day: Day, week: dict[str, Appointment]
) -> None:
    feed, token = feeds.feed_create(day.cast.actor(day.cast.nurse))
    feeds.calendar_for_token(token)
    read = AuditEvent.objects.filter(action="appointment.read").latest("id")
    assert (read.actor_id, read.target_type, read.target_id, read.data) == (
        day.cast.nurse.user_id,
        "CalendarFeed",
        str(feed.pk),
        {
            "via": "calendar feed",
            "count": 2,
            "patients": sorted([str(day.cast.dan.pk), str(day.cast.zoe.pk)]),
        },
    )


def test_feeds_are_for_staff_and_their_own(day: Day) -> None:
    cast = day.cast
    with pytest.raises(NotPermitted):
        feeds.feed_create(cast.actor(cast.dan_login))
    feed, _ = feeds.feed_create(cast.actor(cast.nurse))
    with pytest.raises(NotVisible):
        feeds.feed_revoke(cast.actor(cast.prescriber), feed.pk)
    with pytest.raises(NotVisible):
        feeds.feed_revoke(cast.actor(cast.outsider), feed.pk)


def test_a_deactivated_members_feed_stops(day: Day) -> None:
    cast = day.cast
    _, token = feeds.feed_create(cast.actor(cast.nurse))
    staff.membership_set_active(cast.actor(cast.owner), cast.nurse.pk, active=False)
    with pytest.raises(NotVisible):
        feeds.calendar_for_token(token)


def test_the_ics_url_needs_no_login_and_answers_404_when_revoked(
    day: Day, week: dict[str, Appointment], as_role: Any
) -> None:
    nurse = day.cast.actor(day.cast.nurse)
    feed, token = feeds.feed_create(nurse)
    response = as_role("anonymous").get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert len(events(response.content)) == 2
    assert as_role("anonymous").get(f"/calendar/{token[:-1]}x.ics").status_code == 404
    feeds.feed_revoke(nurse, feed.pk)
    assert as_role("anonymous").get(f"/calendar/{token}.ics").status_code == 404
    # A refused fetch is not a refused read of a record: the token never reaches the log.
    assert not AuditEvent.objects.filter(action="read.refused").exists()


def test_my_calendar_feed_page_four_ways(day: Day, as_role: Any) -> None:
    page = "/calendar/mine/"
    anonymous = as_role("anonymous").get(page)
    assert (anonymous.status_code, anonymous["Location"]) == (
        302,
        f"/accounts/login/?next={page}",
    )
    assert as_role("patient").get(page).status_code == 403
    assert as_role("patient").post("/calendar/mine/new/").status_code == 403
    nurse = as_role("nurse")
    assert "No calendar feed" in nurse.get(page).content.decode()
    created = nurse.post("/calendar/mine/new/")
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    html = created.content.decode()
    feed = CalendarFeed.objects.get()
    [url] = re.findall(r'id="feed-url" type="text" readonly value="([^"]+)"', html)
    assert url.startswith("http://127.0.0.1:8000/calendar/") and url.endswith(".ics")
    token = url.removeprefix("http://127.0.0.1:8000/calendar/").removesuffix(".ics")
    assert feed.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    # Shown once: the page never shows it again.
    again = nurse.get(page).content.decode()
    assert token not in again and "In use since" in again
    # Another clinic's staff cannot revoke it; the nurse can.
    revoke = f"/calendar/mine/{feed.pk}/revoke/"
    assert as_role("outsider").post(revoke).status_code == 404
    assert as_role("outsider").get(page).status_code == 200
    assert nurse.post(revoke).status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None


def test_initials_take_the_first_letter_of_each_name(day: Day) -> None:
    assert feeds.initials(day.cast.zoe) == "Z.Ð."
    assert (
        feeds.initials(
            Patient(given_name="émile", family_name="o'neil", date_of_birth=date(1990, 1, 1))
        )
        == "É.O."
    )
