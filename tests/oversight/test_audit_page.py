"""The audit page reads in words: the patient by name and MRN (linked to the chart for those
who may open it), the actor by name, the action and target in words, every time in the
clinic's zone with its abbreviation; the MRN filter ignores case; long values are collapsed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from django.db import transaction

from ketacare.audit import services as audit
from ketacare.audit.models import AuditEvent
from ketacare.oversight.display import target_in_words
from ketacare.patients.models import Condition
from tests.conftest import Cast


def _cells(html: str, label: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(rf'<td data-label="{label}">(.*?)</td>', html, re.S)
    ]


def _read_at(cast: Cast, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False), transaction.atomic():
        audit.record(
            cast.actor(cast.nurse), "patient.read", patient_id=cast.dan.pk, target=cast.dan
        )


def test_times_are_in_the_clinics_zone_with_the_abbreviation_across_dst(
    cast: Cast, as_role: Any
) -> None:
    _read_at(cast, dt.datetime(2026, 3, 8, 10, 30, tzinfo=dt.UTC))  # after the 07:00Z change
    _read_at(cast, dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC))  # before it
    html = as_role("owner").get("/audit/", {"user": "NINA@example.com", "action": "patient.read"})
    text = html.content.decode()
    assert _cells(text, "When") == ["2026-03-08 01:30:00 EST", "2026-03-08 06:30:00 EDT"]
    assert "Times are in the clinic's time zone, America/New_York (EST/EDT)." in text


def test_the_patient_actor_and_target_read_in_words(cast: Cast, as_role: Any) -> None:
    _read_at(cast, dt.datetime(2026, 3, 8, 10, 30, tzinfo=dt.UTC))
    html = as_role("owner").get("/audit/", {"patient": "H-1001", "action": "patient.read"})
    text = html.content.decode()
    assert _cells(text, "Patient") == ["Dan Dawson H-1001"]
    assert f'<a href="/patients/{cast.dan.pk}/">Dan Dawson</a>' in text
    assert _cells(text, "Who") == ["Nina Nurse nina@example.com"]
    assert _cells(text, "Action") == ["Opened the chart"]
    assert _cells(text, "Target") == ["Patient record"]
    assert str(cast.dan.pk) not in _cells(text, "Patient")[0]


def test_a_condition_target_is_named_by_its_kind(cast: Cast) -> None:
    condition = Condition.objects.get(patient=cast.dan)
    assert target_in_words("Condition", str(condition.pk)) == f"Condition #{condition.pk}"
    assert target_in_words("GoneModel", "7") == "GoneModel 7"
    assert target_in_words("", "") == ""


def test_the_mrn_filter_ignores_case(cast: Cast, as_role: Any) -> None:
    owner = as_role("owner")
    lower = owner.get("/audit/", {"patient": "h-1001"})
    upper = owner.get("/audit/", {"patient": "H-1001"})
    assert lower.status_code == 200
    ids = [e.id for e in lower.context["page"].object_list]
    assert ids == [e.id for e in upper.context["page"].object_list]
    assert set(AuditEvent.objects.filter(id__in=ids).values_list("patient_id", flat=True)) == {
        cast.dan.pk
    }


def test_hashes_and_changes_are_collapsed_not_columns(cast: Cast, as_role: Any) -> None:
    html = as_role("owner").get("/audit/", {"patient": "H-1001", "action": "patient.create"})
    text = html.content.decode()
    event = AuditEvent.objects.get(action="patient.create", patient_id=cast.dan.pk)
    assert "<details><summary>16 changes</summary>" in text
    assert f'<small class="code">{event.row_hash}</small>' in text
    assert re.findall(r'<th scope="col">([^<]+)</th>', text) == [
        "When",
        "Who",
        "Action",
        "Patient",
        "Target",
        "Details",
    ]


def test_no_events_for_the_filter_says_so(cast: Cast, as_role: Any) -> None:
    response = as_role("owner").get("/audit/", {"date_from": "2001-01-01", "date_to": "2001-01-02"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "0 events." in text
    assert "No events match these filters" in text
    assert "<table" not in text
