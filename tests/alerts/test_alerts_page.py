"""An acknowledgement's errors show on the alert they concern, with the note as typed; an
acknowledged alert stays visible in the history (who, when, what was done)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine

from ketacare.alerts.models import Alert
from ketacare.alerts.services import alert_acknowledge
from tests.api.test_candidacy_api import PHQ9_SI, screen_dan
from tests.conftest import Cast


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def test_a_refused_acknowledgement_shows_on_its_alert_with_the_typed_note(
    cast: Cast, as_role: Any
) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()
    response = as_role("nurse").post(f"/alerts/{alert.pk}/acknowledge/", {"note": "x" * 2001})
    assert response.status_code == 400
    html = response.content.decode()
    card = _section(html, f"alert-{alert.pk}")
    assert "What was done</a>: must be at most 2000 characters; got 2001" in card
    assert 'role="alert"' in card
    assert f">{'x' * 2001}</textarea>" in card
    before_card = html[: html.index(f'id="alert-{alert.pk}"')]
    assert "must be at most 2000" not in before_card
    assert Alert.objects.get().acknowledged_at is None


def test_a_blank_note_is_refused_on_its_alert(cast: Cast, as_role: Any) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()
    response = as_role("nurse").post(f"/alerts/{alert.pk}/acknowledge/", {"note": "   "})
    card = _section(response.content.decode(), f"alert-{alert.pk}")
    assert (
        f'<ul class="field-errors" id="note-{alert.pk}-errors"><li>say what was done (for '
        "example: safety plan reviewed)</li></ul>"
    ) in card
    assert 'aria-invalid="true"' in card


def test_an_acknowledged_alert_stays_in_the_history(cast: Cast, as_role: Any) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()
    with time_machine.travel(dt.datetime(2026, 3, 8, 10, 30, tzinfo=dt.UTC), tick=False):
        alert_acknowledge(cast.actor(cast.nurse), alert.pk, note="Safety plan reviewed by phone")
    html = as_role("prescriber").get("/alerts/").content.decode()
    assert "No open alerts" in html
    history = _section(html, "alert-history")
    cells = {
        label: re.sub(r"<[^>]+>", "", cell).strip()
        for label, cell in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', history, re.S)
    }
    assert {k: cells[k] for k in ("Acknowledged by", "When", "What was done")} == {
        "Acknowledged by": "Nina Nurse",
        "When": "2026-03-08 06:30 EDT",
        "What was done": "Safety plan reviewed by phone",
    }
    assert cells["Patient"] == "Dan Dawson H-1001"
    assert cells["Alert"] == "High Suicidality"


def test_no_acknowledged_alerts_says_so(cast: Cast, as_role: Any) -> None:
    html = as_role("nurse").get("/alerts/").content.decode()
    assert "No open alerts" in html
    assert "No acknowledged alerts yet" in _section(html, "alert-history")
