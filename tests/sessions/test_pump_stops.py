"""A running infusion delivers its charted dose and no more: the pump is programmed with it as
the volume to be infused, so an infusion nobody has ended yet is not counted past it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.sessions.assessment import given_mg
from ketacare.sessions.view import view_of

from .world import infusion, open_chair


@pytest.mark.django_db
def test_an_infusion_left_running_counts_only_its_charted_dose(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    dose, _ = infusion(chair, 0)
    chair.at(20)
    half = view_of(chair.refresh())
    assert given_mg(half.chart, dose, timezone.now()) == Decimal("20.67")
    chair.at(90)
    late = view_of(chair.refresh())
    assert given_mg(late.chart, dose, timezone.now()) == dose.dose_mg == Decimal("41.30")
