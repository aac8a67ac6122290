"""The schedule's pages: who may open each and do each action (the four-way test), the day's
grid (an appointment in its chair's column, on its start's row, spanning its block; on the
DST day too), the actions on an appointment and their refusals named on the form, booking
from the free slots and a walk-in, the week and my day."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import unescape
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patients
from ketacare.scheduling import booking, setup
from ketacare.scheduling.display import _placed
from ketacare.scheduling.models import Appointment, Resource
from tests.conftest import Cast, logged_in
from tests.scheduling.conftest import MONDAY, WEEKDAYS, Day, add_escort, ny, signed_plan
from tests.scheduling.grid import Placed, read_grid
from tests.scheduling.routes import PAGE_ROUTES
from tests.treatment.pages import bare_codes, visible_text

INFUSION = "Ketamine IV infusion"
DST_SUNDAY = date(2026, 3, 8)


def book(
    day: Day,
    patient: Any,
    hour: int,
    minute: int = 0,
    *,
    service: str = INFUSION,
    chair: Resource | None = None,
    on: date = MONDAY,
) -> Appointment:
    return booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        patient.pk,
        service_id=day.service(service).pk,
        start_at=ny(on, hour, minute),
        resource_id=chair.pk if chair is not None else None,
    )


def fresh(appointment: Appointment) -> Appointment:
    return Appointment.objects.get(pk=appointment.pk)


def words(fragment: str, between_tags: str = " ") -> str:
    """A fragment of HTML as read: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", between_tags, fragment)).split())


