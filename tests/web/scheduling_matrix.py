"""The permission matrix's part for scheduling: the clinic's services, sites, chairs and rooms,
free slots, appointments and their changes, and the course endpoints of a signed plan.

Every member of the clinic and every patient reads the schedule (a patient only their own
appointments); front desk, nurses, prescribers and the owner book and change appointments
and book a plan's course. A route naming a patient's plan has the patient columns; the other
routes act on Harbor's rows: an appointment route on Dan's appointment (the ``patient``
column is Dan on his own), the availability search and a booking on Dan, so another clinic's
prescriber (``outsider``) does not find them.

The world is ``tests.scheduling.conftest.build_day`` on the cast, set up on Monday 2 March
2026 at 07:00 New York time with Dan booked at 09:00 and Zoë at 11:00 (a free consultation
each, in Room A with the prescriber); the requests are made at 10:00 that day, with the clock
stopped. The world's ``clock`` (the ``time_machine`` fixture) travels back at the end of the
test. A refused write must leave every service, chair and room, hours, appointment, reminder,
calendar feed and consultation request as it was.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from icalendar import Calendar

from ketacare.accounts.actor import actor_for
from ketacare.audit.models import AuditEvent
from ketacare.scheduling import booking, feeds, requests, setup
from ketacare.scheduling.models import (
    Appointment,
    CalendarFeed,
    ConsultationRequest,
    HoursException,
    ReminderRule,
    ReminderSent,
    Resource,
    Service,
    WeeklyHours,
)
from tests.scheduling.conftest import MONDAY, build_day, ny

#: The rows are made before the clinic opens; the requests come at 10:00.
SET_UP_AT = ny(MONDAY, 7).astimezone(UTC)
NOW = ny(MONDAY, 10).astimezone(UTC)
TUESDAY = MONDAY + timedelta(days=1)
CONSULTATION = "Free consultation"
INFUSION = "Ketamine IV infusion"

APPOINTMENT = "api/v1/appointments/<appointment_id>"
PLAN = "api/v1/plans/<plan_id>"
REQUESTS = "api/v1/consultation-requests"
QUEUE = "schedule/requests/"
SETUP = "schedule/setup/"
PAGE = "schedule/appointments/<int:pk>/"

# Clinic routes: anonymous, patient, outsider, front desk, nurse, prescriber, owner.
_READ = (401, 200, 200, 200, 200, 200, 200)
# Naming Dan (his appointment, or his id in the query or the body).
_READ_DANS = (401, 200, 404, 200, 200, 200, 200)
_SEARCH = (401, 403, 404, 200, 200, 200, 200)
_BOOK = (401, 403, 404, 201, 201, 201, 201)
_CHANGE = (401, 403, 404, 200, 200, 200, 200)
# A plan's routes: anonymous, patient (own, other), outsider, front desk, nurse, prescriber,
# owner.
_PROPOSE = (401, 403, 404, 404, 200, 200, 200, 200)
_BOOK_COURSE = (401, 403, 404, 404, 201, 201, 201, 201)
# The queue is the staff's (another clinic's prescriber sees and adds to its own clinic's).
_QUEUE_API = (401, 403, 200, 200, 200, 200, 200)
_QUEUE_API_ADD = (401, 403, 201, 201, 201, 201, 201)
_QUEUE = (302, 403, 200, 200, 200, 200, 200)
_QUEUE_ROW_GET = (302, 403, 404, 200, 200, 200, 200)
_QUEUE_ROW_POST = (302, 403, 404, 302, 302, 302, 302)
# Calendar feeds are for staff; a feed is revoked by its own member only (others: not found).
_FEED = (302, 403, 200, 200, 200, 200, 200)
_FEED_REVOKE = (302, 403, 404, 404, 404, 302, 404)
_STAFF_PAGE = (302, 403, 200, 200, 200, 200, 200)
_BOOK_PAGE = (302, 403, 404, 302, 302, 302, 302)
_PAGE_READ = (302, 200, 404, 200, 200, 200, 200)
_COURSE_PAGE = (302, 403, 404, 404, 200, 200, 200, 200)
_COURSE_PAGE_BOOK = (302, 403, 404, 404, 302, 302, 302, 302)
# The set-up is the owner's alone.
_OWNER_GET = (302, 403, 403, 403, 403, 403, 200)
_OWNER_POST = (302, 403, 403, 403, 403, 403, 302)
_OWNER_ROW_GET = (302, 403, 404, 403, 403, 403, 200)
_OWNER_ROW_POST = (302, 403, 404, 403, 403, 403, 302)

ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "api/v1/services", "api_services", _READ),
    ("GET", "api/v1/sites", "api_sites", _READ),
    ("GET", "api/v1/resources", "api_resources", _READ),
    ("GET", "api/v1/availability", "api_availability", _SEARCH),
    ("GET", "api/v1/appointments", "api_appointments", _READ),
    ("POST", "api/v1/appointments", "api_book", _BOOK),
    ("GET", APPOINTMENT, "api_appointment", _READ_DANS),
    ("PATCH", APPOINTMENT, "api_reschedule", _CHANGE),
    ("POST", f"{APPOINTMENT}/cancel", "api_cancel", _CHANGE),
    ("POST", f"{APPOINTMENT}/check-in", "api_check_in", _CHANGE),
    ("POST", f"{APPOINTMENT}/no-show", "api_no_show", _CHANGE),
    ("POST", f"{PLAN}/course-proposal", "api_course_proposal", _PROPOSE),
    ("POST", f"{PLAN}/course-booking", "api_course_booking", _BOOK_COURSE),
    # The consultation-request queue (Maya's request): the API and the front desk's pages.
    ("GET", REQUESTS, "api_requests", _QUEUE_API),
    ("POST", REQUESTS, "api_request_create", _QUEUE_API_ADD),
    ("PATCH", f"{REQUESTS}/<request_id>", "api_request_update", _CHANGE),
    ("GET", QUEUE, "requests", _QUEUE),
    ("POST", f"{QUEUE}<int:pk>/contacted/", "request_contacted", _QUEUE_ROW_POST),
    ("POST", f"{QUEUE}<int:pk>/close/", "request_close", _QUEUE_ROW_POST),
    ("GET", f"{QUEUE}<int:pk>/book/", "request_book", _QUEUE_ROW_GET),
    ("POST", f"{QUEUE}<int:pk>/book/", "request_book", _QUEUE_ROW_POST),
    # A staff member's own calendar feed; the revoke route names the prescriber's.
    ("GET", "calendar/mine/", "feed", _FEED),
    ("POST", "calendar/mine/new/", "feed_create", _FEED),
    ("POST", "calendar/mine/<int:pk>/revoke/", "feed_revoke", _FEED_REVOKE),
    # The schedule's pages: the day, the week and my day list every patient booked (staff
    # only); booking, and Dan's appointment and its actions.
    ("GET", "schedule/", "schedule_day", _STAFF_PAGE),
    ("GET", "schedule/week/", "schedule_week", _STAFF_PAGE),
    ("GET", "schedule/mine/", "schedule_mine", _STAFF_PAGE),
    ("GET", "schedule/book/", "schedule_book", _STAFF_PAGE),
    ("POST", "schedule/book/", "schedule_book", _BOOK_PAGE),
    ("GET", f"{PAGE}", "page_appointment", _PAGE_READ),
    ("POST", f"{PAGE}check-in/", "page_check_in", _BOOK_PAGE),
    ("POST", f"{PAGE}no-show/", "page_no_show", _BOOK_PAGE),
    ("POST", f"{PAGE}cancel/", "page_cancel", _BOOK_PAGE),
    ("POST", f"{PAGE}reschedule/", "page_reschedule", _BOOK_PAGE),
    # A signed plan's course page, and the booking of the dates it proposed.
    ("GET", "plans/<int:pk>/course/", "course", _COURSE_PAGE),
    ("POST", "plans/<int:pk>/course/book/", "course_book", _COURSE_PAGE_BOOK),
    # The owner's calendar set-up: a row of Harbor (a service, the site, a chair, a holiday)
    # is not found for another clinic's prescriber.
    ("GET", SETUP, "setup", _OWNER_GET),
    ("GET", f"{SETUP}services/", "setup_services", _OWNER_GET),
    ("POST", f"{SETUP}services/seed/", "setup_seed", _OWNER_POST),
    ("GET", f"{SETUP}services/<int:pk>/", "setup_service", _OWNER_ROW_GET),
    ("POST", f"{SETUP}services/<int:pk>/", "setup_service", _OWNER_ROW_POST),
    ("GET", f"{SETUP}sites/<int:pk>/", "setup_site", _OWNER_ROW_GET),
    ("POST", f"{SETUP}sites/<int:pk>/resources/", "setup_resource_add", _OWNER_ROW_POST),
    ("POST", f"{SETUP}resources/<int:pk>/out-of-service/", "setup_out", _OWNER_ROW_POST),
    ("POST", f"{SETUP}resources/<int:pk>/back-in-service/", "setup_back", _OWNER_ROW_POST),
    ("GET", f"{SETUP}sites/<int:pk>/hours/", "setup_hours", _OWNER_ROW_GET),
    ("POST", f"{SETUP}sites/<int:pk>/hours/", "setup_hours", _OWNER_ROW_POST),
    ("GET", f"{SETUP}sites/<int:pk>/staff/<int:member>/hours/", "setup_staff", _OWNER_ROW_GET),
    ("POST", f"{SETUP}sites/<int:pk>/staff/<int:member>/hours/", "setup_staff", _OWNER_ROW_POST),
    ("GET", f"{SETUP}sites/<int:pk>/exceptions/", "setup_exceptions", _OWNER_ROW_GET),
    ("POST", f"{SETUP}sites/<int:pk>/exceptions/", "setup_exceptions", _OWNER_ROW_POST),
    ("POST", f"{SETUP}exceptions/<int:pk>/remove/", "setup_exception_remove", _OWNER_ROW_POST),
    ("GET", f"{SETUP}reminders/", "setup_reminders", _OWNER_GET),
    ("POST", f"{SETUP}reminders/", "setup_reminders", _OWNER_POST),
]
KINDS = {kind for _, _, kind, _ in ENTRIES}

# The feed a calendar app fetches: no login, its token is the key (the prescriber's).
LINK_ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "calendar/<str:token>.ics", "feed_file", (200,) * 7),
]
LINK_KINDS = {kind for _, _, kind, _ in LINK_ENTRIES}

#: Routes naming one of the world's rows: Dan's appointment, Maya's request, the prescriber's
#: feed.
ROW_ROUTES = {
    route
    for _, route, _, _ in ENTRIES + LINK_ENTRIES
    if any(key in route for key in ("<appointment_id>", "<request_id>", "<int:pk>", "<str:token>"))
    and not route.startswith("plans/")
}
#: The plan routes act on the patient's signed plan.
SIGNED_PLAN_ROUTES = ("course-proposal", "course-booking", "course/", "course/book/")

WRITE_ACTIONS = (
    "service.create",
    "service.update",
    "resource.create",
    "resource.update",
    "hours.update",
    "hours_exception.create",
    "hours_exception.delete",
    "reminder_rule.update",
    "appointment.create",
    "appointment.reschedule",
    "appointment.cancel",
    "appointment.check_in",
    "appointment.no_show",
    "appointment.reminder",
    "course.book",
    "calendar_feed.create",
    "calendar_feed.revoke",
    "consultation_request.create",
    "consultation_request.update",
)
READ_ACTIONS = ("appointment.read", "consultation_request.read")
#: What a patient is refused (the API's 403 names it): everything but reading.
BOOKING_KINDS = (
    "api_availability",
    "api_book",
    "api_reschedule",
    "api_cancel",
    "api_check_in",
    "api_no_show",
    "api_course_proposal",
    "api_course_booking",
)
PERM_NAMED = {
    **dict.fromkeys(BOOKING_KINDS, "schedule.book"),
    **dict.fromkeys(
        ("api_requests", "api_request_create", "api_request_update"),
        "consultation_requests.manage",
    ),
}

SERVICE_NAMES = [
    "Acupuncture",
    "Follow-up visit",
    CONSULTATION,
    "IV hydration",
    "Integration session",
    "Ketamine IM injection",
    INFUSION,
    "Ketamine IV infusion (4 h)",
    "Ketamine nasal spray (in clinic)",
    "Spravato session",
    "Talk therapy",
]
RESOURCE_NAMES = ["Chair 1", "Chair 2", "Chair 3", "Room A"]
CANCEL_REASON = "Dan asked to come next week instead"
#: Where a permitted user moves Dan's appointment, and books him a new one.
MOVED_TO = ny(TUESDAY, 9)
BOOKED_AT = ny(TUESDAY, 10)
MAYA = {
    "full_name": "Maya Lindqvist",
    "email": "maya@example.com",
    "phone": "+1 617 555 0123",
    "preferred_times": "Weekday mornings",
    "message": "My doctor suggested ketamine for my depression.",
}
#: Booking Maya's consultation: registered as a new patient, in Room A on Tuesday at 10:00.
MAYA_PATIENT = {
    "given_name": "Maya",
    "family_name": "Lindqvist",
    "date_of_birth": "1988-07-14",
    "sex_at_birth": "female",
    "email": "maya@example.com",
    "phone": "+1 617 555 0123",
}
CLOSE_NOTE = "Found a clinic nearer home"
GOOD_FRIDAY = date(2026, 4, 3)
#: The service the owner edits, and the chair taken out of service.
EDITED = "Talk therapy"
#: The two sessions of Dan's course the user confirms (two days apart, as the protocol asks).
COURSE_STARTS = [ny(TUESDAY, 9), ny(TUESDAY + timedelta(days=2), 9)]


def state() -> dict[str, list[Any]]:
    """Every scheduling row a refused write must leave as it was."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Service,
            Resource,
            WeeklyHours,
            HoursException,
            Appointment,
            ReminderRule,
            ReminderSent,
            CalendarFeed,
            ConsultationRequest,
        )
    }


