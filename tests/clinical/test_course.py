"""A plan's course: the protocol's phases, then the maintenance protocol that follows."""

from __future__ import annotations

from ketacare.clinical.course import course
from ketacare.clinical.protocols import get_protocol


def test_iv_induction_is_followed_by_iv_maintenance() -> None:
    phases = course(get_protocol("depression-iv-induction"), 40)
    assert [(p["protocol"], p["phase"]) for p in phases] == [
        ("depression-iv-induction", "induction"),
        ("depression-iv-maintenance", "maintenance"),
    ]
    assert phases[0]["sessions"] == 6


def test_spravato_maintenance_follows_the_patients_age() -> None:
    under_65 = [p["protocol"] for p in course(get_protocol("esketamine-trd-induction"), 64)]
    over_65 = [p["protocol"] for p in course(get_protocol("esketamine-trd-induction-65-plus"), 65)]
    assert under_65 == [
        "esketamine-trd-induction",
        "esketamine-trd-maintenance",
        "esketamine-trd-maintenance",
    ]
    assert over_65 == [
        "esketamine-trd-induction-65-plus",
        "esketamine-trd-maintenance-65-plus",
        "esketamine-trd-maintenance-65-plus",
    ]


def test_a_protocol_without_a_maintenance_protocol_has_only_its_own_phases() -> None:
    assert [p["protocol"] for p in course(get_protocol("ptsd-iv-induction"), 40)] == [
        "ptsd-iv-induction"
    ]
    assert [p["protocol"] for p in course(get_protocol("depression-iv-maintenance"), 40)] == [
        "depression-iv-maintenance"
    ]
