"""The course page of a signed plan: who may open it and book from it, the proposed sessions
in the site's zone, the confirmation that books them all at once, and each refusal shown
beside the session it names with nothing booked. The clock stands on Monday 2 March 2026
07:00 New York (``conftest.clock``); the clinic opens 08:00-18:00 on weekdays."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from ketacare.accounts.models import Site
from ketacare.audit.models import AuditEvent
from ketacare.clinical.sources import cite
from ketacare.scheduling import booking, setup
from ketacare.scheduling.course_display import ProgressRow, ProposedRow
from ketacare.scheduling.models import Appointment
from ketacare.treatment import services as treatment
from ketacare.treatment.models import TreatmentPlan
from tests.conftest import logged_in
from tests.scheduling.conftest import MONDAY, Day, ny, signed_plan
from tests.treatment.pages import bare_codes, visible_text

#: The course page's routes and the methods each answers (the site-wide permission matrix
#: counts them as tested here).
COURSE_ROUTES: dict[str, tuple[str, ...]] = {
    "plans/<int:pk>/course/": ("GET",),
    "plans/<int:pk>/course/book/": ("POST",),
}
ROLES = ("anonymous", "patient", "outsider", "front_desk", "nurse", "prescriber", "owner")
REFUSED = {"patient": 403, "outsider": 404}
ASK = {"phase": "induction", "sessions": "6", "first_day": "2026-03-02"}
#: Mon, Wed, Fri, Mon (after the change to daylight time on Sunday 8 March), Wed, Fri 08:00.
PROPOSED = [
    (1, date(2026, 3, 2)),
    (2, date(2026, 3, 4)),
    (3, date(2026, 3, 6)),
    (4, date(2026, 3, 9)),
    (5, date(2026, 3, 11)),
    (6, date(2026, 3, 13)),
]
INDUCTION_SOURCE = cite("murrough-2013", "elektd-2023", "orka-1", "sanacora-2017-unverified")


@pytest.fixture
def plan(day: Day) -> TreatmentPlan:
    return signed_plan(day.cast)


def _ask(day: Day, **changes: str) -> dict[str, Any]:
    return {**ASK, "site": str(day.site.pk), **changes}


def _confirm(response: HttpResponse, **changes: str) -> dict[str, str]:
    """What the confirmation form posts as the page showed it, with ``changes`` typed in."""
    form = response.context["book"]
    posted = {
        form.add_prefix(name): str(field.prepare_value(form.initial.get(name)))
        for name, field in form.fields.items()
    }
    posted.update({form.add_prefix(name): value for name, value in changes.items()})
    return posted


def _desk(day: Day) -> Client:
    return logged_in(day.cast.front_desk.user)


def _booked(plan: TreatmentPlan) -> list[tuple[int | None, str, Any, str]]:
    return [
        (a.course_number, a.course_phase, a.start_at, a.resource.name)
        for a in Appointment.objects.filter(plan=plan).order_by("start_at")
    ]


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_opening_the_course_page(day: Day, plan: TreatmentPlan, as_role: Any, role: str) -> None:
    url = f"/plans/{plan.pk}/course/"
    reads = AuditEvent.objects.filter(action="plan.read", outcome="success")
    before = reads.count()

    response = as_role(role).get(url, _ask(day))

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next={url}")
    elif role in REFUSED:
        assert response.status_code == REFUSED[role]
        assert reads.count() == before
    else:
        assert response.status_code == 200
        assert len(response.context["proposed"]) == 6
        assert reads.count() == before + 1


@pytest.mark.parametrize("role", ROLES)
def test_booking_a_course(day: Day, plan: TreatmentPlan, as_role: Any, role: str) -> None:
    url = f"/plans/{plan.pk}/course/book/"
    shown = _desk(day).get(f"/plans/{plan.pk}/course/", _ask(day))

    response = as_role(role).post(url, _confirm(shown))

    if role == "anonymous":
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
        assert Appointment.objects.count() == 0
    elif role in REFUSED:
        assert response.status_code == REFUSED[role]
        assert Appointment.objects.count() == 0
    else:
        assert (response.status_code, response["Location"]) == (302, f"/plans/{plan.pk}/course/")
        assert [n for n, *_ in _booked(plan)] == [1, 2, 3, 4, 5, 6]


def test_every_route_of_the_course_page_is_tested_here() -> None:
    from ketacare.scheduling import course_urls

    assert sorted(str(p.pattern) for p in course_urls.urlpatterns) == sorted(COURSE_ROUTES)


PROBES = [
    pytest.param(route, method, id=f"{method} /{route}")
    for route, allowed in COURSE_ROUTES.items()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in allowed
]


@pytest.mark.parametrize(("route", "method"), PROBES)
def test_every_other_method_is_refused(
    day: Day, plan: TreatmentPlan, route: str, method: str
) -> None:
    path = "/" + route.replace("<int:pk>", str(plan.pk))
    response = _desk(day).generic(method, path)
    assert response.status_code == 405
    assert Appointment.objects.count() == 0


# --- the proposal ---------------------------------------------------------------------------


def test_the_page_shows_the_progress_and_proposes_what_is_left(
    day: Day, plan: TreatmentPlan
) -> None:
    response = _desk(day).get(f"/plans/{plan.pk}/course/")

    assert response.status_code == 200
    assert response.context["progress"] == [ProgressRow("Induction", "6", 0, 0, "6")]
    assert response.context["then"] == ["Depression: IV ketamine maintenance"]
    asked = response.context["asked"]
    assert asked.fields["phase"].choices == [("induction", "Induction (6 of 6 left)")]
    assert {k: asked.initial[k] for k in ("phase", "sessions", "first_day", "site")} == {
        "phase": "induction",
        "sessions": 6,
        "first_day": MONDAY,
        "site": str(day.site.pk),
    }
    assert response.context["book"] is None
    text = visible_text(response.content)
    assert "Nothing booked for this course yet" in text
    assert "Then Depression: IV ketamine maintenance: booked from its own plan." in text
    assert bare_codes(response.content) == []


def test_six_infusions_are_proposed_in_the_sites_zone_each_editable(
    day: Day, plan: TreatmentPlan
) -> None:
    response = _desk(day).get(f"/plans/{plan.pk}/course/", _ask(day))

    assert response.status_code == 200
    bob = "Dr Bob Prescriber (Prescriber)"
    assert response.context["proposed"] == [
        ProposedRow(1, "Mon 2 Mar 2026, 08:00 EST", "Chair 1", bob, ""),
        ProposedRow(2, "Wed 4 Mar 2026, 08:00 EST", "Chair 1", bob, ""),
        ProposedRow(3, "Fri 6 Mar 2026, 08:00 EST", "Chair 1", bob, ""),
        ProposedRow(4, "Mon 9 Mar 2026, 08:00 EDT", "Chair 1", bob, ""),
        ProposedRow(5, "Wed 11 Mar 2026, 08:00 EDT", "Chair 1", bob, ""),
        ProposedRow(6, "Fri 13 Mar 2026, 08:00 EDT", "Chair 1", bob, ""),
    ]
    posted = _confirm(response)
    chair = str(day.chairs[0].pk)
    prescriber = str(day.cast.prescriber.pk)
    assert {k: v for k, v in posted.items() if re.match(r"book-s\d", k)} == {
        f"book-s{i}_{part}": value
        for i, (_, on) in enumerate(PROPOSED)
        for part, value in (("start", f"{on.isoformat()}T08:00"), ("resource", chair),
                            ("performer", prescriber))
    }  # fmt: skip
    html = response.content.decode()
    assert '<input type="datetime-local" name="book-s3_start" value="2026-03-09T08:00"' in html
    assert html.count('<option value="" selected>') == 0
    assert f'<option value="{chair}" selected>Chair 1</option>' in html
    assert '<option value="">Any free chair</option>' in html
    assert bare_codes(response.content) == []
    assert response.context["unplaced"] is None
    assert Appointment.objects.count() == 0


def test_a_session_with_no_free_slot_in_its_interval_is_shown_with_its_reason_and_source(
    day: Day, plan: TreatmentPlan
) -> None:
    owner = day.cast.actor(day.cast.owner)
    for closed in (date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6)):
        setup.hours_exception_add(
            owner, site_id=day.site.pk, day=closed, kind="replace", reason="Building works"
        )

    response = _desk(day).get(f"/plans/{plan.pk}/course/", _ask(day))

    assert response.status_code == 200
    assert [row.start for row in response.context["proposed"]] == ["Mon 2 Mar 2026, 08:00 EST"]
    assert response.context["unplaced"] == {
        "number": "2",
        "reason": "No free slot from 2026-03-04 00:00 to 2026-03-07 00:00 (America/New_York), "
        "the interval of 2-4 days after the session at 2026-03-02 08:00 (the induction of "
        "Depression: IV ketamine induction).",
        "source": INDUCTION_SOURCE,
    }
    text = visible_text(response.content)
    assert "Session 2 could not be placed." in text
    assert f"Source: {INDUCTION_SOURCE}." in text
    assert "Book 1 session" in text
    assert bare_codes(response.content) == []


def test_asking_for_more_sessions_than_the_phase_has_left_names_the_field(
    day: Day, plan: TreatmentPlan
) -> None:
    response = _desk(day).get(f"/plans/{plan.pk}/course/", _ask(day, sessions="7"))

    assert response.status_code == 400
    assert response.context["asked"].errors == {
        "sessions": [
            "7 must be from 1 to 6 (the induction of Depression: IV ketamine induction: 6 "
            "sessions, 0 already given or booked)."
        ]
    }
    assert response.context["book"] is None


def test_a_draft_plan_shows_its_course_and_no_booking(day: Day) -> None:
    cast = day.cast
    plan = signed_plan(cast)
    draft = treatment.plan_revise(cast.actor(cast.prescriber), plan.pk, reason="lower dose")

    response = _desk(day).get(f"/plans/{draft.pk}/course/", _ask(day))

    assert response.status_code == 200
    text = visible_text(response.content)
    assert "This plan is draft: a course is booked from a signed plan." in text
    assert response.context["book"] is None
    assert 'id="propose"' not in response.content.decode()


def test_the_signed_plan_page_links_to_its_course(day: Day, plan: TreatmentPlan) -> None:
    html = logged_in(day.cast.prescriber.user).get(f"/plans/{plan.pk}/").content.decode()

    assert (
        f'<a class="button" href="/plans/{plan.pk}/course/" id="course-link">Book the course</a>'
        in html
    )


# --- booking --------------------------------------------------------------------------------


def test_confirming_books_the_six_sessions_and_the_page_shows_them(
    day: Day, plan: TreatmentPlan
) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day))

    response = client.post(f"/plans/{plan.pk}/course/book/", _confirm(shown), follow=True)

    assert response.redirect_chain == [(f"/plans/{plan.pk}/course/", 302)]
    assert _booked(plan) == [(n, "induction", ny(on, 8), "Chair 1") for n, on in PROPOSED]
    assert {a.status for a in Appointment.objects.all()} == {"booked"}
    assert response.context["progress"] == [ProgressRow("Induction", "6", 0, 6, "0")]
    rows = response.context["booked"]
    assert [(r.number, r.start, r.chair, r.performer, r.status) for r in rows] == [
        ("1", "Mon 2 Mar 2026, 08:00 EST", "Chair 1", "Dr Bob Prescriber", "Booked"),
        ("2", "Wed 4 Mar 2026, 08:00 EST", "Chair 1", "Dr Bob Prescriber", "Booked"),
        ("3", "Fri 6 Mar 2026, 08:00 EST", "Chair 1", "Dr Bob Prescriber", "Booked"),
        ("4", "Mon 9 Mar 2026, 08:00 EDT", "Chair 1", "Dr Bob Prescriber", "Booked"),
        ("5", "Wed 11 Mar 2026, 08:00 EDT", "Chair 1", "Dr Bob Prescriber", "Booked"),
        ("6", "Fri 13 Mar 2026, 08:00 EDT", "Chair 1", "Dr Bob Prescriber", "Booked"),
    ]
    text = visible_text(response.content)
    assert (
        "Booked 6 sessions of the induction: from Mon 2 Mar 2026, 08:00 EST to Fri 13 Mar "
        "2026, 08:00 EDT."
    ) in text
    assert "Every session of this course is booked" in text
    assert AuditEvent.objects.filter(action="course.book", outcome="success").count() == 1


def test_an_adjusted_time_and_a_chair_left_to_the_first_free_one_are_booked(
    day: Day, plan: TreatmentPlan
) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day, sessions="2"))

    response = client.post(
        f"/plans/{plan.pk}/course/book/",
        _confirm(shown, s1_start="2026-03-05T14:30", s1_resource="", s1_performer=""),
    )

    assert response.status_code == 302
    booked = list(Appointment.objects.filter(plan=plan).order_by("start_at"))
    assert [(a.course_number, a.start_at, a.resource.name, a.performer_id) for a in booked] == [
        (1, ny(MONDAY, 8), "Chair 1", day.cast.prescriber.pk),
        # The first free chair, and a nurse before a prescriber for an infusion.
        (2, ny(date(2026, 3, 5), 14, 30), "Chair 1", day.cast.nurse.pk),
    ]


def test_a_date_outside_the_interval_is_refused_beside_its_session_and_nothing_is_booked(
    day: Day, plan: TreatmentPlan
) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day))

    response = client.post(
        f"/plans/{plan.pk}/course/book/", _confirm(shown, s2_start="2026-03-05T08:00")
    )

    assert response.status_code == 400
    form = response.context["book"]
    assert form.errors == {
        "s2_start": [
            "2026-03-05 08:00 is outside the interval of 2-4 days after the session at "
            "2026-03-04 08:00 (the induction of Depression: IV ketamine induction): from "
            f"2026-03-06 00:00 to before 2026-03-09 00:00 ({INDUCTION_SOURCE})."
        ]
    }
    assert Appointment.objects.count() == 0
    html = response.content.decode()
    assert '<input type="datetime-local" name="book-s2_start" value="2026-03-05T08:00"' in html
    assert "1 thing to fix before this can be saved" in html
    row = html[html.index('id="session-3"') : html.index('id="session-4"')]
    assert "is outside the interval of 2-4 days" in row
    assert bare_codes(response.content) == []
    assert AuditEvent.objects.filter(action="write.refused").count() == 1


def test_a_chair_taken_since_the_proposal_is_a_clash_beside_its_session(
    day: Day, plan: TreatmentPlan
) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day))
    booking.appointment_book(
        day.cast.actor(day.cast.front_desk),
        day.cast.zoe.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=ny(date(2026, 3, 9), 8),
        resource_id=day.chairs[0].pk,
        performer_id=day.cast.nurse.pk,
    )

    response = client.post(f"/plans/{plan.pk}/course/book/", _confirm(shown))

    assert response.status_code == 409
    assert response.context["book"].errors == {
        "s3_resource": ["The chair or room is booked for part of this block."]
    }
    assert Appointment.objects.filter(plan=plan).count() == 0
    row = response.content.decode()
    row = row[row.index('id="session-4"') : row.index('id="session-5"')]
    assert "The chair or room is booked for part of this block." in row


def test_every_unreadable_time_is_named_at_once(day: Day, plan: TreatmentPlan) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day))

    response = client.post(
        f"/plans/{plan.pk}/course/book/",
        _confirm(shown, s1_start="next Wednesday", s3_start="2026-03-08T02:30"),
    )

    assert response.status_code == 400
    assert response.context["book"].errors == {
        "s1_start": ["Enter a date and time, such as 2026-03-02 08:00."],
        "s3_start": [
            "02:30 does not exist on 2026-03-08 in America/New_York: the clocks go forward "
            "then. Choose another time."
        ],
    }
    assert "2 things to fix before this can be saved" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_a_confirmation_naming_another_clinics_site_books_nothing(
    day: Day, plan: TreatmentPlan
) -> None:
    client = _desk(day)
    shown = client.get(f"/plans/{plan.pk}/course/", _ask(day))
    lakeside = Site.objects.get(clinic=day.cast.other_clinic)

    response = client.post(
        f"/plans/{plan.pk}/course/book/", {**_confirm(shown), "book-site": str(lakeside.pk)}
    )

    assert response.status_code == 400
    assert response.context["error"] == "Ask for a new proposal: its service or site is gone."
    assert response.context["book"] is None
    assert Appointment.objects.count() == 0