def add_rows(world: Any) -> None:
    """Harbor's day through the real services, at 07:00: the chairs, the room, the hours and
    the services, the care rows (for the signed plans), and Dan's and Zoë's consultations;
    then the clock moves on to 10:00."""
    if world.schedule:
        return
    world.clock.move_to(SET_UP_AT, tick=False)
    world.add_care()
    cast = world.cast
    day = build_day(cast)
    desk = actor_for(cast.front_desk)
    consultation = day.service(CONSULTATION).pk
    world.schedule.update(
        {
            "day": day,
            "request": requests.consultation_request_create(desk, data=MAYA),
            "feed": feeds.feed_create(actor_for(cast.prescriber)),
            "holiday": setup.hours_exception_add(
                actor_for(cast.owner),
                site_id=day.site.pk,
                day=GOOD_FRIDAY,
                kind="replace",
                reason="Good Friday",
            ),
            "dan": booking.appointment_book(
                desk, cast.dan.pk, service_id=consultation, start_at=ny(MONDAY, 9)
            ),
            "zoe": booking.appointment_book(
                desk, cast.zoe.pk, service_id=consultation, start_at=ny(MONDAY, 11)
            ),
        }
    )
    world.clock.move_to(NOW)


def _dans(world: Any) -> Appointment:
    return Appointment.objects.get(pk=world.schedule["dan"].pk)


