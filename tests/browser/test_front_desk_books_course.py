"""In real Chromium on a tablet (768 px wide): the front desk opens a signed plan's course
page, asks for the six induction infusions, sees six proposed dates, confirms them, and the
six appointments are in the database, linked to the plan, numbered 1 to 6, each on a chair at
the proposed time; the course page lists them, and the day view of the first session's day
shows it in its chair's column.

The demo clinic has no calendar yet, so its owner sets one up first through the same
``setup`` services as the set-up pages (the standard services, three chairs at the first
site, open every day 08:00-18:00 with the nurse and the prescriber working then); the server
runs on the real clock, so the dates are whatever the proposal gives from now."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ketacare.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests import live

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

TABLET = {"width": 768, "height": 1024}
SESSIONS = 6

#: Run against the server's database: the calendar, and a signed induction plan whose patient
#: has nothing booked on its protocol (its id and the patient's name, as JSON).
PREPARE = f"""
import json
from datetime import time

import django

django.setup()

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, Site
from ketacare.scheduling import setup
from ketacare.scheduling.models import Appointment, Resource
from ketacare.treatment.models import TreatmentPlan

owner = Membership.objects.get(user__email="owner@{DEMO_DOMAIN}", clinic__slug="demo")
actor = actor_for(owner)
site = Site.objects.filter(clinic=owner.clinic, is_active=True).order_by("pk").first()
setup.services_seed(actor)
for n in (1, 2, 3):
    if not Resource.objects.filter(site=site, name=f"Chair {{n}}").exists():
        setup.resource_create(actor, site_id=site.pk, kind="chair", name=f"Chair {{n}}")
every_day = {{day: [(time(8), time(18))] for day in range(7)}}
setup.hours_set(actor, site_id=site.pk, pattern=every_day)
for key in ("nurse", "prescriber"):
    member = Membership.objects.get(user__email=f"{{key}}@{DEMO_DOMAIN}", clinic=owner.clinic)
    setup.hours_set(actor, site_id=site.pk, membership_id=member.pk, pattern=every_day)
booked = Appointment.objects.filter(plan__protocol_id="depression-iv-induction").values("patient")
plan = (
    TreatmentPlan.objects.filter(
        patient__clinic=owner.clinic,
        patient__is_active=True,
        protocol_id="depression-iv-induction",
        status="signed",
    )
    .exclude(patient__in=booked)
    .order_by("pk")
    .first()
)
print(json.dumps({{"plan": plan.pk, "patient": plan.patient.display_name}}))
"""

#: The plan's appointments as stored: id, course number, phase, status, chair, local start.
BOOKED = """
import json
import sys

import django

django.setup()

from ketacare.scheduling.models import Appointment

rows = Appointment.objects.filter(plan_id=int(sys.argv[1])).select_related("resource", "site")
print(json.dumps([
    {
        "id": a.pk,
        "number": a.course_number,
        "phase": a.course_phase,
        "status": a.status,
        "kind": a.resource.kind,
        "chair": a.resource.name,
        "start": a.start_at.astimezone(a.site.tz).strftime("%Y-%m-%dT%H:%M"),
    }
    for a in rows.order_by("start_at")
]))
"""


def _run(clinic: live.LiveClinic, script: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=clinic.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def clinic() -> Iterator[live.LiveClinic]:
    """A server of its own: this test reads and writes the server's database."""
    with live.clinic_server() as served:
        yield served


def test_the_front_desk_books_six_induction_infusions_on_a_tablet(
    clinic: live.LiveClinic, browser: Any
) -> None:
    from playwright.sync_api import expect

    prepared = _run(clinic, PREPARE)
    plan = prepared["plan"]
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        page.goto(f"{clinic.url}/accounts/login/")
        page.get_by_label("Email").fill(f"frontdesk@{DEMO_DOMAIN}")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/patients/"))

        page.goto(f"{clinic.url}/plans/{plan}/course/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Depression: IV ketamine induction"
        )
        expect(page.locator("#progress")).to_contain_text("Induction")
        page.get_by_label("Phase").select_option("induction")
        page.get_by_label("Number of sessions").fill(str(SESSIONS))
        page.get_by_role("button", name="Propose dates").click()

        rows = page.locator("tr.proposed-session")
        expect(rows).to_have_count(SESSIONS)
        proposed = [
            page.get_by_label(f"Session {n}: date and time").input_value()
            for n in range(1, SESSIONS + 1)
        ]
        chairs = [
            page.get_by_label(f"Session {n}: chair").locator("option:checked").inner_text()
            for n in range(1, SESSIONS + 1)
        ]
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", p) for p in proposed), proposed
        assert len({p[:10] for p in proposed}) == SESSIONS, proposed
        assert all(chair.startswith("Chair ") for chair in chairs), chairs
        first_shown = rows.first.locator(".proposed-start").inner_text()
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, f"{scroll_width} px wide at {inner_width} px"

        page.get_by_role("button", name=f"Book {SESSIONS} sessions").click()
        expect(page.locator(".messages")).to_contain_text(
            f"Booked {SESSIONS} sessions of the induction: from {first_shown}"
        )

        stored = _run(clinic, BOOKED, str(plan))
        assert [{k: v for k, v in row.items() if k != "id"} for row in stored] == [
            {
                "number": n,
                "phase": "induction",
                "status": "booked",
                "kind": "chair",
                "chair": chair,
                "start": start,
            }
            for n, (start, chair) in enumerate(zip(proposed, chairs, strict=True), start=1)
        ]

        # The front desk finds the first session in the course's list of appointments.
        first = page.locator("#appointments tbody tr").first.locator("td")
        expect(first.nth(0)).to_have_text("Induction 1")
        expect(first.nth(1)).to_have_text(first_shown)
        expect(first.nth(4)).to_have_text(chairs[0])
        expect(page.locator("#appointments tbody tr")).to_have_count(SESSIONS)

        # The day view of the first session's day shows it in its chair's column.
        page.goto(f"{clinic.url}/schedule/?date={proposed[0][:10]}")
        block = page.locator(f"#appointment-{stored[0]['id']}")
        expect(block).to_be_visible()
        expect(block.locator(".slot-patient")).to_have_text(prepared["patient"])
        expect(block.locator(".slot-service")).to_have_text("Ketamine IV infusion")
        expect(block.locator(".slot-time")).to_contain_text(proposed[0][11:])
        # The column whose heading stands above the block (a rowspan shifts cell indexes).
        column = block.evaluate(
            """cell => {
              const left = cell.getBoundingClientRect().left;
              const heads = [...cell.closest('table').querySelectorAll('thead th')];
              const head = heads.find(th => Math.abs(th.getBoundingClientRect().left - left) < 2);
              return head ? head.textContent.trim() : null;
            }"""
        )
        assert column == chairs[0]
    finally:
        context.close()
