"""The demo clinic's calendar: seeded on Sunday 22 November 2026 (noon in Boston), its sites'
chairs, rooms and hours, a holiday and a day of leave, and the past week and the coming week
of appointments on every service, booked, checked in, cancelled and missed on their own days
through the booking services; and one signed plan's induction course."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils.html import escape

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, Site
from ketacare.audit.models import AuditEvent
from ketacare.demo.appointments import CANCEL_REASONS
from ketacare.demo.calendar_setup import demo_calendar
from ketacare.demo.seed import DEMO_PASSWORD, seed_demo
from ketacare.patients.models import Consent, RelatedPerson
from ketacare.scheduling.courses import course_progress
from ketacare.scheduling.models import (
    Appointment,
    HoursException,
    Resource,
    Service,
    WeeklyHours,
)
from ketacare.scheduling.queries import site_day
from ketacare.treatment.models import TreatmentPlan

from .calendar_checks import (
    BOSTON,
    appointments,
    assert_nothing_double_booked,
    assert_plan_sessions_keep_their_intervals,
    local,
)

SEEDED_AT = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)  # noon in Boston, a Sunday
TODAY = dt.date(2026, 11, 22)
D = dt.date
T = dt.time


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Seed once for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        with time_machine.travel(SEEDED_AT, tick=False):
            seed_demo()
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_each_site_has_its_chairs_rooms_and_opening_hours(seeded: None) -> None:
    resources = sorted(
        Resource.objects.filter(site__clinic__slug="demo").values_list("site__name", "kind", "name")
    )
    assert resources == [
        ("Back Bay", "chair", "Chair 1"),
        ("Back Bay", "chair", "Chair 2"),
        ("Back Bay", "chair", "Chair 3"),
        ("Back Bay", "room", "Room 1"),
        *[("Harbor Street", "chair", f"Chair {n}") for n in range(1, 7)],
        ("Harbor Street", "room", "Room 1"),
        ("Harbor Street", "room", "Room 2"),
    ]
    hours = {
        (row.site.name, row.membership.role if row.membership else "opening", row.weekday): (
            row.opens,
            row.closes,
        )
        for row in WeeklyHours.objects.select_related("site", "membership")
    }
    weekdays, saturday = (T(8), T(18)), (T(9), T(13))
    expected = {}
    for day in range(5):
        expected[("Harbor Street", "opening", day)] = weekdays
        expected[("Harbor Street", "nurse", day)] = weekdays
        expected[("Back Bay", "opening", day)] = weekdays
        if day != 3:
            expected[("Harbor Street", "prescriber", day)] = weekdays
    expected[("Back Bay", "prescriber", 3)] = weekdays
    for who in ("opening", "nurse", "prescriber"):
        expected[("Harbor Street", who, 5)] = saturday
    assert hours == expected


@pytest.mark.django_db
def test_a_holiday_at_both_sites_a_day_of_the_nurse_s_leave_and_today_s_extra_hours(
    seeded: None,
) -> None:
    rows = sorted(
        HoursException.objects.values_list(
            "site__name", "membership__role", "day", "kind", "opens", "reason"
        ),
        key=str,
    )
    # Harbor Street is closed on Sundays: the session in progress today has hours added for
    # the site and the nurse (ketacare.demo.chairside).
    extra = ("add", T(10), "Weekend infusion clinic")
    assert rows == [
        ("Back Bay", None, D(2026, 11, 25), "replace", None, "Clinic holiday"),
        ("Harbor Street", "nurse", D(2026, 11, 17), "replace", None, "Annual leave"),
        ("Harbor Street", "nurse", TODAY, *extra),
        ("Harbor Street", None, TODAY, *extra),
        ("Harbor Street", None, D(2026, 11, 25), "replace", None, "Clinic holiday"),
    ]


@pytest.mark.django_db
def test_the_clinic_has_the_standard_services(seeded: None) -> None:
    services = list(
        Service.objects.filter(clinic__slug="demo")
        .order_by("name")
        .values_list("name", "duration_min", "recovery_min", "resource_kind", "prescriber_on_site")
    )
    assert services == [
        ("Acupuncture", 60, 0, "room", False),
        ("Follow-up visit", 30, 0, "room", False),
        ("Free consultation", 30, 0, "room", False),
        ("IV hydration", 60, 0, "chair", False),
        ("Integration session", 60, 0, "room", False),
        ("Ketamine IM injection", 15, 60, "chair", False),
        ("Ketamine IV infusion", 40, 60, "chair", False),
        ("Ketamine IV infusion (4 h)", 240, 60, "chair", False),
        ("Ketamine nasal spray (in clinic)", 15, 60, "chair", False),
        ("Spravato session", 15, 105, "chair", True),
        ("Talk therapy", 60, 0, "room", False),
    ]
    assert not Service.objects.filter(clinic__slug="demo-lakeside").exists()


#: (service, before today, from today on): every service in both weeks; Spravato twice more
#: 13 and 10 days ago, and today's infusion in progress (ketacare.demo.chairside).
PER_SERVICE = [
    ("Acupuncture", 4, 4),
    ("Follow-up visit", 11, 9),
    ("Free consultation", 6, 5),
    ("IV hydration", 5, 5),
    ("Integration session", 5, 4),
    ("Ketamine IM injection", 6, 5),
    ("Ketamine IV infusion", 12, 17),
    ("Ketamine IV infusion (4 h)", 2, 1),
    ("Ketamine nasal spray (in clinic)", 5, 4),
    ("Spravato session", 4, 2),
    ("Talk therapy", 4, 4),
]


@pytest.mark.django_db
def test_a_week_before_and_a_week_after_on_every_service(seeded: None) -> None:
    rows = appointments()
    counts = Counter((a.service.name, local(a.start_at).date() < TODAY) for a in rows)
    assert [
        (name, counts[(name, True)], counts[(name, False)])
        for name in sorted({a.service.name for a in rows})
    ] == PER_SERVICE
    days = sorted({local(a.start_at).date() for a in rows})
    # Not on Sundays (15 November) nor the holiday (25 November), but today's session in
    # progress; the course goes on.
    assert days == [
        *[D(2026, 11, d) for d in (9, 12, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 28, 30)],
        D(2026, 12, 2),
        D(2026, 12, 4),
        D(2026, 12, 7),
    ]


@pytest.mark.django_db
def test_what_became_of_each_appointment_happened_on_its_day(seeded: None) -> None:
    rows = appointments()
    statuses = Counter((a.status, local(a.start_at).date() < TODAY) for a in rows)
    # The sessions of signed plans discharged: completed; IM injections stay checked in.
    assert statuses == {
        ("completed", True): 17,
        ("checked_in", True): 40,
        ("checked_in", False): 1,
        ("no_show", True): 5,
        ("cancelled", True): 2,
        ("booked", False): 51,
        ("cancelled", False): 8,
    }
    for a in rows:
        day = local(a.start_at).date()
        if a.status in ("checked_in", "completed"):
            assert a.checked_in_at == a.start_at - dt.timedelta(minutes=5), a
        elif a.status == "no_show":
            assert a.no_show_at == a.start_at + dt.timedelta(minutes=20), a
        elif a.status == "cancelled":
            assert a.cancel_reason in CANCEL_REASONS, a
            assert a.cancelled_at is not None
            cancelled = local(a.cancelled_at)
            on = min(day - dt.timedelta(days=1), TODAY - dt.timedelta(days=1))
            assert (cancelled.date(), cancelled.time()) == (on, T(16)), a
        else:
            assert (a.checked_in_at, a.no_show_at, a.cancelled_at) == (None, None, None)


@pytest.mark.django_db
def test_each_was_booked_at_the_front_desk_before_it_started(seeded: None) -> None:
    desk = Membership.objects.get(user__email="frontdesk@demo.ketacare.org")
    course = {a.pk for a in appointments() if a.patient.mrn == "KC000005" and a.plan_id}
    for a in appointments():
        assert a.created_by_id == desk.user_id
        booked = local(a.created_at)
        if a.pk in course:
            assert (booked.date(), booked.time()) == (D(2026, 11, 21), T(15)), a
        elif local(a.start_at).date() == TODAY:  # the session in progress, booked this morning
            assert (booked.date(), booked.time()) == (TODAY, T(9)), a
        elif local(a.start_at).date() < TODAY - dt.timedelta(days=7):
            # The Spravato visits before the fortnight: booked the morning after the calendar
            # moved into ketacare.
            assert (booked.date(), booked.time()) == (D(2026, 11, 2), T(9, 30)), a
        else:
            assert booked.date() == local(a.start_at).date() - dt.timedelta(days=7), a
    created = AuditEvent.objects.filter(action="appointment.create", clinic_id=desk.clinic_id)
    assert list(created.values_list("outcome", flat=True).distinct()) == ["success"]
    assert created.count() == len(appointments()) == 124


@pytest.mark.django_db
def test_nothing_is_double_booked_and_plans_keep_their_intervals(seeded: None) -> None:
    rows = appointments()
    assert_nothing_double_booked(rows)
    assert_plan_sessions_keep_their_intervals(rows)


@pytest.mark.django_db
def test_who_works_where_shows_in_the_bookings(seeded: None) -> None:
    rows = appointments()
    leave = [a for a in rows if local(a.start_at).date() == D(2026, 11, 17)]
    assert len(leave) == 8 and {a.performer.role for a in leave} == {"prescriber"}
    thursdays = [a for a in rows if local(a.start_at).weekday() == 3]
    assert {(a.site.name, a.performer.role) for a in thursdays} == {
        ("Harbor Street", "nurse"),
        ("Back Bay", "prescriber"),
    }
    spravato = [a for a in rows if a.service.name == "Spravato session"]
    assert [(local(a.start_at).date(), a.site.name, a.status) for a in spravato] == [
        (D(2026, 11, 9), "Harbor Street", "completed"),
        (D(2026, 11, 12), "Back Bay", "completed"),
        (D(2026, 11, 16), "Harbor Street", "cancelled"),
        (D(2026, 11, 19), "Back Bay", "completed"),
        (D(2026, 11, 23), "Harbor Street", "booked"),
        (D(2026, 11, 27), "Harbor Street", "booked"),
    ]
    assert all(a.prescriber_on_site_id is not None for a in spravato)
    assert {a.patient.mrn for a in spravato} == {"KC000001"}


@pytest.mark.django_db
def test_the_spravato_patient_has_rems_enrolment_and_an_escort(seeded: None) -> None:
    consents = Consent.objects.filter(patient__mrn="KC000001", patient__clinic__slug="demo")
    assert consents.filter(kind="spravato_rems_enrollment", status="given").count() == 1
    escorts = RelatedPerson.objects.filter(
        patient__mrn="KC000001", patient__clinic__slug="demo", relationship="escort"
    )
    assert escorts.count() == 1


@pytest.mark.django_db
def test_one_induction_course_was_booked_from_its_signed_plan(seeded: None) -> None:
    course = [a for a in appointments() if a.patient.mrn == "KC000005" and a.plan_id]
    assert [(local(a.start_at), a.course_phase, a.course_number, a.status) for a in course] == [
        (dt.datetime(2026, 11, day, 8, 0, tzinfo=BOSTON), "induction", number, "booked")
        for number, day in enumerate((23, 27, 30), start=1)
    ] + [
        (dt.datetime(2026, 12, day, 8, 0, tzinfo=BOSTON), "induction", number, "booked")
        for number, day in enumerate((2, 4, 7), start=4)
    ]
    plan = course[0].plan
    assert (
        plan is not None
        and plan.status == "signed"
        and plan.protocol_id == ("depression-iv-induction")
    )
    assert {a.plan_id for a in course} == {plan.pk}
    event = AuditEvent.objects.get(action="course.book")
    assert event.data == {"phase": "induction", "appointments": [a.pk for a in course]}
    with time_machine.travel(SEEDED_AT, tick=False):
        progress = course_progress(plan)
    assert [(p.phase, p.sessions, p.done, p.booked, p.left) for p in progress] == [
        ("induction", 6, 0, 6, 0)
    ]


@pytest.mark.django_db
def test_the_plan_signed_before_it_waits_for_its_course_to_be_booked(seeded: None) -> None:
    plan = TreatmentPlan.objects.get(patient__mrn="KC000004", patient__clinic__slug="demo")
    assert (plan.status, plan.protocol_id) == ("signed", "depression-iv-induction")
    assert not Appointment.objects.filter(plan__patient=plan.patient).exists()
    with time_machine.travel(SEEDED_AT, tick=False):
        progress = course_progress(plan)
    assert [(p.phase, p.done, p.booked, p.left) for p in progress] == [("induction", 0, 0, 6)]


@pytest.mark.django_db
def test_the_front_desk_s_day_at_harbor_street_tomorrow(seeded: None) -> None:
    desk = Membership.objects.get(user__email="frontdesk@demo.ketacare.org")
    harbor = desk.clinic.sites.get(name="Harbor Street")
    with time_machine.travel(SEEDED_AT, tick=False):
        day = site_day(actor_for(desk), harbor, D(2026, 11, 23))
    assert [c.resource.name for c in day.columns] == [
        *[f"Chair {n}" for n in range(1, 7)],
        "Room 1",
        "Room 2",
    ]
    # The twelve of a full day without the pain infusion, and the course's first session.
    assert len(day.appointments) == 13
    assert sum(len(c.starts) for c in day.columns) == 13


@pytest.mark.django_db
def test_the_day_page_shows_tomorrow_s_appointments_at_harbor_street(seeded: None) -> None:
    harbor = Site.objects.get(clinic__slug="demo", name="Harbor Street")
    rows = [
        a
        for a in appointments()
        if a.site_id == harbor.pk and local(a.start_at).date() == D(2026, 11, 23)
    ]
    with time_machine.travel(SEEDED_AT, tick=False):
        client = Client()
        login = {"email": "frontdesk@demo.ketacare.org", "password": DEMO_PASSWORD}
        assert client.post("/accounts/login/", login).status_code == 302
        page = client.get(f"/schedule/?site={harbor.pk}&date=2026-11-23")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="slot-patient"') == len(rows) == 13
    for a in rows:
        assert escape(a.patient.display_name) in html, a.patient.mrn


@pytest.mark.parametrize("weekday", range(7))
def test_the_holiday_is_ahead_on_a_weekday_and_the_leave_behind_on_a_nurse_s_day(
    weekday: int,
) -> None:
    today = TODAY + dt.timedelta(days=(weekday - TODAY.weekday()) % 7)
    calendar = demo_calendar(today)
    assert 3 <= (calendar.holiday - today).days <= 5 and calendar.holiday.weekday() < 5
    assert 1 <= (today - calendar.leave).days <= 5 and calendar.leave.weekday() in (0, 1, 2, 4)
    assert not calendar.is_open(calendar.holiday) and calendar.kind(calendar.leave) == "leave"
