"""In real Chromium: a nurse logs in, searches for a patient and opens the chart."""

from __future__ import annotations

import re

import pytest

from ketacare.demo.seed import DEMO_PASSWORD

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


def test_a_nurse_logs_in_searches_and_opens_a_chart(clinic_server: str, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{clinic_server}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Email").fill("nurse@demo.ketacare.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.locator(".role")).to_have_text("Nurse")
    page.get_by_label("Name, MRN, phone or date of birth").fill("zoe dordevic")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 patient matching “zoe dordevic”.")).to_be_visible()

    page.get_by_role("link", name="Ðorđević, Zoë").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zoë Ðorđević MRN KC000001")
    expect(page.locator("#conditions")).to_contain_text("F33.2")
    expect(page.locator("#measurements tbody tr")).not_to_have_count(0)
    expect(page.locator("#trials")).to_contain_text("Medication trials")
