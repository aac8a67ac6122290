"""The board of a site's chairs: who may open it, each chair's initials, phase, minutes since
the first dose, next check (local time, "in N min" / "overdue N min") and open alerts; the
page polls its grid every 5 seconds and the grid's view answers the grid alone."""

from __future__ import annotations

import re
from html import unescape

import pytest

from ketacare.audit.models import AuditEvent
from tests.conftest import logged_in

from .world import Chair, infusion, open_chair


def tiles(html: str) -> list[str]:
    found = re.findall(r'<li class="card chair-tile[^"]*"[^>]*>(.*?)</li>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in found]


@pytest.fixture
def chair(day, clock) -> Chair:  # type: ignore[no-untyped-def]
    return open_chair(day, clock)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("patient", 403), ("front_desk", 403), ("nurse", 200), ("owner", 200)],
)
@pytest.mark.parametrize("path", ["/sessions/board/", "/sessions/board/grid/"])
def test_the_board_is_for_staff_who_read_sessions(
    chair: Chair, role: str, status: int, path: str
) -> None:
    from django.test import Client

    users = {
        "patient": chair.cast.dan_login.user,
        "front_desk": chair.cast.front_desk.user,
        "nurse": chair.cast.nurse.user,
        "owner": chair.cast.owner.user,
    }
    before = AuditEvent.objects.filter(action="session.board").count()
    who = Client() if role == "anonymous" else logged_in(users[role])
    response = who.get(path)
    assert response.status_code == status
    logged = AuditEvent.objects.filter(action="session.board").count() - before
    assert logged == (1 if status == 200 else 0)


@pytest.mark.django_db
def test_each_chair_shows_its_patient_phase_minutes_next_check_and_alerts(chair: Chair) -> None:
    nurse = logged_in(chair.cast.nurse.user)
    first = nurse.get("/sessions/board/").content.decode()
    assert tiles(first) == [
        # Before the first dose the checklist is the next step: no timed check yet.
        "Chair 1 Pre-dose Patient D.D. Since the first dose — Next check — "
        "Open alerts None Open the chair",
        "Chair 2 Free today.",
        "Chair 3 Free today.",
    ]
    assert (
        f'hx-get="/sessions/board/grid/?site={chair.session.site_id}" hx-trigger="every 5s"'
        in first
    )
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.vitals(10, systolic_mmhg=182, diastolic_mmhg=96)
    chair.at(32)
    nurse = logged_in(chair.cast.nurse.user)  # a fresh login: the first one idled out
    grid = nurse.get(f"/sessions/board/grid/?site={chair.session.site_id}").content.decode()
    assert "<html" not in grid and "<nav" not in grid
    shown = tiles(grid)
    assert len(shown) == 3
    assert shown[0] == (
        "Chair 1 Dosing Patient D.D. Since the first dose 32 min Next check 09:20 overdue 12 min "
        "Open alerts 2 Blood pressure 182/96 mmHg is above 180/110: recheck in 5 min. "
        "Open the chair"
    )
    assert f'href="/sessions/{chair.session.pk}/"' in grid


@pytest.mark.django_db
def test_a_site_of_another_clinic_is_not_found(chair: Chair) -> None:
    from ketacare.accounts.models import Site

    elsewhere = Site.objects.get(clinic=chair.cast.other_clinic)
    nurse = logged_in(chair.cast.nurse.user)
    assert nurse.get(f"/sessions/board/?site={elsewhere.pk}").status_code == 404