def cells(row: str) -> list[str]:
    return [words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def errors_of(html: str, form_prefix: str) -> list[str]:
    """The lines of one form's error summary (``components/form_errors.html``), as read."""
    start = html.index(f'aria-labelledby="{form_prefix}-errors-title"')
    summary = html[start : html.index("</div>", start)]
    return [words(item, "") for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]


# --- who may open each page and do each action -------------------------------------------------

ROLES = ("anonymous", "outsider", "patient", "front_desk")
READS = ("appointment.read", "patient.read", "patient.search")


@dataclass
class Scene:
    day: Day
    dan: Appointment  # Dan's infusion, Monday 09:00 in Chair 1
    zoe: Appointment  # Zoë's infusion, Monday 13:00

    @property
    def ids(self) -> dict[str, object]:
        return {
            "site": self.day.site.pk,
            "dan": self.day.cast.dan.pk,
            "visit": self.dan.pk,
            "zoe_visit": self.zoe.pk,
        }


@pytest.fixture
def scene(day: Day) -> Scene:
    return Scene(day, book(day, day.cast.dan, 9), book(day, day.cast.zoe, 13))


# page -> (path, status by role). A page naming a row of Harbor (its site, a patient, an
# appointment) is not found for the prescriber of another clinic; my day names none (theirs
# is empty); a patient reads only their own appointment.
PAGES = {
    "day": ("/schedule/?site={site}", (302, 404, 403, 200)),
    "week": ("/schedule/week/?site={site}", (302, 404, 403, 200)),
    "mine": ("/schedule/mine/", (302, 200, 403, 200)),
    "book": ("/schedule/book/?patient={dan}", (302, 404, 403, 200)),
    "appointment": ("/schedule/appointments/{visit}/", (302, 404, 200, 200)),
    "other_patients_appointment": ("/schedule/appointments/{zoe_visit}/", (302, 404, 404, 200)),
}
PAGE_CASES = [pytest.param(page, role, id=f"{page}-{role}") for page in PAGES for role in ROLES]


def _refused_as(response: Any, role: str, path: str, expected: int) -> None:
    assert response.status_code == expected, response.content[:400]
    if role == "anonymous":
        assert response["Location"] == "/accounts/login/?next=" + quote(path, safe="/")
    elif expected == 403:
        assert b"<h1>Not allowed</h1>" in response.content
    elif expected == 404:
        assert b"<h1>Not found</h1>" in response.content


@pytest.mark.parametrize(("page", "role"), PAGE_CASES)
def test_each_page_answers_each_kind_of_user(
    scene: Scene, as_role: Any, page: str, role: str
) -> None:
    template, statuses = PAGES[page]
    path = template.format(**scene.ids)
    expected = dict(zip(ROLES, statuses, strict=True))[role]
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = as_role(role).get(path)
    _refused_as(response, role, path, expected)
    reads = AuditEvent.objects.filter(id__gt=last, action__in=READS).count()
    if expected == 200:
        assert bare_codes(response.content) == []
    else:
        assert reads == 0


@dataclass(frozen=True)
class Action:
    path: str
    data: Callable[[Scene], dict[str, Any]]
    done: Callable[[Scene], Any]  # what the front desk's action changed
    before: Callable[[Scene, time_machine.Coordinates], None] = lambda s, c: None


def _version(prefix: str) -> Callable[[Scene], dict[str, Any]]:
    return lambda s: {f"{prefix}-version": fresh(s.dan).version}


ACTIONS = {
    "check_in": Action(
        "/schedule/appointments/{visit}/check-in/",
        _version("arrive"),
        lambda s: fresh(s.dan).status,
        lambda s, clock: add_escort(s.day.cast),
    ),
    "no_show": Action(
        "/schedule/appointments/{visit}/no-show/",
        _version("noshow"),
        lambda s: fresh(s.dan).status,
        lambda s, clock: clock.move_to(ny(MONDAY, 9, 30)),
    ),
    "cancel": Action(
        "/schedule/appointments/{visit}/cancel/",
        lambda s: {
            "cancel-version": fresh(s.dan).version,
            "cancel-reason": "Patient called: unwell today",
        },
        lambda s: (fresh(s.dan).status, fresh(s.dan).cancel_reason),
    ),
    "reschedule": Action(
        "/schedule/appointments/{visit}/reschedule/",
        lambda s: {
            "move-version": fresh(s.dan).version,
            "move-start_date": "2026-03-03",
            "move-start_time": "10:00",
            "move-resource": "",
            "move-performer": "",
        },
        lambda s: fresh(s.dan).start_at,
    ),
    "book": Action(
        "/schedule/book/",
        lambda s: {
            "patient": s.day.cast.dan.pk,
            "service": s.day.service(INFUSION).pk,
            "start": ny(MONDAY, 14).isoformat(),
        },
        lambda s: list(
            Appointment.objects.filter(patient=s.day.cast.dan).values_list("start_at", flat=True)
        ),
    ),
}
# Columns: anonymous, outsider, patient (on their own appointment), front desk.
ACTION_STATUSES = (302, 404, 403, 302)
DONE = {
    "check_in": "checked_in",
    "no_show": "no_show",
    "cancel": ("cancelled", "Patient called: unwell today"),
    "reschedule": ny(date(2026, 3, 3), 10),
    "book": [ny(MONDAY, 9), ny(MONDAY, 14)],
}
ACTION_CASES = [
    pytest.param(action, role, id=f"{action}-{role}") for action in ACTIONS for role in ROLES
]


@pytest.mark.parametrize(("action", "role"), ACTION_CASES)
def test_each_action_answers_each_kind_of_user(
    scene: Scene, clock: time_machine.Coordinates, as_role: Any, action: str, role: str
) -> None:
    spec = ACTIONS[action]
    spec.before(scene, clock)
    unchanged = spec.done(scene)
    path = spec.path.format(**scene.ids)
    response = as_role(role).post(path, spec.data(scene))
    expected = dict(zip(ROLES, ACTION_STATUSES, strict=True))[role]
    if role != "front_desk":
        _refused_as(response, role, path, expected)
        assert spec.done(scene) == unchanged
        return
    assert response.status_code == 302
    booked = Appointment.objects.order_by("-pk").first()
    target = booked if action == "book" else scene.dan
    assert target is not None
    assert response["Location"] == f"/schedule/appointments/{target.pk}/"
    assert spec.done(scene) == DONE[action]


def test_every_route_of_the_schedules_pages_is_tested_here() -> None:
    from ketacare.scheduling import urls

    assert sorted(f"schedule/{p.pattern}" for p in urls.urlpatterns) == sorted(PAGE_ROUTES)
    tested = {t.split("?")[0] for t, _ in PAGES.values()} | {a.path for a in ACTIONS.values()}
    placeholders = {"{visit}": "<int:pk>", "{zoe_visit}": "<int:pk>"}
    for old, new in placeholders.items():
        tested = {t.replace(old, new) for t in tested}
    assert sorted(t.lstrip("/") for t in tested) == sorted(PAGE_ROUTES)


PROBES = [
    pytest.param(route, method, id=f"{method} /{route}")
    for route, allowed in PAGE_ROUTES.items()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in allowed
]


@pytest.mark.parametrize(("route", "method"), PROBES)
def test_every_other_method_is_refused(scene: Scene, route: str, method: str) -> None:
    """Even the owner: an action is posted, never got; nothing changes."""
    path = "/" + route.replace("<int:pk>", str(scene.dan.pk))
    response = logged_in(scene.day.cast.owner.user).generic(method, path)
    assert response.status_code == 405
    assert (fresh(scene.dan).status, fresh(scene.dan).version) == ("booked", 1)


def test_a_patient_reads_their_own_appointment_without_the_actions(scene: Scene) -> None:
    html = logged_in(scene.day.cast.dan_login.user).get(f"/schedule/appointments/{scene.dan.pk}/")
    text = visible_text(html.content)
    assert "Ketamine IV infusion · Mon 2 Mar 2026, 09:00–10:55 Booked" in text
    for action in ("Check in", "Mark as a no-show", "Move the appointment", "Cancel the"):
        assert action not in text


# --- the day's grid -----------------------------------------------------------------------------


def test_the_grid_puts_each_appointment_in_its_chairs_column_on_its_starts_row(
    day: Day, as_role: Any
) -> None:
    chair1, chair2, chair3 = day.chairs
    dan = book(day, day.cast.dan, 9, chair=chair2)
    zoe = book(day, day.cast.zoe, 9, 30, chair=chair1)
    later = book(day, day.cast.dan, 11, chair=chair2)
    talk = book(day, day.cast.zoe, 14, service="Talk therapy")
    html = as_role("front_desk").get(f"/schedule/?site={day.site.pk}&date=2026-03-02")
    columns, rows, placed = read_grid(html.content.decode())
    assert columns == ["Chair 1", "Chair 2", "Chair 3", "Room A"]
    assert (rows[0], rows[-1], len(rows)) == ("07:00", "19:45", 52)
    # An infusion holds its chair 115 min (40 + 60 of recovery + 15 of turnover): 8 rows.
    # Talk therapy 60 + 15 min: 5 rows.
    assert placed == {
        f"appointment-{dan.pk}": Placed("09:00", "Chair 2", 8),
        f"appointment-{zoe.pk}": Placed("09:30", "Chair 1", 8),
        f"appointment-{later.pk}": Placed("11:00", "Chair 2", 8),
        f"appointment-{talk.pk}": Placed("14:00", "Room A", 5),
    }
    cell = re.search(rf'id="appointment-{zoe.pk}">(.*?)</td>', html.content.decode(), re.S)
    assert cell is not None
    assert " ".join(re.sub(r"<[^>]+>", " ", cell.group(1)).split()) == (
        "09:30–11:25 Zoë Ðorđević Ketamine IV infusion Booked"
    )


def _open_on_sundays(day: Day) -> None:
    owner = day.cast.actor(day.cast.owner)
    every_day = {**WEEKDAYS, 6: WEEKDAYS[0]}
    setup.hours_set(owner, site_id=day.site.pk, pattern=every_day)
    for member in (day.cast.nurse, day.cast.prescriber):
        setup.hours_set(owner, site_id=day.site.pk, membership_id=member.pk, pattern=every_day)


def test_on_the_day_the_clocks_go_forward_the_grid_keeps_local_rows(day: Day, as_role: Any) -> None:
    """Sunday 8 March 2026 in New York has 23 hours; the grid's rows are the local quarters
    from 07:00 (EDT), and a 09:00 infusion sits on the 09:00 row (13:00 UTC)."""
    _open_on_sundays(day)
    visit = book(day, day.cast.dan, 9, on=DST_SUNDAY, chair=day.chairs[2])
    assert visit.start_at.isoformat() == "2026-03-08T13:00:00+00:00"
    response = as_role("front_desk").get(f"/schedule/?site={day.site.pk}&date=2026-03-08")
    _, rows, placed = read_grid(response.content.decode())
    assert (rows[0], rows[8], rows[-1], len(rows)) == ("07:00", "09:00", "19:45", 52)
    assert placed == {f"appointment-{visit.pk}": Placed("09:00", "Chair 3", 8)}
    page = as_role("front_desk").get(f"/schedule/appointments/{visit.pk}/")
    assert '<dd id="starts">Sun 8 Mar 2026, 09:00 EDT</dd>' in page.content.decode()


def test_a_block_never_reaches_into_the_next_on_its_chair() -> None:
    """Blocks off the quarter-hour grid (a walk-in, an edited service) start on the row
    holding their start and end before the next block's row."""
    starts = [ny(MONDAY, 9, m) for m in (0, 15, 30, 45)] + [ny(MONDAY, 10, m) for m in (0, 15)]

    def visit(pk: int, start: tuple[int, int], end: tuple[int, int]) -> Any:
        return SimpleNamespace(pk=pk, start_at=ny(MONDAY, *start), end_at=ny(MONDAY, *end))

    placed = _placed(starts, [visit(1, (9, 0), (9, 55)), visit(2, (9, 55), (10, 20))])
    assert placed == {1: (0, 4), 2: (4, 2)}
    assert _placed(starts, [visit(3, (9, 10), (9, 20))]) == {3: (0, 2)}


def test_the_day_lists_the_appointments_by_time_for_a_phone(day: Day, as_role: Any) -> None:
    book(day, day.cast.zoe, 13, chair=day.chairs[1])
    book(day, day.cast.dan, 9)
    html = as_role("front_desk").get("/schedule/").content.decode()
    listing = html[
        html.index('id="day-list"') : html.index("</section>", html.index('id="day-list"'))
    ]
    assert [words(li) for li in re.findall(r"<li>(.*?)</li>", listing, re.S)] == [
        "09:00–10:55 Dan Dawson Ketamine IV infusion · Chair 1 Booked",
        "13:00–14:55 Zoë Ðorđević Ketamine IV infusion · Chair 2 Booked",
    ]


def test_the_day_links_the_days_around_it_and_switches_site(day: Day, as_role: Any) -> None:
    from ketacare.accounts import sites

    second = sites.site_create(
        day.cast.actor(day.cast.owner),
        data={"name": "Cambridge", "time_zone": "America/New_York", "city": "Cambridge"},
    )
    html = as_role("front_desk").get(f"/schedule/?site={day.site.pk}&date=2026-03-02")
    text = html.content.decode()
    assert f'href="?site={day.site.pk}&amp;date=2026-03-01" rel="prev"' in text
    assert f'href="?site={day.site.pk}&amp;date=2026-03-03" rel="next"' in text
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', text)
    assert options == [
        (str(second.pk), "", "Cambridge"),
        (str(day.site.pk), " selected", "Harbor Ketamine Clinic"),
    ]
    other = as_role("front_desk").get(f"/schedule/?site={second.pk}")
    assert "No chairs or rooms at this site" in visible_text(other.content)


def test_a_bad_date_is_named_on_the_form(day: Day, as_role: Any) -> None:
    response = as_role("front_desk").get("/schedule/?date=2026-02-30")
    assert response.status_code == 400
    assert errors_of(response.content.decode(), "form") == ["Date: Enter a valid date."]


# --- the appointment's actions ------------------------------------------------------------------


def test_checking_in_needs_the_ride_home_and_says_so_on_the_form(day: Day) -> None:
    visit = book(day, day.cast.dan, 9)
    client = logged_in(day.cast.front_desk.user)
    page = client.get(f"/schedule/appointments/{visit.pk}/").content.decode()
    assert f'action="/schedule/appointments/{visit.pk}/check-in/"' in page
    assert "Mark as a no-show" not in page  # its start has not passed
    refused = client.post(f"/schedule/appointments/{visit.pk}/check-in/", {"arrive-version": 1})
    assert refused.status_code == 400
    assert errors_of(refused.content.decode(), "arrive") == [
        "Ride home: record the escort or driver taking the patient home (name and phone) on "
        "the chart's contacts first: no driving until the next day after a night's sleep"
    ]
    assert fresh(visit).status == "booked"
    add_escort(day.cast)
    done = client.post(f"/schedule/appointments/{visit.pk}/check-in/", {"arrive-version": 1})
    assert done.status_code == 302
    shown = client.get(done["Location"]).content.decode()
    assert '<dd id="status"><span class="badge badge-good">Checked in</span></dd>' in shown
    assert '<dd id="checked-in-at">Mon 2 Mar 2026, 07:00 EST</dd>' in shown
    assert fresh(visit).status == "checked_in"


def test_a_no_show_waits_for_the_start(day: Day, clock: time_machine.Coordinates) -> None:
    visit = book(day, day.cast.dan, 9)
    client = logged_in(day.cast.front_desk.user)
    early = client.post(f"/schedule/appointments/{visit.pk}/no-show/", {"noshow-version": 1})
    assert early.status_code == 400
    assert errors_of(early.content.decode(), "noshow") == [
        "Status: a no-show is marked once the start time has passed"
    ]
    clock.move_to(ny(MONDAY, 9, 20))
    client = logged_in(day.cast.front_desk.user)
    page = client.get(f"/schedule/appointments/{visit.pk}/").content.decode()
    assert (
        '<span class="badge badge-info">Booked</span> <span class="badge badge-warn">Late</span>'
        in page
    )
    assert (
        client.post(
            f"/schedule/appointments/{visit.pk}/no-show/", {"noshow-version": 1}
        ).status_code
        == 302
    )
    assert fresh(visit).status == "no_show"


def test_cancelling_needs_a_reason(day: Day) -> None:
    visit = book(day, day.cast.dan, 9)
    client = logged_in(day.cast.front_desk.user)
    url = f"/schedule/appointments/{visit.pk}/cancel/"
    refused = client.post(url, {"cancel-version": 1, "cancel-reason": "no"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert errors_of(html, "cancel") == ["Why it is cancelled: say why, in 3-500 characters"]
    assert re.findall(
        r'<ul class="field-errors" id="id_cancel-reason-errors">(.*?)</ul>', html
    ) == ["<li>say why, in 3-500 characters</li>"]
    assert ">\nno</textarea>" in html
    assert (
        client.post(url, {"cancel-version": 1, "cancel-reason": "Rebooked next week"}).status_code
        == 302
    )
    page = client.get(f"/schedule/appointments/{visit.pk}/").content.decode()
    assert '<dd id="cancel-reason">Rebooked next week</dd>' in page
    assert 'id="reschedule"' not in page and 'id="cancel"' not in page


def test_moving_onto_a_booked_chair_names_the_chair(day: Day) -> None:
    visit = book(day, day.cast.dan, 9, chair=day.chairs[0])
    book(day, day.cast.zoe, 13, chair=day.chairs[1])
    client = logged_in(day.cast.front_desk.user)
    url = f"/schedule/appointments/{visit.pk}/reschedule/"
    move = {
        "move-version": 1,
        "move-start_date": "2026-03-02",
        "move-start_time": "12:30",
        "move-resource": day.chairs[1].pk,
        "move-performer": day.cast.prescriber.pk,
    }
    refused = client.post(url, move)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert errors_of(html, "move") == [
        "Chair or room: the chair or room is booked for part of this block"
    ]
    assert re.search(r'<select name="move-resource"[^>]*aria-invalid="true"', html)
    assert fresh(visit).start_at == ny(MONDAY, 9)
    past = client.post(url, {**move, "move-start_time": "06:00", "move-resource": ""})
    assert past.status_code == 400
    assert errors_of(past.content.decode(), "move") == [
        "New start time: is in the past (record a walk-in within the hour it started)"
    ]
    moved = client.post(url, {**move, "move-resource": day.chairs[2].pk})
    assert moved.status_code == 302
    visit = fresh(visit)
    assert (visit.start_at, visit.resource_id, visit.performer_id, visit.version) == (
        ny(MONDAY, 12, 30),
        day.chairs[2].pk,
        day.cast.prescriber.pk,
        2,
    )
    stale = client.post(url, {**move, "move-resource": ""})
    assert stale.status_code == 409
    assert errors_of(stale.content.decode(), "move") == [
        "This record is at version 2, your edit was based on version 1; reload it and apply "
        "your change again"
    ]


def test_the_appointment_page_shows_its_plan_course_and_times(day: Day, as_role: Any) -> None:
    plan = signed_plan(day.cast)
    visit = booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        day.cast.dan.pk,
        service_id=day.service(INFUSION).pk,
        start_at=ny(MONDAY, 9),
        plan_id=plan.pk,
    )
    html = as_role("nurse").get(f"/schedule/appointments/{visit.pk}/").content.decode()
    facts = {
        dt: words(dd) for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    }
    assert {k: facts[k] for k in ("Starts", "Procedure ends", "Chair", "Performer", "Plan")} == {
        "Starts": "Mon 2 Mar 2026, 09:00 EST",
        "Procedure ends": "09:40 EST",
        "Chair": "Chair 1",
        "Performer": "Nina Nurse (Nurse)",
        "Plan": "Depression: IV ketamine induction (version 1, signed)",
    }
    assert facts["Course"] == "Induction, session 1 of 6"
    assert facts["Prescriber on site"] == "Not needed for this service"
    assert f'href="/plans/{plan.pk}/"' in html
    assert bare_codes(html) == []


# --- booking ---------------------------------------------------------------------------------


def _slot_rows(html: str) -> list[list[str]]:
    section = html[html.index('id="slots"') :]
    rows = re.findall(r'<tr>(<td data-label="Time">.*?)</tr>', section, re.S)
    return [cells(row)[:4] for row in rows]


def test_the_booking_page_lists_the_free_times_by_day(day: Day, as_role: Any) -> None:
    book(day, day.cast.zoe, 8)
    infusion = day.service(INFUSION).pk
    response = as_role("front_desk").get(
        f"/schedule/book/?patient={day.cast.dan.pk}&service={infusion}"
        "&first_day=2026-03-02&last_day=2026-03-03"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<h3 id="slots-([0-9-]+)">([^<]+)</h3>', html) == [
        ("2026-03-02", "Monday 2 March 2026"),
        ("2026-03-03", "Tuesday 3 March 2026"),
    ]
    rows = _slot_rows(html)
    # 08:00 to 16:00 each day (the block must end by 18:00). The engine prefers the chair and
    # the performer with the fewest bookings in the days searched: Chair 2 and the
    # prescriber (Zoë's 08:00 has Chair 1 and the nurse); Chair 1 is free again from 10:00
    # (her block ends 09:55).
    assert len(rows) == 66
    assert [rows[0], rows[7], rows[8], rows[32], rows[33]] == [
        ["08:00", "Chair 2 (+1 more free)", "Dr Bob Prescriber", "—"],
        ["09:45", "Chair 2 (+1 more free)", "Dr Bob Prescriber", "—"],
        ["10:00", "Chair 2 (+2 more free)", "Dr Bob Prescriber", "—"],
        ["16:00", "Chair 2 (+2 more free)", "Dr Bob Prescriber", "—"],
        ["08:00", "Chair 2 (+2 more free)", "Dr Bob Prescriber", "—"],
    ]
    assert bare_codes(html) == []


def test_a_spravato_slot_names_its_prescriber_on_site(day: Day, as_role: Any) -> None:
    """Spravato holds its chair 2 h 15 min and needs a prescriber rostered on site for the
    whole block (SPRAVATO REMS). With nobody booked, the engine takes the performer of the
    lower id (the prescriber), who is also the one on site."""
    spravato = day.service("Spravato session").pk
    html = as_role("front_desk").get(
        f"/schedule/book/?patient={day.cast.dan.pk}&service={spravato}"
        "&first_day=2026-03-02&last_day=2026-03-02"
    )
    rows = _slot_rows(html.content.decode())
    # 08:00 to 15:45 (the block must end by 18:00).
    assert (len(rows), rows[0], rows[-1]) == (
        32,
        ["08:00", "Chair 1 (+2 more free)", "Dr Bob Prescriber", "Dr Bob Prescriber"],
        ["15:45", "Chair 1 (+2 more free)", "Dr Bob Prescriber", "Dr Bob Prescriber"],
    )


def test_booking_a_free_time_goes_to_the_appointment(day: Day) -> None:
    client = logged_in(day.cast.front_desk.user)
    form = {
        "patient": day.cast.dan.pk,
        "service": day.service(INFUSION).pk,
        "start": ny(MONDAY, 9).isoformat(),
        "resource": day.chairs[1].pk,
        "performer": day.cast.nurse.pk,
    }
    response = client.post("/schedule/book/", form)
    visit = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/schedule/appointments/{visit.pk}/"
    assert (visit.start_at, visit.resource_id, visit.performer_id, visit.walk_in) == (
        ny(MONDAY, 9),
        day.chairs[1].pk,
        day.cast.nurse.pk,
        False,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Booked: Ketamine IV infusion on Mon 2 Mar 2026 at 09:00 in Chair 2." in page
    # Zoë at the same time on the same chair with the same nurse: both clashes, named.
    taken = client.post(
        f"/schedule/book/?patient={day.cast.zoe.pk}", {**form, "patient": day.cast.zoe.pk}
    )
    assert taken.status_code == 409
    assert errors_of(taken.content.decode(), "form") == [
        "Chair or room: the chair or room is booked for part of this block",
        "Performer: the performer has another procedure at this time",
    ]
    assert Appointment.objects.count() == 1


def test_a_spravato_session_without_rems_enrolment_is_refused_naming_the_patient(
    day: Day,
) -> None:
    client = logged_in(day.cast.front_desk.user)
    response = client.post(
        "/schedule/book/",
        {
            "patient": day.cast.dan.pk,
            "service": day.service("Spravato session").pk,
            "start": ny(MONDAY, 9).isoformat(),
        },
    )
    assert response.status_code == 400
    assert errors_of(response.content.decode(), "form") == [
        "Patient: no SPRAVATO REMS patient enrolment on file: record it under consents before "
        "booking a Spravato session (SPRAVATO REMS)"
    ]
    assert Appointment.objects.count() == 0


def test_the_booking_page_offers_the_signed_plan_the_service_delivers(
    day: Day, as_role: Any
) -> None:
    plan = signed_plan(day.cast)
    infusion = day.service(INFUSION).pk
    html = (
        as_role("front_desk")
        .get(f"/schedule/book/?patient={day.cast.dan.pk}&service={infusion}")
        .content.decode()
    )
    select = re.findall(r'<select name="plan"[^>]*>(.*?)</select>', html, re.S)[0]
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', select) == [
        ("", "", "Not on a plan"),
        (str(plan.pk), " selected", "Depression: IV ketamine induction (version 1, signed)"),
    ]
    assert f'<input type="hidden" name="plan" value="{plan.pk}">' in html
    hydration = day.service("IV hydration").pk
    other = (
        as_role("front_desk")
        .get(f"/schedule/book/?patient={day.cast.dan.pk}&service={hydration}")
        .content.decode()
    )
    assert 'name="plan"' not in other


def test_a_patient_is_found_by_name_on_the_booking_page(day: Day, as_role: Any) -> None:
    html = as_role("front_desk").get("/schedule/book/?q=dawson&service=").content.decode()
    assert re.findall(r'<a href="/schedule/book/\?patient=([^"]+)">([^<]+)</a>', html) == [
        (str(day.cast.dan.pk), "Dawson, Dan")
    ]
    none = as_role("front_desk").get("/schedule/book/?q=nobody&service=").content.decode()
    assert "No patient matches that search" in none


def test_a_search_longer_than_the_engine_covers_is_named(day: Day, as_role: Any) -> None:
    response = as_role("front_desk").get(
        f"/schedule/book/?patient={day.cast.dan.pk}&service={day.service(INFUSION).pk}"
        "&first_day=2026-03-02&last_day=2026-06-30"
    )
    assert response.status_code == 400
    assert errors_of(response.content.decode(), "form") == ["To: a search covers at most 62 days"]


def test_a_walk_in_starts_now(day: Day, clock: time_machine.Coordinates) -> None:
    clock.move_to(ny(MONDAY, 10, 7))
    add_escort(day.cast)
    client = logged_in(day.cast.front_desk.user)
    response = client.post(
        f"/schedule/book/?patient={day.cast.dan.pk}",
        {
            "walkin-walk_in": "True",
            "walkin-patient": day.cast.dan.pk,
            "walkin-service": day.service("IV hydration").pk,
            "walkin-resource": day.chairs[2].pk,
            "walkin-performer": "",
            "walkin-note": "Came in early",
        },
    )
    assert response.status_code == 302
    visit = Appointment.objects.get()
    assert (visit.start_at, visit.walk_in, visit.resource_id, visit.note) == (
        ny(MONDAY, 10, 7),
        True,
        day.chairs[2].pk,
        "Came in early",
    )


# --- the week and my day ---------------------------------------------------------------------


def test_the_week_lists_each_days_appointments(day: Day, as_role: Any) -> None:
    book(day, day.cast.dan, 9)
    book(day, day.cast.zoe, 10, on=date(2026, 3, 4))
    cancelled = book(day, day.cast.zoe, 9, on=date(2026, 3, 5))
    booking.appointment_cancel(
        day.cast.actor(day.cast.front_desk), cancelled.pk, reason="Patient unwell"
    )
    html = as_role("front_desk").get(f"/schedule/week/?site={day.site.pk}&date=2026-03-04")
    text = html.content.decode()
    days = dict(
        re.findall(r'<section class="card" id="day-([0-9-]+)"[^>]*>(.*?)</section>', text, re.S)
    )
    assert list(days) == [f"2026-03-0{n}" for n in range(2, 9)]
    shown = {d: visible_text(body) for d, body in days.items()}
    infusion = "Ketamine IV infusion · Chair 1"
    assert shown == {
        "2026-03-02": f"Mon 2 Mar Today 09:00–10:55 Dan Dawson {infusion} Booked",
        "2026-03-03": "Tue 3 Mar Nothing booked.",
        "2026-03-04": f"Wed 4 Mar 10:00–11:55 Zoë Ðorđević {infusion} Booked",
        "2026-03-05": f"Thu 5 Mar 09:00–10:55 Zoë Ðorđević {infusion} Cancelled",
        "2026-03-06": "Fri 6 Mar Nothing booked.",
        "2026-03-07": "Sat 7 Mar Nothing booked.",
        "2026-03-08": "Sun 8 Mar Nothing booked.",
    }
    assert f'href="?site={day.site.pk}&amp;date=2026-02-23" rel="prev"' in text


def _give_rems_consent(cast: Cast) -> None:
    patients.part_create(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        "consents",
        data={
            "kind": "spravato_rems_enrollment",
            "status": "given",
            "signed_on": date(2026, 2, 1),
            "form_version": "2025-01",
        },
    )


def test_my_day_lists_what_i_perform_and_where_i_am_the_prescriber_on_site(
    day: Day, as_role: Any
) -> None:
    _give_rems_consent(day.cast)
    spravato = book(day, day.cast.dan, 9, service="Spravato session")
    follow_up = book(day, day.cast.zoe, 9, service="Follow-up visit")
    assert (spravato.performer_id, spravato.prescriber_on_site_id) == (
        day.cast.nurse.pk,
        day.cast.prescriber.pk,
    )

    def rows(role: str) -> list[list[str]]:
        html = as_role(role).get("/schedule/mine/?date=2026-03-02").content.decode()
        return [cells(row) for row in re.findall(r"<tr>(<td.*?)</tr>", html, re.S)]

    assert rows("prescriber") == [
        [
            "09:00–11:15",
            "Dan Dawson",
            "Spravato session",
            "Chair 1, Harbor Ketamine Clinic",
            "Prescriber on site",
            "Booked",
        ],
        [
            "09:00–09:45",
            "Zoë Ðorđević",
            "Follow-up visit",
            "Room A, Harbor Ketamine Clinic",
            "Performer",
            "Booked",
        ],
    ]
    assert [r[1] for r in rows("nurse")] == ["Dan Dawson"]
    assert rows("front_desk") == []
    assert follow_up.performer_id == day.cast.prescriber.pk
