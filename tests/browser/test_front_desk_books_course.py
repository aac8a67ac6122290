"""In real Chromium on a tablet (768 px wide): the front desk opens a signed plan's course
page, asks for the six induction infusions, sees six proposed dates, confirms them, and the
six appointments are in the database, linked to the plan, numbered 1 to 6, each on a chair at
the proposed time; the course page lists them, and the day view of the first session's day
shows it in its chair's column.

The patient is new (the demo books its own plans' sessions), registered, screened and given
a signed plan through the services; the demo's first site is opened every day 08:00-18:00
with the nurse and the prescriber working then, through the same ``setup`` services as the
set-up pages, so the proposal never depends on the weekday. The server runs on the real
clock: the dates are whatever the proposal gives from now."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketacare.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests import live

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

ROOT = Path(__file__).resolve().parents[2]
TABLET = {"width": 768, "height": 1024}
SESSIONS = 6

#: Run against the server's database (the repository's root is the first argument): the
#: calendar of the first site open every day, and a new patient with a signed induction plan,
#: registered, screened and planned through the services (the plan's id and the patient's
#: name, as JSON).
PREPARE = f"""
import json
import sys
from datetime import date, time
from decimal import Decimal

sys.path.insert(0, sys.argv[1])

import django

django.setup()

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, Site
from ketacare.patients import services as patients
from ketacare.scheduling import setup
from ketacare.scheduling.models import Resource
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as treatment
from tests.candidacy import fields, scales

members = {{
    key: Membership.objects.get(user__email=f"{{key}}@{DEMO_DOMAIN}", clinic__slug="demo")
    for key in ("owner", "frontdesk", "nurse", "prescriber")
}}
actors = {{key: actor_for(member) for key, member in members.items()}}
owner = actors["owner"]
site = Site.objects.filter(clinic=members["owner"].clinic, is_active=True).order_by("pk").first()
setup.services_seed(owner)
for n in (1, 2, 3):
    if not Resource.objects.filter(site=site, name=f"Chair {{n}}").exists():
        setup.resource_create(owner, site_id=site.pk, kind="chair", name=f"Chair {{n}}")
every_day = {{day: [(time(8), time(18))] for day in range(7)}}
setup.hours_set(owner, site_id=site.pk, pattern=every_day)
for key in ("nurse", "prescriber"):
    setup.hours_set(owner, site_id=site.pk, membership_id=members[key].pk, pattern=every_day)

patient = patients.patient_create(
    actors["frontdesk"],
    data={{
        "mrn": "COURSE-0001",
        "given_name": "Maëlle",
        "family_name": "Course-Test",
        "date_of_birth": date(1984, 6, 15),
        "sex_at_birth": "female",
    }},
).obj
prescriber = actors["prescriber"]
patients.part_create(
    prescriber,
    patient.pk,
    "conditions",
    data={{"icd10_code": "F33.2", "onset_date": date(2019, 6, 1), "status": "active"}},
)
for drug, drug_class, weeks, improvement in (("sertraline", "ssri", 8, 10),
                                              ("venlafaxine", "snri", 10, 20)):
    patients.part_create(
        prescriber,
        patient.pk,
        "trials",
        data={{
            "drug": drug,
            "drug_class": drug_class,
            "start_date": date(2024, 1, 1),
            "weeks_at_adequate_dose": Decimal(weeks),
            "improvement_percent": improvement,
            "current_episode": True,
            "reason_stopped": "ineffective",
        }},
    )
intake_submit(actors["nurse"], patient.pk, fields=fields(), scales=scales())
plan = treatment.plan_create(prescriber, patient.pk, protocol_id="depression-iv-induction")
plan = treatment.plan_sign(prescriber, plan.pk)
print(json.dumps({{"plan": plan.pk, "patient": patient.display_name}}))
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

    prepared = _run(clinic, PREPARE, str(ROOT))
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
