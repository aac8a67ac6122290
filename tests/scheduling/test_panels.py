"""What scheduling adds to other pages: the chart's Appointments panel (the next
appointments, each signed plan's course done / booked / left, the Book link), the patient
list's Next appointment column, and the header's counters of today (to arrive, late,
checked in) for the staff."""

from __future__ import annotations

import re
from typing import Any

import time_machine

from ketacare.accounts.actor import actor_for
from ketacare.lib.panels import Counter, HeaderLink, Registry
from ketacare.scheduling import booking
from ketacare.scheduling.models import Appointment
from tests.conftest import logged_in
from tests.scheduling.conftest import MONDAY, Day, add_escort, ny, signed_plan
from tests.treatment.pages import visible_text

INFUSION = "Ketamine IV infusion"


def _book(day: Day, patient: Any, hour: int, minute: int = 0, **kw: Any) -> Appointment:
    service = kw.pop("service", INFUSION)
    return booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        patient.pk,
        service_id=day.service(service).pk,
        start_at=ny(kw.pop("on", MONDAY), hour, minute),
        **kw,
    )


def _panel(html: str) -> str:
    start = html.index('<section class="card" id="appointments">')
    return html[start : html.index("</section>", start)]


def test_the_chart_shows_the_next_appointments_and_the_course_with_a_book_link(
    day: Day, as_role: Any
) -> None:
    plan = signed_plan(day.cast)
    first = _book(day, day.cast.dan, 9, plan_id=plan.pk)
    _book(day, day.cast.dan, 9, on=MONDAY.replace(day=4), plan_id=plan.pk)
    cancelled = _book(day, day.cast.dan, 9, on=MONDAY.replace(day=6), service="Talk therapy")
    booking.appointment_cancel(
        day.cast.actor(day.cast.front_desk), cancelled.pk, reason="Patient unwell"
    )
    panel = _panel(as_role("nurse").get(f"/patients/{day.cast.dan.pk}/").content.decode())
    upcoming = re.findall(r"<li>(.*?)</li>", panel, re.S)
    assert [visible_text(li) for li in upcoming] == [
        "Mon 2 Mar 2026, 09:00 Ketamine IV infusion · Chair 1 Booked",
        "Wed 4 Mar 2026, 09:00 Ketamine IV infusion · Chair 1 Booked",
    ]
    assert f'<a href="/schedule/appointments/{first.pk}/">' in upcoming[0]
    course = re.findall(r"<tr><td(.*?)</tr>", panel, re.S)
    # The maintenance after the induction is another protocol, booked from its own plan.
    assert [visible_text("<td" + row) for row in course] == ["Induction (6 sessions) 0 2 4"]
    assert "Course: Depression: IV ketamine induction" in visible_text(panel)
    assert f'href="/schedule/book/?patient={day.cast.dan.pk}">Book</a>' in panel


def test_a_checked_in_session_whose_block_is_over_counts_as_done(
    day: Day, as_role: Any, clock: time_machine.Coordinates
) -> None:
    plan = signed_plan(day.cast)
    add_escort(day.cast)
    visit = _book(day, day.cast.dan, 9, plan_id=plan.pk)
    clock.move_to(ny(MONDAY, 9, 5))
    booking.appointment_check_in(day.cast.actor(day.cast.nurse), visit.pk)
    clock.move_to(ny(MONDAY, 11))
    panel = _panel(as_role("nurse").get(f"/patients/{day.cast.dan.pk}/").content.decode())
    assert visible_text(panel.split("<tbody>")[1]) == "Induction (6 sessions) 1 0 5"
    assert "Nothing booked ahead" in visible_text(panel)


def test_a_patient_sees_their_appointments_on_their_chart_without_booking(
    day: Day, as_role: Any
) -> None:
    _book(day, day.cast.dan, 9)
    panel = _panel(as_role("patient").get(f"/patients/{day.cast.dan.pk}/").content.decode())
    assert visible_text(panel) == (
        "Appointments Mon 2 Mar 2026, 09:00 Ketamine IV infusion · Chair 1 Booked"
    )
    assert "/schedule/book/" not in panel


