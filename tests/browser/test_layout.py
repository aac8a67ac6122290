"""In real Chromium at a phone (390 px), a tablet (768 px) and a desktop (1280 px): the pages a
clinic works from never scroll sideways, and show no bare code of the clinical vocabularies
(a code may follow its label only in ``small.code``). One login per role for the module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from ketacare.clinical.labels import raw_codes
from ketacare.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

WIDTHS = (390, 768, 1280)
# page key -> (role that opens it, how to find its path)
PAGES = {
    "patient-list": "nurse",
    "chart": "nurse",
    "intake-form": "nurse",
    "plan": "prescriber",
    "screening": "prescriber",
    "alerts": "nurse",
    "audit": "owner",
    "schedule-day": "frontdesk",
    "schedule-week": "frontdesk",
    "schedule-mine": "nurse",
    "schedule-book": "frontdesk",
}
LONG_FAMILY_NAME = ("Wolfeschlegelsteinhausenbergerdorff" * 3)[:100]

# The page's visible text without the codes shown on purpose in small type after a label.
VISIBLE_TEXT = """() => {
  document.querySelectorAll('small.code').forEach(el => el.remove());
  return document.body.innerText;
}"""
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _login(browser: Any, base: str, role: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(f"{role}@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/patients/"))
    page.close()
    return context


@pytest.fixture(scope="module")
def contexts(browser: Any, clinic_server: str) -> Iterator[dict[str, Any]]:
    made = {role: _login(browser, clinic_server, role) for role in set(PAGES.values())}
    yield made
    for context in made.values():
        context.close()


def _long_named_patient(context: Any, base: str) -> str:
    """Register a patient with a 100-character family name through the API (the browser's
    session, CSRF token from its cookie); the chart's path."""
    csrf = next(c["value"] for c in context.cookies() if c["name"].endswith("csrftoken"))
    response = context.request.post(
        f"{base}/api/v1/patients",
        data={
            "mrn": "LONG-0001",
            "given_name": "Maximiliana",
            "family_name": LONG_FAMILY_NAME,
            "date_of_birth": "1984-05-06",
            "sex_at_birth": "female",
        },
        headers={"X-CSRFToken": csrf, "Referer": f"{base}/patients/"},
    )
    assert response.status == 201, response.text()
    return f"/patients/{response.json()['id']}/"


@pytest.fixture(scope="module")
def paths(contexts: dict[str, Any], clinic_server: str) -> dict[str, str]:
    """Each page's path in the demo: the first patient of the list, a plan from the chart of
    the first patient that has one."""
    page = contexts["prescriber"].new_page()
    page.goto(f"{clinic_server}/patients/")
    charts = [
        href
        for href in page.locator("main a[href^='/patients/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        if re.fullmatch(r"/patients/[0-9a-f-]{36}/", href)
    ]
    assert charts, "the demo patient list links to no chart"
    plan = planned = ""
    for chart in charts[:12]:
        page.goto(f"{clinic_server}{chart}")
        links = page.locator("a[href^='/plans/']")
        if links.count():
            plan, planned = links.first.get_attribute("href") or "", chart
            break
    assert plan, "no demo chart links to a plan"
    page.close()
    return {
        "patient-list": "/patients/",
        "chart": charts[0],
        "intake-form": f"{charts[0]}intake/new/",
        "plan": plan,
        "screening": f"{planned}screening/",
        "alerts": "/alerts/",
        "audit": "/audit/",
        "schedule-day": "/schedule/",
        "schedule-week": "/schedule/week/",
        "schedule-mine": "/schedule/mine/",
        "schedule-book": f"/schedule/book/?patient={charts[0].split('/')[2]}",
        "long-name-chart": _long_named_patient(contexts["nurse"], clinic_server),
    }


def _open(contexts: dict[str, Any], role: str, url: str, width: int) -> Any:
    page = contexts[role].new_page()
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page


CASES = [pytest.param(key, width, id=f"{key}-{width}") for key in PAGES for width in WIDTHS]


@pytest.mark.parametrize(("key", "width"), CASES)
def test_the_page_fits_the_width_and_shows_labels_not_codes(
    contexts: dict[str, Any], paths: dict[str, str], clinic_server: str, key: str, width: int
) -> None:
    page = _open(contexts, PAGES[key], f"{clinic_server}{paths[key]}", width)
    try:
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        text = page.evaluate(VISIBLE_TEXT)
    finally:
        page.close()
    shown = sorted(
        code for code in raw_codes() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    )
    assert scroll_width <= inner_width, f"{scroll_width} px wide at {inner_width} px"
    assert shown == []


def test_a_100_character_family_name_does_not_widen_the_chart_on_a_phone(
    contexts: dict[str, Any], paths: dict[str, str], clinic_server: str
) -> None:
    page = _open(contexts, "nurse", f"{clinic_server}{paths['long-name-chart']}", 390)
    try:
        assert LONG_FAMILY_NAME in page.locator("h1").inner_text()
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        assert (inner_width, scroll_width <= inner_width) == (390, True), scroll_width
    finally:
        page.close()


def test_htmx_loads_under_the_content_security_policy(
    contexts: dict[str, Any], clinic_server: str
) -> None:
    page = contexts["nurse"].new_page()
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None
    )
    try:
        page.goto(f"{clinic_server}/patients/")
        assert page.evaluate("typeof window.htmx") == "object"
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    finally:
        page.close()
    assert refused == []
