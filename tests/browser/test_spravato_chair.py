"""In real Chromium on a tablet (768 x 1024): the nurse runs a Spravato session from the
checked-in appointment: the pre-dose checklist (REMS items included), device 1 and device 2
five minutes apart (two devices, 56 mg: the first session of esketamine-trd-induction), vital
signs at 0, 40 and 120 minutes, MOAA/S and CADSS, a discharge refused (the unmet criteria named
on the page) and then allowed. And offline: with the network to /api/ cut, a vital-signs
entry waits on the tablet and is sent once the network is back (one row, no duplicate).

The server runs on the real clock, so the test does not wait two hours: once the session is
open, the session is moved to have opened 150 minutes ago (``BACKDATE``), and each entry is
charted with the time it was measured typed into its "Measured at" field (HH:MM), as a nurse
charting after the fact does. Every page is checked at 390, 768 and 1280 px for sideways
scrolling."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ketacare.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests import live

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

ROOT = Path(__file__).resolve().parents[2]
TABLET = {"width": 768, "height": 1024}
WIDTHS = (390, 768, 1280)
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
SHOTS = Path(tempfile.gettempdir()) / "ketacare-chair-shots"

#: A new patient (male, two failed antidepressant trials, screened) with a signed Spravato
#: induction plan, enrolled in the REMS, with an escort on the chart; the ledger stocked with
#: Spravato devices; the first site open all day with the nurse and the prescriber; a Spravato
#: session booked as a walk-in now on a chair of its own, with a nurse of its own as the
#: performer, and checked in. Prints the
#: appointment id and the site's time zone.
PREPARE = f"""
import json
import sys
from datetime import date, time, timedelta
from decimal import Decimal

sys.path.insert(0, sys.argv[1])
mrn, chair = sys.argv[2], sys.argv[3]

import django

django.setup()

from django.utils import timezone

from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, Site
from ketacare.controlled import services as ledger
from ketacare.controlled.models import Product
from ketacare.patients import services as patients
from ketacare.scheduling import booking, setup
from ketacare.scheduling.models import Resource, Service
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
if not site.phone:
    # The REMS form names the healthcare setting's phone.
    from ketacare.accounts import sites

    current = {{name: getattr(site, name) for name in sites.SITE_FIELDS}}
    site = sites.site_update(
        owner, site.pk, expected_version=site.version,
        data={{**current, "phone": "+1 617 555 0100"}},
    )
resource = Resource.objects.filter(site=site, name=chair).first()
if resource is None:
    resource = setup.resource_create(owner, site_id=site.pk, kind="chair", name=chair)
all_day = {{day: [(time(0), time(23, 45))] for day in range(7)}}
setup.hours_set(owner, site_id=site.pk, pattern=all_day)
# A nurse of this chair's own performs it (the demo's day keeps its staff busy).
from ketacare.accounts import services as accounts
from ketacare.accounts.actor import system_actor
from ketacare.accounts.models import Role

setup_actor = system_actor("tests/browser/test_spravato_chair.py")
user = accounts.user_create(
    setup_actor, email=f"{{mrn.lower()}}@example.com", full_name=f"Nurse {{mrn}}",
    password="correct horse battery staple",
)
members["performer"] = accounts.membership_create(
    setup_actor, user=user, clinic=site.clinic, role=Role.NURSE
)
for key in ("nurse", "prescriber", "performer"):
    setup.hours_set(owner, site_id=site.pk, membership_id=members[key].pk, pattern=all_day)
device = Product.objects.filter(clinic=site.clinic, name="Spravato 28 mg device (test)").first()
if device is None:
    device = ledger.product_create(
        owner, name="Spravato 28 mg device (test)", drug="esketamine", form="nasal spray device",
        strength="28 mg", unit="device", mg_per_unit=Decimal("28"),
    )
    ledger.receipt_record(
        owner, product_id=device.pk, site_id=site.pk, lot_number="SP-TEST-1",
        expires_on=date.today() + timedelta(days=400), quantity=Decimal("24"),
        received_at=timezone.now() - timedelta(days=1), supplier="Janssen",
        invoice_number="INV-SP-TEST-1",
    )