def url(world: Any, kind: str, route: str, route_url: str) -> str:
    """``route_url`` with Dan's appointment, or the query a search or a list needs."""
    if route in ROW_ROUTES:
        add_rows(world)
        feed, token = world.schedule["feed"]
        row = feed if route.startswith("calendar/") else world.schedule["request"]
        if route.startswith(SETUP):
            row = _setup_row(world, route)
        if route.startswith("schedule/appointments/"):
            row = world.schedule["dan"]
        for key, value in (
            ("<int:member>", world.cast.nurse.pk),
            ("<appointment_id>", world.schedule["dan"].pk),
            ("<request_id>", row.pk),
            ("<int:pk>", row.pk),
            ("<str:token>", token),
        ):
            route_url = route_url.replace(key, str(value))
        return route_url
    monday = MONDAY.isoformat()
    if kind == "api_availability":
        service = world.schedule["day"].service(CONSULTATION).pk
        dan = world.cast.dan.pk
        return f"{route_url}?service={service}&patient={dan}&from={monday}&to={monday}"
    if kind == "api_appointments":
        return f"{route_url}?from={monday}&to={monday}"
    return route_url


def _setup_row(world: Any, route: str) -> Any:
    day = world.schedule["day"]
    if route.startswith(f"{SETUP}services/"):
        return day.service(EDITED)
    if route.startswith(f"{SETUP}resources/"):
        return day.chairs[2]
    if route.startswith(f"{SETUP}exceptions/"):
        return world.schedule["holiday"]
    return day.site