def test_the_patient_list_shows_each_patients_next_appointment(day: Day, as_role: Any) -> None:
    visit = _book(day, day.cast.dan, 9, 30)
    _book(day, day.cast.dan, 10, on=MONDAY.replace(day=9))
    html = as_role("front_desk").get("/patients/").content.decode()
    assert '<th scope="col">Next appointment</th>' in html
    cells = re.findall(r'<td data-label="Next appointment">(.*?)</td>', html, re.S)
    assert cells == [
        f'<a href="/schedule/appointments/{visit.pk}/">Mon 2026-03-02 09:30</a> · '
        "Ketamine IV infusion",
        "—",
    ]


def _nav(client: Any) -> list[str]:
    html = client.get("/accounts/security/").content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav is not None
    return [
        " ".join(re.sub(r"<[^>]+>", " ", link).split())
        for link in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(1), re.S)
    ]


def test_the_header_counts_todays_arrivals_late_and_checked_in(
    day: Day, as_role: Any, clock: time_machine.Coordinates
) -> None:
    assert "Schedule" in _nav(as_role("front_desk"))
    _book(day, day.cast.dan, 8)  # late from 08:10
    zoe = _book(day, day.cast.zoe, 8, 15, service="Talk therapy")
    _book(day, day.cast.dan, 13)  # still to arrive
    _book(day, day.cast.zoe, 9, on=MONDAY.replace(day=3))  # tomorrow: not counted
    clock.move_to(ny(MONDAY, 8, 20))
    booking.appointment_check_in(actor_for(day.cast.front_desk), zoe.pk)
    clock.move_to(ny(MONDAY, 8, 30))
    nav = _nav(as_role("front_desk"))
    assert nav[1] == "Schedule 1 to arrive 1 late 1 checked in"
    html = as_role("nurse").get("/accounts/security/").content.decode()
    assert (
        '<a href="/schedule/">Schedule <span class="counter counter-info">1 to arrive</span> '
        '<span class="counter counter-warn">1 late</span> '
        '<span class="counter counter-good">1 checked in</span></a>'
    ) in html
    # Another clinic's staff see their own (empty) day; a patient has no schedule link.
    assert "Schedule" in _nav(as_role("outsider"))
    assert [link for link in _nav(as_role("patient")) if link.startswith("Schedule")] == []


def test_the_header_counter_at_zero_is_left_out_and_marks_the_day_page(
    day: Day, as_role: Any
) -> None:
    html = as_role("owner").get("/schedule/").content.decode()
    assert '<a aria-current="page" href="/schedule/">Schedule</a>' in html


def test_a_header_link_may_carry_several_counters_beside_a_single_count() -> None:
    """``counters`` is optional: the links registered before it still build, and the zero
    ones are dropped by the header (``web.context_processors``)."""
    registry: Registry[HeaderLink] = Registry("header link")
    plain = registry.register(HeaderLink("a", "A", 1, "patients:list", lambda m: True))
    counted = registry.register(
        HeaderLink(
            "b",
            "B",
            2,
            "patients:list",
            lambda m: True,
            counters=lambda m: [Counter(0, "late", "warn"), Counter(2, "to arrive")],
        )
    )
    assert (plain.count, plain.counters) == (None, None)
    assert counted.counters is not None
    assert list(counted.counters(None)) == [
        Counter(0, "late", "warn"),
        Counter(2, "to arrive", "info"),
    ]


def test_the_header_counters_go_through_the_context_processor(day: Day) -> None:
    from django.test import RequestFactory

    from ketacare.web.context_processors import header

    _book(day, day.cast.dan, 9)
    request = RequestFactory().get("/")
    request.membership = day.cast.front_desk  # type: ignore[attr-defined]
    shown = {s.link.key: s for s in header(request)["header_links"]}
    assert shown["schedule"].counters == (Counter(1, "to arrive", "info"),)
    assert shown["patients"].counters == ()
    client = logged_in(day.cast.front_desk.user)
    assert client.get("/schedule/").status_code == 200