desk, prescriber = actors["frontdesk"], actors["prescriber"]
patient = patients.patient_create(
    desk,
    data={{"mrn": mrn, "given_name": "Theo", "family_name": "Chair-" + mrn,
           "date_of_birth": date(1979, 3, 9), "sex_at_birth": "male",
           "phone": "+1 617 555 0177"}},
).obj
patients.part_create(
    prescriber, patient.pk, "conditions",
    data={{"icd10_code": "F33.2", "onset_date": date(2019, 6, 1), "status": "active"}},
)
for drug, drug_class, weeks, improvement in (("sertraline", "ssri", 8, 10),
                                              ("venlafaxine", "snri", 10, 20)):
    patients.part_create(
        prescriber, patient.pk, "trials",
        data={{"drug": drug, "drug_class": drug_class, "start_date": date(2024, 1, 1),
               "weeks_at_adequate_dose": Decimal(weeks), "improvement_percent": improvement,
               "current_episode": True, "reason_stopped": "ineffective"}},
    )
patients.part_create(
    desk, patient.pk, "contacts",
    data={{"relationship": "escort", "name": "Rosa Chair", "phone": "+1 617 555 0142"}},
)
patients.part_create(
    desk, patient.pk, "consents",
    data={{"kind": "spravato_rems_enrollment", "status": "given", "signed_on": date.today()}},
)
intake_submit(actors["nurse"], patient.pk, fields=fields(), scales=scales())
plan = treatment.plan_create(prescriber, patient.pk, protocol_id="esketamine-trd-induction")
plan = treatment.plan_sign(prescriber, plan.pk)
service = Service.objects.get(clinic=site.clinic, name="Spravato session")
appointment = booking.appointment_book(
    desk, patient.pk, service_id=service.pk, start_at=timezone.now(), resource_id=resource.pk,
    performer_id=members["performer"].pk, plan_id=plan.pk, walk_in=True,
)
booking.appointment_check_in(desk, appointment.pk)
print(json.dumps(
    {{"appointment": appointment.pk, "tz": site.time_zone, "devices": plan.dose["devices"]}}
))
"""

#: The session opened 150 minutes ago (the test's stand-in for two and a half hours at the
#: chair), and what it has charted.
BACKDATE = """
import json
import sys
from datetime import timedelta

import django

django.setup()

from ketacare.sessions.models import TreatmentSession

session = TreatmentSession.objects.get(pk=int(sys.argv[1]))
session.started_at -= timedelta(minutes=150)
session.save(update_fields=["started_at"])
print(json.dumps({"started_at": session.started_at.isoformat()}))
"""

CHARTED = """
import json
import sys

import django

django.setup()

from ketacare.sessions.models import Dose, Observation, TreatmentSession, VitalSign

session = TreatmentSession.objects.get(pk=int(sys.argv[1]))
doses = Dose.objects.filter(session=session).order_by("measured_at")
vitals = VitalSign.objects.filter(session=session).order_by("measured_at")
observations = Observation.objects.filter(session=session)
print(json.dumps({
    "phase": session.phase,
    "doses": [[d.device_number, str(d.dose_mg)] for d in doses],
    "vitals": [v.measured_at.isoformat() for v in vitals],
    "observations": sorted([o.instrument, o.score] for o in observations),
    "discharged": session.discharged_at is not None,
}))
"""


def _run(clinic: live.LiveClinic, script: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=clinic.env,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def clinic() -> Iterator[live.LiveClinic]:
    """A server of its own: this test reads and writes the server's database."""
    with live.clinic_server() as served:
        yield served


def _nurse(browser: Any, clinic: live.LiveClinic, tz: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=TABLET, timezone_id=tz)
    page = context.new_page()
    page.goto(f"{clinic.url}/accounts/login/")
    page.get_by_label("Email").fill(f"nurse@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/patients/"))
    return context, page


def _fits(page: Any, name: str) -> None:
    """The page scrolls sideways at no width; a screenshot of each."""
    SHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1024})
        scroll, inner = page.evaluate(OVERFLOW)
        assert scroll <= inner, f"{name} scrolls sideways at {width} px ({scroll} > {inner})"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(TABLET)