WEEKDAY_HOURS = {
    f"d{d}_{edge}_1": t for d in range(5) for edge, t in (("opens", "09:00"), ("closes", "17:00"))
}


def body(world: Any, kind: str) -> dict[str, Any]:
    """A valid request for each route (a refusal must come from the permission)."""
    if kind == "api_book":
        return {
            "patient": str(world.cast.dan.pk),
            "service": world.schedule["day"].service(CONSULTATION).pk,
            "start": BOOKED_AT.isoformat(),
        }
    if kind == "api_reschedule":
        return {"version": 1, "start": MOVED_TO.isoformat()}
    if kind == "api_cancel":
        return {"version": 1, "reason": CANCEL_REASON}
    if kind in ("api_check_in", "api_no_show"):
        return {"version": 1}
    if kind == "api_course_proposal":
        return {"phase": "induction", "sessions": 2}
    if kind == "api_request_create":
        return dict(MAYA)
    if kind == "api_request_update":
        return {"version": 1, "status": "contacted"}
    if kind == "request_contacted":
        return {"version": 1}
    if kind == "request_close":
        return {"version": 1, "note": CLOSE_NOTE}
    if kind == "request_book":
        day = world.schedule["day"]
        return {
            **MAYA_PATIENT,
            "version": 1,
            "patient": "new",
            "service": day.service(CONSULTATION).pk,
            "room": day.room.pk,
            "day": TUESDAY.isoformat(),
            "start_time": "10:00",
        }
    if kind == "schedule_book":
        day = world.schedule["day"]
        return {
            "patient": str(world.cast.dan.pk),
            "service": day.service(CONSULTATION).pk,
            "start": BOOKED_AT.isoformat(),
        }
    if kind == "page_check_in":
        return {"arrive-version": 1}
    if kind == "page_no_show":
        return {"noshow-version": 1}
    if kind == "page_cancel":
        return {"cancel-version": 1, "cancel-reason": CANCEL_REASON}
    if kind == "page_reschedule":
        local = MOVED_TO.astimezone(world.schedule["day"].site.tz)
        return {
            "move-version": 1,
            "move-start_date": local.date().isoformat(),
            "move-start_time": f"{local:%H:%M}",
            "move-resource": "",
            "move-performer": "",
        }
    if kind == "course_book":
        day = world.schedule["day"]
        return {
            "book-phase": "induction",
            "book-service": day.service(INFUSION).pk,
            "book-site": day.site.pk,
            "book-sessions": 2,
            "book-first_day": MONDAY.isoformat(),
            **{
                f"book-s{i}_start": f"{start.astimezone(day.site.tz):%Y-%m-%dT%H:%M}"
                for i, start in enumerate(COURSE_STARTS)
            },
            **{f"book-s{i}_{part}": "" for i in range(2) for part in ("resource", "performer")},
        }
    owner = actor_for(world.cast.owner)
    if kind == "setup_seed":
        # Acupuncture renamed: seeding adds it again.
        acupuncture = world.schedule["day"].service("Acupuncture")
        setup.service_update(owner, acupuncture.pk, expected_version=1, data={"name": "Needling"})
        return {}
    if kind == "setup_service":
        return {
            "version": 1,
            "name": EDITED,
            "duration_min": 50,
            "recovery_min": 0,
            "buffer_min": 10,
            "resource_kind": "room",
            "performer_roles": ["nurse", "prescriber"],
            "is_active": "on",
        }
    if kind == "setup_resource_add":
        return {"resource-kind": "chair", "resource-name": "Chair 4"}
    if kind == "setup_out":
        return {"version": 1}
    if kind == "setup_back":
        chair = world.schedule["day"].chairs[2]
        setup.resource_set_active(owner, chair.pk, active=False, expected_version=1)
        return {"version": 2}
    if kind in ("setup_hours", "setup_staff"):
        return dict(WEEKDAY_HOURS)
    if kind == "setup_exceptions":
        return {
            "exception-who": str(world.cast.nurse.pk),
            "exception-day": "2026-03-09",
            "exception-kind": "replace",
            "exception-reason": "Annual leave",
        }
    if kind == "setup_reminders":
        return {"hours_before": 48, "active": "on"}
    if kind == "api_course_booking":
        return {
            "phase": "induction",
            "sessions": [{"start": start.isoformat()} for start in COURSE_STARTS],
        }
    return {}


