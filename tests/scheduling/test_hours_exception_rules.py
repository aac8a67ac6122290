"""A part of a day away needs its times: without them it would change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from ketacare.lib.errors import FieldErrors
from ketacare.scheduling import setup
from ketacare.scheduling.models import HoursException
from tests.scheduling.conftest import Day


def test_away_for_part_of_the_day_without_times_is_refused(day: Day) -> None:
    with pytest.raises(FieldErrors) as refused:
        setup.hours_exception_add(
            day.cast.actor(day.cast.owner),
            site_id=day.site.pk,
            membership_id=day.cast.nurse.pk,
            day=date(2026, 3, 4),
            kind="remove",
            reason="Dentist",
        )
    assert refused.value.errors == {
        "opens": "part of the day needs its times (for the whole day away, choose 'these "
        "hours only' with no times)"
    }
    assert HoursException.objects.count() == 0