def _start(page: Any, clinic: live.LiveClinic, appointment: int) -> int:
    page.goto(f"{clinic.url}/schedule/appointments/{appointment}/")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+/"))
    return int(re.search(r"/sessions/(\d+)/", page.url).group(1))  # type: ignore[union-attr]


def _pending_sent(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#pending")).to_be_hidden(timeout=15000)


def _vitals(page: Any, at: str, systolic: str = "124", diastolic: str = "80") -> None:
    form = page.locator("#vitals-form")
    form.get_by_label("Systolic (mmHg)").fill(systolic)
    form.get_by_label("Diastolic (mmHg)").fill(diastolic)
    form.get_by_label("Heart rate (/min)").fill("74")
    form.get_by_label("SpO₂ (%)").fill("98")
    form.get_by_label("Respiratory rate (/min)").fill("14")
    form.get_by_label("Measured at").fill(at)
    form.get_by_role("button", name="Save vital signs").click()


def test_a_nurse_runs_a_spravato_session_on_a_tablet(clinic: live.LiveClinic, browser: Any) -> None:
    from playwright.sync_api import expect

    prepared = _run(clinic, PREPARE, str(ROOT), "SPRAVATO-1", "Chair S1")
    assert prepared["devices"] == 2
    tz = ZoneInfo(prepared["tz"])
    context, page = _nurse(browser, clinic, prepared["tz"])
    try:
        page.goto(f"{clinic.url}/schedule/appointments/{prepared['appointment']}/")
        _fits(page, "appointment")
        session = _start(page, clinic, prepared["appointment"])
        _run(clinic, BACKDATE, str(session))
        now = datetime.now(tz)

        def at(minutes_ago: int) -> str:
            return f"{now - timedelta(minutes=minutes_ago):%H:%M}"

        # Dosing starts 140 minutes ago: minute 0.
        page.goto(f"{clinic.url}/sessions/{session}/")
        expect(page.locator("#chair-facts")).to_contain_text("Spravato: TRD induction")
        _vitals(page, at(146), "126", "82")
        _pending_sent(page)
        expect(page.locator("#timeline")).to_contain_text("Vital signs")

        checklist = page.locator("#predose-form")
        expect(checklist.get_by_label("Escort's name")).to_have_value("Rosa Chair")
        expect(checklist.get_by_label("Escort's phone")).to_have_value("+1 617 555 0142")
        expect(checklist.get_by_label("Pregnancy")).to_have_value("not_applicable")
        checklist.get_by_label("Identity confirmed").check()
        checklist.get_by_label("Consent confirmed for today").check()
        checklist.get_by_label("Hours since solid food").fill("6")
        checklist.get_by_label("Hours since clear fluids").fill("3")
        checklist.get_by_label("Escort present to take the patient home").check()
        checklist.get_by_label("PHQ-9 item 9 (thoughts of self-harm)").select_option("0")
        checklist.get_by_label("REMS: patient enrolled").select_option("yes")
        checklist.get_by_label("REMS: prescriber on site").select_option("yes")
        checklist.get_by_label("REMS: pulse oximeter on").select_option("yes")
        checklist.get_by_label("Measured at").fill(at(145))
        checklist.get_by_role("button", name="Save the checklist").click()
        page.wait_for_url(re.compile(r"#safety$"))
        reasons = page.locator("#safety").inner_text()
        assert page.locator("#predose-decision").inner_text().strip() == "Proceed", reasons
        _fits(page, "chair-predose")

        for number, minutes_ago in ((1, 140), (2, 135)):
            form = page.locator("#dose-form")
            expect(form.get_by_role("button", name=f"Give device {number}")).to_be_enabled()
            form.get_by_label("Measured at").fill(at(minutes_ago))
            form.get_by_role("button", name=f"Give device {number}").click()
            page.wait_for_load_state("load")
            _pending_sent(page)
        expect(page.locator("#devices-done")).to_have_text("Every planned device is given.")

        _vitals(page, at(140))
        _pending_sent(page)
        _vitals(page, at(100))
        _pending_sent(page)
        moaas = page.locator("#moaas-form")
        moaas.get_by_label("5: Responds readily to name spoken in normal tone").check()
        moaas.get_by_label("Measured at").fill(at(20))
        moaas.get_by_role("button", name="Save MOAA/S").click()
        _pending_sent(page)
        cadss = page.locator("#cadss-form")
        cadss.get_by_label("CADSS total").fill("0")
        cadss.get_by_label("Measured at").fill(at(20))
        cadss.get_by_role("button", name="Save CADSS").click()
        _pending_sent(page)
        expect(page.locator("#timeline")).to_contain_text("MOAA/S")
        _fits(page, "chair-observing")

        # No vital signs in the last 30 minutes: the discharge is refused, naming them.
        discharge = page.locator("#discharge-form")
        expect(discharge.get_by_label("Leaves with (name)")).to_have_value("Rosa Chair")
        discharge.get_by_label("Relation to the patient").fill("partner")
        discharge.get_by_label("Dissociation resolved").check()
        discharge.get_by_label("Walks safely").check()
        discharge.get_by_label("Clinician assessed ready to leave").check()
        discharge.get_by_role("button", name="Discharge").click()
        refused = page.locator("#discharge-refused")
        expect(refused).to_contain_text("Not discharged yet")
        expect(refused).to_contain_text("Blood pressure near baseline")
        expect(refused).to_contain_text("Nothing was saved.")
        _fits(page, "chair-refused")
        assert _run(clinic, CHARTED, str(session))["discharged"] is False

        page.goto(f"{clinic.url}/sessions/{session}/")
        _vitals(page, at(20))
        _pending_sent(page)
        discharge = page.locator("#discharge-form")
        discharge.get_by_label("Relation to the patient").fill("partner")
        discharge.get_by_label("Dissociation resolved").check()
        discharge.get_by_label("Walks safely").check()
        discharge.get_by_label("Clinician assessed ready to leave").check()
        discharge.get_by_label(re.compile("Would have been ready without the 2-hour rule")).fill(
            "90"
        )
        discharge.get_by_role("button", name="Discharge").click()
        expect(page.locator("#phase-label")).to_have_text("Discharged")
        expect(page.locator("#note")).to_contain_text("Session note")
        _fits(page, "chair-discharged")

        charted = _run(clinic, CHARTED, str(session))
        assert charted["doses"] == [[1, "28.00"], [2, "28.00"]]
        # Baseline, minute 0, minute 40 and minute 120.
        assert len(charted["vitals"]) == 4
        assert charted["observations"] == [["cadss", 0], ["moaas", 5]]
        assert (charted["phase"], charted["discharged"]) == ("discharged", True)

        # The REMS Patient Monitoring Form, filled from the chart.
        page.locator("#rems-form-link").click()
        page.wait_for_url(re.compile(r"/rems/forms/\d+/"))
        expect(page.locator("#missing")).to_have_text(
            "Every field is filled: copy it into the REMS portal or fax the PDF."
        )
        _fits(page, "rems-form")

        page.goto(f"{clinic.url}/sessions/board/")
        expect(page.locator("#chair-board")).to_contain_text("Chair S1")
        _fits(page, "board")
    finally:
        context.close()


def test_a_vitals_entry_made_offline_is_sent_once_the_network_is_back(
    clinic: live.LiveClinic, browser: Any
) -> None:
    from playwright.sync_api import expect

    prepared = _run(clinic, PREPARE, str(ROOT), "SPRAVATO-2", "Chair S2")
    context, page = _nurse(browser, clinic, prepared["tz"])
    try:
        session = _start(page, clinic, prepared["appointment"])
        page.route("**/api/**", lambda route: route.abort())
        _vitals(page, "")
        expect(page.locator("#pending")).to_be_visible()
        expect(page.locator("#pending-count")).to_have_text("1")
        expect(page.locator("#pending-list")).to_contain_text("Vital signs")
        page.wait_for_timeout(1500)
        assert _run(clinic, CHARTED, str(session))["vitals"] == []
        page.unroute("**/api/**")
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        _pending_sent(page)
        expect(page.locator("#timeline")).to_contain_text("Vital signs")
        # A page reload resends nothing: the entry was sent once.
        page.reload()
        page.wait_for_timeout(1500)
        assert len(_run(clinic, CHARTED, str(session))["vitals"]) == 1
    finally:
        context.close()