def _reads(
    last_id: int, actions: tuple[str, ...] = READ_ACTIONS
) -> list[tuple[str, str | None, dict[str, Any]]]:
    """The reads of appointments and requests the request logged: (action, patient, data)."""
    return [
        (action, str(patient) if patient else None, data)
        for action, patient, data in AuditEvent.objects.filter(
            action__in=actions, id__gt=last_id, outcome="success"
        )
        .order_by("id")
        .values_list("action", "patient_id", "data")
    ]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _slot_starts(day: date) -> list[datetime]:
    """The free consultation starts on Monday from 10:00: the room is taken by Zoë from
    11:00 to 11:45 (30 minutes and the 15-minute turnover), and the last block ends at
    18:00 when the site closes."""
    starts = []
    at = ny(day, 10)
    while at <= ny(day, 17, 15):
        if at + timedelta(minutes=45) <= ny(day, 11) or at >= ny(day, 11, 45):
            starts.append(at)
        at += timedelta(minutes=15)
    return starts


def check_allowed(
    world: Any,
    kind: str,
    column: str,
    response: HttpResponse,
    writes: list[str],
    last_id: int,
) -> None:
    """What a permitted user must get: the clinic's rows (a patient their own appointments,
    another clinic's prescriber its own clinic's), and the change made and audited."""
    cast = world.cast
    day = world.schedule["day"]
    here = column != "outsider"
    user = world.user(column)
    dan, zoe = world.schedule["dan"], world.schedule["zoe"]
    body: Any = json.loads(response.content) if kind.startswith("api_") else None
    room, prescriber = day.room, cast.prescriber
    if kind == "api_services":
        assert [s["name"] for s in body] == (SERVICE_NAMES if here else [])
    elif kind == "api_sites":
        assert [s["name"] for s in body] == [
            "Harbor Ketamine Clinic" if here else "Lakeside Clinic"
        ]
    elif kind == "api_resources":
        assert [r["name"] for r in body] == (RESOURCE_NAMES if here else [])
    elif kind == "api_availability":
        assert [_at(s["start"]) for s in body] == _slot_starts(MONDAY)
        assert {(s["resource"], s["performer"], s["prescriber_on_site"]) for s in body} == {
            (room.pk, prescriber.pk, None)
        }
        assert _reads(last_id) == []
    elif kind == "api_appointments":
        shown = {"outsider": [], "patient": [dan.pk]}.get(column, [dan.pk, zoe.pk])
        assert [a["id"] for a in body] == shown
        patients = {"outsider": [], "patient": [str(cast.dan.pk)]}.get(
            column, sorted([str(cast.dan.pk), str(cast.zoe.pk)])
        )
        assert [(a, p, d["patients"], d["count"]) for a, p, d in _reads(last_id)] == [
            ("appointment.read", None, patients, len(shown))
        ]
    elif kind == "api_appointment":
        assert (body["id"], body["patient_id"], body["service_name"]) == (
            dan.pk,
            str(cast.dan.pk),
            CONSULTATION,
        )
        assert [(a, p) for a, p, _ in _reads(last_id)] == [("appointment.read", str(cast.dan.pk))]
    elif kind == "api_book":
        made = Appointment.objects.exclude(pk__in=[dan.pk, zoe.pk]).get()
        assert (made.patient_id, made.service_id, made.resource_id, made.performer_id) == (
            cast.dan.pk,
            day.service(CONSULTATION).pk,
            room.pk,
            prescriber.pk,
        )
        assert (made.start_at, made.end_at, made.status, made.plan_id) == (
            BOOKED_AT,
            BOOKED_AT + timedelta(minutes=45),
            "booked",
            None,
        )
        assert made.created_by_id == user.pk
        assert body["id"] == made.pk
        assert writes == ["appointment.create"]
    elif kind == "api_reschedule":
        moved = _dans(world)
        assert (moved.start_at, moved.status, moved.version) == (MOVED_TO, "booked", 2)
        assert (_at(body["start"]), body["version"]) == (MOVED_TO, 2)
        assert writes == ["appointment.reschedule"]
    elif kind == "api_cancel":
        cancelled = _dans(world)
        assert (cancelled.status, cancelled.cancel_reason, cancelled.cancelled_at) == (
            "cancelled",
            CANCEL_REASON,
            NOW,
        )
        assert (body["status"], body["version"]) == ("cancelled", 2)
        assert writes == ["appointment.cancel"]
    elif kind == "api_check_in":
        arrived = _dans(world)
        assert (arrived.status, arrived.checked_in_at, arrived.version) == ("checked_in", NOW, 2)
        assert body["status"] == "checked_in"
        assert writes == ["appointment.check_in"]
    elif kind == "api_no_show":
        missed = _dans(world)
        assert (missed.status, missed.no_show_at, missed.version) == ("no_show", NOW, 2)
        assert body["status"] == "no_show"
        assert writes == ["appointment.no_show"]
    elif kind == "api_course_proposal":
        signed = world.care[("dan", "signed")]
        assert (body["plan"], body["phase"], body["service"]) == (
            signed.pk,
            "induction",
            day.service(INFUSION).pk,
        )
        # The first infusion now, the next on the second day after (interval 2-4 days).
        assert [(s["number"], _at(s["start"])) for s in body["sessions"]] == [
            (1, NOW),
            (2, ny(MONDAY + timedelta(days=2), 8)),
        ]
        assert body["complete"] is True
        assert Appointment.objects.count() == 2
        assert writes == []
    elif kind == "api_course_booking":
        signed = world.care[("dan", "signed")]
        course = list(Appointment.objects.filter(plan_id=signed.pk).order_by("start_at"))
        # In the first chair, with the nurse (the service lists nurses first).
        infusion, chair, nurse = day.service(INFUSION).pk, day.chairs[0].pk, cast.nurse.pk
        assert [
            (a.start_at, a.course_phase, a.course_number, a.service_id, a.status) for a in course
        ] == [
            (start, "induction", n, infusion, "booked") for n, start in enumerate(COURSE_STARTS, 1)
        ]
        assert {(a.resource_id, a.performer_id) for a in course} == {(chair, nurse)}
        assert [a["id"] for a in body["appointments"]] == [a.pk for a in course]
        # The maintenance after the induction is another protocol, with a plan of its own.
        assert body["progress"] == [
            {"phase": "induction", "sessions": 6, "done": 0, "booked": 2, "left": 4},
        ]
        assert writes == ["appointment.create", "appointment.create", "course.book"]
    elif kind in QUEUE_KINDS:
        _check_queue(world, kind, column, response, writes, last_id)
    elif kind in FEED_KINDS:
        _check_feed(world, kind, column, response, writes)
    elif kind in SCHEDULE_PAGE_KINDS:
        _check_schedule_page(world, kind, column, response, writes, last_id)
    elif kind == "course":
        signed = world.care[("dan", "signed")]
        assert (response.context["plan"].pk, response.context["signed"]) == (signed.pk, True)
        assert [(a, p) for a, p, _ in _reads(last_id, ("plan.read", *READ_ACTIONS))] == [
            ("plan.read", str(cast.dan.pk)),
            ("appointment.read", str(cast.dan.pk)),
        ]
    elif kind == "course_book":
        signed = world.care[("dan", "signed")]
        course = list(Appointment.objects.filter(plan_id=signed.pk).order_by("start_at"))
        assert [(a.start_at, a.course_number) for a in course] == [
            (start, n) for n, start in enumerate(COURSE_STARTS, 1)
        ]
        assert response["Location"] == f"/plans/{signed.pk}/course/"
        assert writes == ["appointment.create", "appointment.create", "course.book"]
    elif kind.startswith("setup"):
        _check_setup(world, kind, response, writes)
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


