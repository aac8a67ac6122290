"""A screening older than the chart's latest diagnoses, trials or weight is out of date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.patients import services as patients
from ketacare.patients.models import Condition
from ketacare.screening.queries import latest_chart_changes, screening_staleness
from ketacare.screening.services import intake_submit
from ketacare.screening.staleness import (
    ChartChange,
    changes_after,
    latest_change,
    out_of_date_text,
)
from tests.candidacy import fields, scales
from tests.conftest import Cast

NY = ZoneInfo("America/New_York")


def _at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


#: The first of the month after next, at import (the cast is built at the real now).
LATER = (timezone.now().replace(day=1) + timedelta(days=62)).replace(
    day=1, hour=15, minute=0, second=0, microsecond=0
)


def _later(day: int) -> datetime:
    return LATER.replace(day=day)


def _on(day: int) -> str:
    return _later(day).date().isoformat()


def test_the_latest_event_of_a_kind_is_its_newest_addition_or_edit() -> None:
    assert latest_change("trial", last_added=None, last_changed=None) is None
    assert latest_change("trial", last_added=_at(2), last_changed=None) == ChartChange(
        "trial", "added", _at(2)
    )
    assert latest_change("trial", last_added=_at(2), last_changed=_at(5)) == ChartChange(
        "trial", "changed", _at(5)
    )
    assert latest_change("weight", last_added=_at(6), last_changed=_at(5)) == ChartChange(
        "weight", "added", _at(6)
    )


def test_only_changes_after_the_screening_count_oldest_first() -> None:
    weight = ChartChange("weight", "added", _at(20))
    trial = ChartChange("trial", "added", _at(22))
    old = ChartChange("diagnosis", "added", _at(1))
    assert changes_after(_at(18), [trial, None, old, weight]) == [weight, trial]
    # A change at the very instant of the screening was part of it.
    assert changes_after(_at(20), [weight]) == []


def test_the_sentence_says_what_changed_and_when_in_the_clinics_days() -> None:
    weight = ChartChange("weight", "added", _at(20))
    trial = ChartChange("trial", "added", _at(22))
    assert out_of_date_text(_at(18), [weight, trial], NY) == (
        "Out of date: weight changed on 2026-11-20 and a medication trial was added on "
        "2026-11-22 after this screening (2026-11-18). Screen again."
    )
    diagnosis = ChartChange("diagnosis", "changed", _at(23))
    assert out_of_date_text(_at(18), [weight, trial, diagnosis], NY) == (
        "Out of date: weight changed on 2026-11-20, a medication trial was added on "
        "2026-11-22 and a diagnosis changed on 2026-11-23 after this screening (2026-11-18). "
        "Screen again."
    )
    # 02:00 UTC on the 21st is still the 20th in Boston.
    late = ChartChange("weight", "added", datetime(2026, 11, 21, 2, tzinfo=UTC))
    assert out_of_date_text(_at(18), [late], NY) == (
        "Out of date: weight changed on 2026-11-20 after this screening (2026-11-18). Screen again."
    )
    assert out_of_date_text(_at(18), [], NY) == ""


def test_a_screening_is_current_until_the_chart_changes_then_names_each_change(
    cast: Cast,
) -> None:
    # The cast is built now; the story happens after it.
    nurse, prescriber = cast.actor(cast.nurse), cast.actor(cast.prescriber)
    with time_machine.travel(_later(18), tick=False):
        outcome = intake_submit(
            nurse, cast.dan.pk, fields=fields(medication_trials=[]), scales=scales()
        )
    assert not screening_staleness(outcome.screening)
    with time_machine.travel(_later(20), tick=False):
        patients.part_create(
            nurse,
            cast.dan.pk,
            "measurements",
            data={"measured_on": _later(20).date(), "weight_kg": Decimal("80.0")},
        )
    with time_machine.travel(_later(22), tick=False):
        patients.part_create(
            prescriber,
            cast.dan.pk,
            "trials",
            data={
                "drug": "bupropion",
                "drug_class": "ndri",
                "start_date": date(2025, 1, 1),
                "weeks_at_adequate_dose": Decimal("8"),
                "improvement_percent": 10,
                "reason_stopped": "ineffective",
            },
        )
    staleness = screening_staleness(outcome.screening)
    assert [(c.kind, c.verb) for c in staleness.changes] == [
        ("weight", "added"),
        ("trial", "added"),
    ]
    assert staleness.text == (
        f"Out of date: weight changed on {_on(20)} and a medication trial was added on "
        f"{_on(22)} after this screening ({_on(18)}). Screen again."
    )
    condition = Condition.objects.get(patient=cast.dan)
    with time_machine.travel(_later(23), tick=False):
        patients.part_update(
            prescriber,
            cast.dan.pk,
            "conditions",
            condition.pk,
            data={"status": "remission"},
            expected_version=condition.version,
        )
    assert [(c.kind, c.verb) for c in screening_staleness(outcome.screening).changes][-1] == (
        "diagnosis",
        "changed",
    )


def test_the_changes_are_read_with_one_query_per_kind_whatever_the_rows(cast: Cast) -> None:
    for n in range(5):
        patients.part_create(
            cast.actor(cast.nurse),
            cast.dan.pk,
            "measurements",
            data={"measured_on": date(2026, 2, 1 + n), "weight_kg": Decimal("80.0")},
        )
    with CaptureQueriesContext(connection) as queries:
        changes = latest_chart_changes(cast.dan)
    assert len(queries) == 3
    assert [c.kind for c in changes] == ["weight", "diagnosis"]
