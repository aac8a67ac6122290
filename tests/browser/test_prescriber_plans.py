"""In real Chromium: a prescriber takes a new patient from registration through intake and
screening to a signed treatment plan with its predicted concentration curve."""

from __future__ import annotations

import re

import pytest

from ketacare.clinical.intake import History
from ketacare.demo.seed import DEMO_PASSWORD

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


def _check(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.check(f'input[name="{name}"][value="{value}"]')


def test_a_prescriber_goes_from_intake_to_a_signed_plan(clinic_server: str, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{clinic_server}/accounts/login/")
    page.get_by_label("Email").fill("prescriber@demo.ketacare.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Register the patient.
    page.get_by_role("link", name="Register a patient").first.click()
    page.get_by_label("Given name").fill("Maëlle")
    page.get_by_label("Family name").fill("Browser-Test")
    page.get_by_label("Date of birth").fill("1984-06-15")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maëlle Browser-Test")
    chart_url = page.url

    # Diagnosis and two failed antidepressant trials on the chart.
    page.get_by_role("link", name="Add a condition").click()
    page.get_by_label("ICD-10-CM code").fill("F33.2")
    page.get_by_role("button", name="Save").click()
    for drug, drug_class in (("sertraline", "ssri"), ("venlafaxine", "snri")):
        page.get_by_role("link", name="Add a medication trial").click()
        page.locator("#id_drug").fill(drug)
        page.get_by_label("Drug class").select_option(drug_class)
        page.get_by_label("Weeks at adequate dose").fill("8")
        page.get_by_label("Improvement percent").fill("10")
        page.get_by_label("Reason stopped").select_option("ineffective")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"#trials$"))

    # The intake, section by section, with the baseline scales item by item.
    page.goto(chart_url)
    page.get_by_role("link", name="Record an intake").click()
    progress = page.get_by_role("navigation", name="Intake progress")
    expect(progress).to_contain_text("Step 1 of 9")
    save = page.get_by_role("button", name="Save and continue")
    save.click()  # Diagnoses and medications: nothing to add.
    for name in History.model_fields:
        _check(page, f"history__{name}", "no")
    for name in ("pregnant", "breastfeeding"):
        _check(page, name, "no")
    save.click()
    page.get_by_label("Weight (kg)").fill("68.0")
    page.get_by_label("Height (cm)").fill("165.0")
    page.get_by_label("Systolic BP (mmHg)").fill("124")
    page.get_by_label("Diastolic BP (mmHg)").fill("80")
    page.get_by_label("Heart rate (beats/min)").fill("70")
    page.get_by_label("SpO₂ (%)").fill("98")
    save.click()

    # Leave, and resume where it was left.
    page.goto(chart_url)
    page.get_by_role("link", name="Resume intake (3 of 8 saved)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    expect(progress.locator("li", has_text="Body and vital signs")).to_contain_text("Saved")
    for item, value in zip(range(1, 11), (2, 2, 2, 1, 1, 2, 1, 1, 0, 1), strict=True):
        _check(page, f"scale__phq9__{item}", str(value))
    save.click()
    for item in range(1, 8):
        _check(page, f"scale__gad7__{item}", "1")
    save.click()
    for item in ("1", "2", "6"):
        _check(page, f"scale__cssrs_screener__{item}", "0")
    save.click()
    save.click()  # Other scales: none for this indication.
    _check(page, "home_sitter_available", "yes")
    save.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("review and submit")
    expect(page.locator("#review-vitals")).to_contain_text("68.0")
    page.get_by_role("button", name="Record intake and screen").click()

    # The screening, every option with its decision and reasons.
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening for Maëlle Browser-Test")
    expect(page.get_by_text("Intake 1 recorded and screened.")).to_be_visible()
    row = page.locator("tr", has_text="Ketamine IV infusion")
    expect(row.locator(".badge")).to_have_text("Eligible")
    expect(page.locator("#screening")).to_contain_text(
        "Treatment resistance: yes — 2 adequate failed trials"
    )

    # The plan: protocol, calculated dose, this patient's curve with the dissociation band.
    page.get_by_role("link", name="Create a treatment plan").click()
    page.get_by_label("Depression: IV ketamine induction").check()
    page.get_by_role("button", name="Calculate the dose and draft the plan").click()
    expect(page.locator("#plan-status")).to_have_text("Draft")
    expect(page.locator("#dose-mg")).to_have_text("34.00 mg")  # 0.5 mg/kg x 68 kg
    expect(page.locator("#curve svg polyline.series")).to_have_count(1)
    expect(page.locator("#curve svg rect.band-dissociation")).to_have_count(1)
    expect(page.locator("#curve")).to_contain_text("Kamp 2020")

    # Signing asks first, naming the patient, the protocol and the dose.
    page.get_by_role("link", name="Sign the plan…").click()
    expect(page.locator("#sign-question")).to_contain_text("Depression: IV ketamine induction")
    expect(page.locator("#sign-question")).to_contain_text("34 mg over 40 min")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator("#plan-status")).to_have_text("Signed")
    expect(page.get_by_text("Signed by Dr Priya Natarajan")).to_be_visible()
    expect(page.get_by_role("link", name="Sign the plan…")).to_have_count(0)

    # The chart shows it at a glance.
    page.goto(chart_url)
    expect(page.locator("#care")).to_contain_text("Depression: IV ketamine induction")
    expect(page.locator("#care .badge-good", has_text="Signed")).to_have_count(1)
    expect(page.locator("#care")).to_contain_text("PHQ-9 12")