QUEUE_KINDS = {k for _, route, k, _ in ENTRIES if route.startswith((REQUESTS, QUEUE))}
FEED_KINDS = {"feed", "feed_create", "feed_revoke"}


def _request(world: Any) -> ConsultationRequest:
    return ConsultationRequest.objects.get(pk=world.schedule["request"].pk)


def _check_queue(
    world: Any, kind: str, column: str, response: HttpResponse, writes: list[str], last_id: int
) -> None:
    """Maya's request: listed for Harbor's staff (another clinic's prescriber sees its own
    clinic's, none), marked contacted, closed, or booked as a new patient's consultation."""
    here = column != "outsider"
    maya = world.schedule["request"]
    membership = world.membership(column)
    if kind in ("requests", "api_requests"):
        if kind == "requests":
            shown = [r.pk for r in response.context["rows"]]
        else:
            shown = [r["id"] for r in json.loads(response.content)]
        assert shown == ([maya.pk] if here else [])
        statuses = ["new", "contacted"] if kind == "requests" else []
        assert _reads(last_id) == [
            ("consultation_request.read", None, {"statuses": statuses, "shown": shown})
        ]
    elif kind == "api_request_create":
        made = ConsultationRequest.objects.exclude(pk=maya.pk).get()
        assert (made.clinic_id, made.full_name, made.phone, made.status) == (
            membership.clinic_id,
            MAYA["full_name"],
            MAYA["phone"],
            "new",
        )
        assert json.loads(response.content)["id"] == made.pk
        assert writes == ["consultation_request.create"]
    elif kind in ("api_request_update", "request_contacted", "request_close"):
        row = _request(world)
        closed = kind == "request_close"
        assert (row.status, row.note, row.version) == (
            "closed" if closed else "contacted",
            CLOSE_NOTE if closed else "",
            2,
        )
        if kind == "api_request_update":
            assert json.loads(response.content)["status"] == "contacted"
        else:
            assert response["Location"] == "/schedule/requests/"
        assert writes == ["consultation_request.update"]
    elif kind == "request_book" and response.status_code == 200:
        form = response.context["form"]
        assert response.context["row"].pk == maya.pk
        assert (form.initial["given_name"], form.initial["family_name"]) == ("Maya", "Lindqvist")
        assert [name for _, name in form.fields["service"].choices] == [CONSULTATION]
    elif kind == "request_book":
        row = _request(world)
        patient, appointment = row.patient, row.appointment
        assert patient is not None and appointment is not None
        assert (patient.given_name, patient.family_name, patient.clinic_id) == (
            "Maya",
            "Lindqvist",
            membership.clinic_id,
        )
        assert (appointment.patient_id, appointment.start_at, appointment.resource_id) == (
            patient.pk,
            BOOKED_AT,
            world.schedule["day"].room.pk,
        )
        assert (row.status, row.version) == ("booked", 2)
        assert response["Location"] == "/schedule/requests/"
        assert writes == ["patient.create", "appointment.create", "consultation_request.update"]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def _check_feed(
    world: Any, kind: str, column: str, response: HttpResponse, writes: list[str]
) -> None:
    """A staff member's own feed: shown, created (its URL shown once) or revoked."""
    membership = world.membership(column)
    feed, _ = world.schedule["feed"]
    own = CalendarFeed.objects.filter(membership=membership, revoked_at__isnull=True)
    if kind == "feed":
        shown = response.context["feed"]
        assert (shown.pk if shown else None) == (feed.pk if column == "prescriber" else None)
    elif kind == "feed_create":
        made = own.get()
        url = response.context["url"]
        prefix = f"{settings.KETACARE_BASE_URL.rstrip('/')}/calendar/"
        assert url.startswith(prefix) and url.endswith(".ics")
        token = url.removeprefix(prefix).removesuffix(".ics")
        assert hashlib.sha256(token.encode()).hexdigest() == made.token_sha256
        # A new feed replaces the member's old one.
        assert CalendarFeed.objects.get(pk=feed.pk).revoked_at == (
            NOW if column == "prescriber" else None
        )
        assert writes == ["calendar_feed.create"]
    elif kind == "feed_revoke":
        assert CalendarFeed.objects.get(pk=feed.pk).revoked_at == NOW
        assert own.count() == 0
        assert response["Location"] == "/calendar/mine/"
        assert writes == ["calendar_feed.revoke"]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


