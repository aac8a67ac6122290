"""The audit page shows and filters by the clinic's own calendar days, across DST changes."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import transaction

from ketacare.audit import services as audit
from ketacare.lib.clinic_time import day_bounds_utc
from tests.conftest import Cast


def _event_at(cast: Cast, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False), transaction.atomic():
        audit.record(cast.actor(cast.nurse), "patient.read", patient_id=cast.dan.pk)


def test_a_spring_forward_day_is_23_hours_long() -> None:
    from zoneinfo import ZoneInfo

    start, end = day_bounds_utc(
        dt.date(2026, 3, 8), dt.date(2026, 3, 8), ZoneInfo("America/New_York")
    )
    assert start == dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 9, 4, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=23)


def test_a_fall_back_day_is_25_hours_long() -> None:
    from zoneinfo import ZoneInfo

    start, end = day_bounds_utc(
        dt.date(2026, 11, 1), dt.date(2026, 11, 1), ZoneInfo("America/New_York")
    )
    assert end - start == dt.timedelta(hours=25)


def test_filtering_by_a_dst_day_uses_local_midnights(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    _event_at(cast, dt.datetime(2026, 3, 8, 4, 59, tzinfo=dt.UTC))  # 23:59 EST on 7 March
    _event_at(cast, dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC))  # 00:00 EST on 8 March
    _event_at(cast, dt.datetime(2026, 3, 9, 3, 59, tzinfo=dt.UTC))  # 23:59 EDT on 8 March
    _event_at(cast, dt.datetime(2026, 3, 9, 4, 0, tzinfo=dt.UTC))  # 00:00 EDT on 9 March
    response = as_role("owner").get(
        "/audit/?date_from=2026-03-08&date_to=2026-03-08&user=nina@example.com"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 events." in html
    assert "2026-03-08 00:00:00 EST" in html
    assert "2026-03-08 23:59:00 EDT" in html
    assert "2026-03-07" not in html and "2026-03-09 00:00" not in html
