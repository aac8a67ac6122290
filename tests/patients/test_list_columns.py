"""The patient list's registered columns: the stage of care (by its label) and the open alerts,
one query per column for the page, not one per row."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.lib.panels import Stage, StageSource, stage_sources
from tests.api.test_candidacy_api import PHQ9_SI, screen_dan, signed_plan
from tests.conftest import Cast


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Each row's cells by their data-label, by MRN."""
    rows = {}
    for body in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = {
            label: re.sub(r"<[^>]+>", "", cell).strip()
            for label, cell in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', body, re.S)
        }
        if "MRN" in cells:
            rows[cells["MRN"]] = cells
    return rows


def _columns(rows: dict[str, dict[str, str]], *labels: str) -> dict[str, tuple[str, ...]]:
    return {mrn: tuple(cells.get(label, "") for label in labels) for mrn, cells in rows.items()}


def test_a_new_patient_is_new_and_a_screening_makes_it_screened(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    before = _rows(nurse.get("/patients/").content.decode())
    assert _columns(before, "Stage", "Open alerts") == {
        "H-1001": ("New", "—"),
        "H-1002": ("New", "—"),
    }
    screen_dan(cast, phq9=PHQ9_SI)
    html = nurse.get("/patients/").content.decode()
    assert _columns(_rows(html), "Stage", "Open alerts") == {
        "H-1001": ("Screened", "1 open alert"),
        "H-1002": ("New", "—"),
    }
    assert '<span class="badge badge-bad">1 open alert</span>' in html


def test_a_signed_plan_makes_the_patient_planned(cast: Cast, as_role: Any) -> None:
    screen_dan(cast)
    signed_plan(cast)
    rows = _rows(as_role("prescriber").get("/patients/").content.decode())
    assert _columns(rows, "Stage") == {"H-1001": ("Planned",), "H-1002": ("New",)}


def test_a_later_app_supplies_a_further_stage_through_the_registry(
    cast: Cast, as_role: Any
) -> None:
    induction = Stage("induction", "In induction", 30)
    source = StageSource("test_sessions", 50, lambda actor, patients: {cast.zoe.pk: induction})
    stage_sources.register(source)
    try:
        rows = _rows(as_role("nurse").get("/patients/").content.decode())
    finally:
        stage_sources._entries.pop("test_sessions")
    assert _columns(rows, "Stage") == {"H-1001": ("New",), "H-1002": ("In induction",)}


def test_front_desk_sees_neither_clinical_column(cast: Cast, as_role: Any) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    html = as_role("front_desk").get("/patients/").content.decode()
    assert '<th scope="col">Stage</th>' not in html
    assert '<th scope="col">Open alerts</th>' not in html
    assert _columns(_rows(html), "Stage", "Open alerts") == {
        "H-1001": ("", ""),
        "H-1002": ("", ""),
    }


def test_the_columns_take_one_query_each_whatever_the_number_of_rows(
    cast: Cast, as_role: Any
) -> None:
    from ketacare.patients.queries import list_columns_for

    screen_dan(cast, phq9=PHQ9_SI)
    signed_plan(cast)
    actor = cast.actor(cast.prescriber)
    patients = [cast.dan, cast.zoe]
    with CaptureQueriesContext(connection) as queries:
        columns = list_columns_for(actor, patients)
    # stage (screening and signed plan in one query), plan in force, open alerts, next
    # appointment (with its service and site)
    assert [c.key for c, _ in columns] == ["stage", "plan", "open_alerts", "next_appointment"]
    assert len(queries) == 4
    assert dict(columns[0][1]) == {cast.dan.pk: "Planned", cast.zoe.pk: "New"}