SCHEDULE_PAGE_KINDS = {k for _, route, k, _ in ENTRIES if route.startswith(("schedule/b", PAGE))}
SCHEDULE_PAGE_KINDS |= {"schedule_day", "schedule_week", "schedule_mine"}


def _check_schedule_page(
    world: Any, kind: str, column: str, response: HttpResponse, writes: list[str], last_id: int
) -> None:
    """The day, the week and my day show the appointments they read (each read audited with
    its patients); Dan's appointment, changed and audited as the API changes it."""
    cast = world.cast
    here = column != "outsider"
    dan, zoe = world.schedule["dan"], world.schedule["zoe"]
    both = sorted([str(cast.dan.pk), str(cast.zoe.pk)])
    if kind in ("schedule_day", "schedule_week", "schedule_mine"):
        # My day: the prescriber performs both consultations; the others perform none.
        mine = kind != "schedule_mine" or column == "prescriber"
        shown = both if here and mine else []
        assert [(a, p, d["patients"]) for a, p, d in _reads(last_id)] == [
            ("appointment.read", None, shown)
        ]
        if kind != "schedule_mine":
            harbor = response.context["site"].clinic_id == cast.clinic.pk
            assert harbor is here
    elif kind == "schedule_book" and response.status_code == 200:
        assert (response.context["patient"], response.context["booking"]) == (None, None)
    elif kind == "schedule_book":
        made = Appointment.objects.exclude(pk__in=[dan.pk, zoe.pk]).get()
        assert (made.patient_id, made.start_at, made.status) == (cast.dan.pk, BOOKED_AT, "booked")
        assert response["Location"] == f"/schedule/appointments/{made.pk}/"
        assert writes == ["appointment.create"]
    elif kind == "page_appointment":
        assert response.context["appointment"].pk == dan.pk
        assert [(a, p) for a, p, _ in _reads(last_id)] == [("appointment.read", str(cast.dan.pk))]
    else:
        changed = _dans(world)
        status, action = {
            "page_check_in": ("checked_in", "appointment.check_in"),
            "page_no_show": ("no_show", "appointment.no_show"),
            "page_cancel": ("cancelled", "appointment.cancel"),
            "page_reschedule": ("booked", "appointment.reschedule"),
        }[kind]
        assert (changed.status, changed.version) == (status, 2)
        if kind == "page_reschedule":
            assert changed.start_at == MOVED_TO
        if kind == "page_cancel":
            assert changed.cancel_reason == CANCEL_REASON
        assert response["Location"] == f"/schedule/appointments/{dan.pk}/"
        assert writes == [action]


