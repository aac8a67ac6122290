"""In real Chromium, the front desk's day: at a tablet (768 px) and a desktop (1280 px) the grid,
each appointment's block in its chair's column from its start's row for its whole block, the
grid scrolling inside its own box; at a phone (390 px) the list by time instead. The page never
scrolls sideways. A clinic server of its own, its schedule booked through the services
(tests/browser/schedule_seed.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ketacare.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests import live

from .conftest import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def scheduled() -> Iterator[tuple[str, dict[str, Any]]]:
    with live.clinic_server() as clinic:
        done = subprocess.run(
            [sys.executable, "-m", "tests.browser.schedule_seed"],
            env=clinic.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        yield clinic.url, json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def desk(browser: Any, scheduled: tuple[str, dict[str, Any]]) -> Iterator[Any]:
    base, _ = scheduled
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(f"frontdesk@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/patients/")
    page.close()
    yield context
    context.close()


def _day(desk: Any, scheduled: tuple[str, dict[str, Any]], width: int) -> Any:
    base, seeded = scheduled
    page = desk.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(f"{base}/schedule/?site={seeded['site']}&date={seeded['date']}")
    assert response is not None and response.status == 200
    return page


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return dict(box)


@pytest.mark.parametrize("width", [768, 1280])
def test_each_block_starts_on_its_row_in_its_chairs_column(
    desk: Any, scheduled: tuple[str, dict[str, Any]], width: int
) -> None:
    page = _day(desk, scheduled, width)
    booked = scheduled[1]["booked"]
    try:
        assert page.evaluate(OVERFLOW) == [width, width]
        assert page.locator("#day-grid").is_visible()
        assert not page.locator("#day-list").is_visible()
        # Chair 1's column is the first after the time column: headings in resource order.
        headings = page.locator(".schedule-grid thead th").all_inner_texts()
        assert headings == ["Time", "Chair 1", "Chair 2", "Chair 3", "Consult room"]
        for key, (chair, row) in {
            "chair2_0900": ("Chair 2", "09:00"),
            "chair1_1000": ("Chair 1", "10:00"),
            "chair3_1300": ("Chair 3", "13:00"),
        }.items():
            block = f"#appointment-{booked[key]}"
            page.locator(block).scroll_into_view_if_needed()
            cell, head = _box(page, block), _box(page, f'thead th:text-is("{chair}")')
            start = _box(page, f'tr[data-time="{row}"] th')
            end = _box(page, f'tr[data-time="{_block_end(row)}"] th')
            assert abs(cell["x"] - head["x"]) < 1, (key, cell, head)
            assert abs(cell["y"] - start["y"]) < 1, (key, cell, start)
            # 115 min (40 + 60 of recovery + 15 of turnover): down to the row before the
            # one at the block's end.
            assert abs(cell["y"] + cell["height"] - end["y"]) < 1, (key, cell, end)
    finally:
        page.close()


def _block_end(row: str) -> str:
    """The first row after a 115-minute block starting at ``row`` (8 rows of 15 minutes)."""
    hour, minute = map(int, row.split(":"))
    total = hour * 60 + minute + 8 * 15
    return f"{total // 60:02d}:{total % 60:02d}"


def test_on_a_phone_the_day_is_a_list_by_time(
    desk: Any, scheduled: tuple[str, dict[str, Any]]
) -> None:
    page = _day(desk, scheduled, 390)
    try:
        assert page.evaluate(OVERFLOW) == [390, 390]
        assert not page.locator("#day-grid").is_visible()
        items = page.locator("#day-list li").all_inner_texts()
        assert [" ".join(item.split())[:11] for item in items] == [
            "09:00–10:55",
            "10:00–11:55",
            "13:00–14:55",
        ]
    finally:
        page.close()
