"""The chart's Sessions panel (each of the patient's sessions: date, protocol, phase, linked to
its chair page) for the care team, and the header's Chairs link for the staff who read
sessions and the patient list."""

from __future__ import annotations

import re
from html import unescape

import pytest

from ketacare.audit.models import AuditEvent
from tests.conftest import logged_in

from .world import infusion, open_chair


def _panel(html: str) -> str | None:
    match = re.search(r'<section class="card" id="sessions">(.*?)</section>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"),
    [("patient", False), ("front_desk", False), ("nurse", True), ("owner", True)],
)
def test_the_sessions_panel_is_for_those_who_read_sessions(
    day, clock, role: str, shown: bool
) -> None:  # type: ignore[no-untyped-def]
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    cast = chair.cast
    users = {
        "patient": cast.dan_login.user,
        "front_desk": cast.front_desk.user,
        "nurse": cast.nurse.user,
        "owner": cast.owner.user,
    }
    response = logged_in(users[role]).get(f"/patients/{cast.dan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    panel = _panel(html)
    event = AuditEvent.objects.filter(action="patient.read").order_by("-id").first()
    assert event is not None
    if not shown:
        assert panel is None
        assert "sessions" not in event.data["sections"]
        return
    assert panel == (
        "Sessions Date Protocol Phase Mon 2 Mar 2026, 08:55 Depression: IV ketamine induction "
        "Dosing"
    )
    assert f'<a href="/sessions/{chair.session.pk}/">Mon 2 Mar 2026, 08:55</a>' in html
    assert "sessions" in event.data["sections"]


@pytest.mark.django_db
def test_a_patient_without_sessions_reads_so(cast, as_role) -> None:  # type: ignore[no-untyped-def]
    html = as_role("nurse").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert _panel(html) == (
        "Sessions No sessions yet A session starts from the checked-in appointment."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("patient", False),
        ("front_desk", False),
        ("nurse", True),
        ("prescriber", True),
        ("owner", True),
    ],
)
def test_the_chairs_link_is_for_staff_who_read_sessions(
    cast, as_role, role: str, shown: bool
) -> None:  # type: ignore[no-untyped-def]
    html = as_role(role).get("/accounts/security/").content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav is not None
    assert ('<a href="/sessions/board/">Chairs</a>' in nav.group(1)) is shown