def _check_setup(world: Any, kind: str, response: HttpResponse, writes: list[str]) -> None:
    """The owner's set-up pages: Harbor's rows, and each change made and audited."""
    day = world.schedule["day"]
    site = f"/{SETUP}sites/{day.site.pk}/"
    chair = Resource.objects.get(pk=day.chairs[2].pk)
    if response.status_code == 200:
        context = response.context
        if kind == "setup":
            assert [x.pk for x in context["sites"]] == [day.site.pk]
            assert context["active_services"] == len(SERVICE_NAMES)
        elif kind == "setup_services":
            assert [r["service"].name for r in context["rows"]] == SERVICE_NAMES
        elif kind == "setup_service":
            assert context["service"].pk == day.service(EDITED).pk
        elif kind == "setup_site":
            names = [r.name for r in context["resources"]]
            assert (context["site"].pk, sorted(names)) == (day.site.pk, RESOURCE_NAMES)
        elif kind in ("setup_hours", "setup_staff"):
            member = None if kind == "setup_hours" else world.cast.nurse.pk
            assert (context["site"].pk, context["member"] and context["member"].pk) == (
                day.site.pk,
                member,
            )
        elif kind == "setup_exceptions":
            assert context["site"].pk == day.site.pk
        elif kind == "setup_reminders":
            assert list(context["rules"]) == list(
                ReminderRule.objects.filter(clinic=day.site.clinic).order_by("-hours_before")
            )
        else:  # pragma: no cover - every kind is handled above
            raise AssertionError(f"no check for {kind}")
        return
    if kind == "setup_seed":
        assert Service.objects.get(clinic=day.site.clinic, name="Acupuncture").is_active
        assert response["Location"] == f"/{SETUP}services/"
        assert writes == ["service.create"]
    elif kind == "setup_service":
        edited = Service.objects.get(pk=day.service(EDITED).pk)
        assert (edited.duration_min, edited.buffer_min, edited.version) == (50, 10, 2)
        assert response["Location"] == f"/{SETUP}services/"
        assert writes == ["service.update"]
    elif kind == "setup_resource_add":
        assert Resource.objects.get(site=day.site, name="Chair 4").kind == "chair"
        assert response["Location"] == site
        assert writes == ["resource.create"]
    elif kind in ("setup_out", "setup_back"):
        assert chair.is_active is (kind == "setup_back")
        assert response["Location"] == site
        assert writes == ["resource.update"]
    elif kind in ("setup_hours", "setup_staff"):
        member = None if kind == "setup_hours" else world.cast.nurse.pk
        spans = WeeklyHours.objects.filter(site=day.site, membership__isnull=member is None)
        if member is not None:
            spans = spans.filter(membership_id=member)
        assert sorted((h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in spans) == [
            (d, "09:00", "17:00") for d in range(5)
        ]
        staff = "" if member is None else f"staff/{member}/"
        assert response["Location"] == f"{site}{staff}hours/"
        assert writes == ["hours.update"]
    elif kind == "setup_exceptions":
        leave = HoursException.objects.get(site=day.site, membership_id=world.cast.nurse.pk)
        assert (leave.day, leave.kind, leave.reason) == (
            date(2026, 3, 9),
            "replace",
            "Annual leave",
        )
        assert response["Location"] == f"{site}exceptions/"
        assert writes == ["hours_exception.create"]
    elif kind == "setup_exception_remove":
        assert not HoursException.objects.filter(pk=world.schedule["holiday"].pk).exists()
        assert response["Location"] == f"{site}exceptions/"
        assert writes == ["hours_exception.delete"]
    elif kind == "setup_reminders":
        rule = ReminderRule.objects.get(clinic=day.site.clinic, hours_before=48)
        assert rule.is_active
        assert response["Location"] == f"/{SETUP}reminders/"
        assert writes == ["reminder_rule.update"]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def check_link_route(
    world: Any, kind: str, response: HttpResponse, new_events: list[tuple[str, int | None]]
) -> None:
    """The prescriber's feed, to anyone with its URL: their appointments by initials and
    service, no names; the fetch is audited as the prescriber's read."""
    assert kind == "feed_file"
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = [(str(e["summary"]), e.decoded("dtstart")) for e in calendar.walk("VEVENT")]
    assert events == [
        ("D.D. – Free consultation", ny(MONDAY, 9)),
        # Zoë Ðorđević: the eth (U+00D0) of her family name.
        ("Z.\u00d0. – Free consultation", ny(MONDAY, 11)),
    ]
    cast = world.cast
    for name in (
        cast.dan.given_name,
        cast.dan.family_name,
        cast.zoe.given_name,
        cast.zoe.family_name,
    ):
        assert name.encode() not in response.content
    assert new_events == [("appointment.read", world.cast.prescriber.user.pk)]


def not_found_named(route: str) -> str | None:
    """The 404 problem detail of a route naming one of Harbor's appointments."""
    if "<appointment_id>" in route:
        return "No such appointment"
    return "No such consultation request" if "<request_id>" in route else None
