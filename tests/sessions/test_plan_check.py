"""A dose against the signed plan (pure): what an order may allow, and what it never may."""

from __future__ import annotations

from ketacare.sessions.plan_check import Order, PlannedDose, outside_plan, refusals

IV = PlannedDose(dose_mg=41.3, rate_mg_per_h=62.0, devices=None)
SPRAVATO = PlannedDose(dose_mg=56.0, rate_mg_per_h=None, devices=2)


def _iv(dose_mg: float, *, before: float = 0.0, rate: float | None = 62.0, order=None):
    return outside_plan(
        IV,
        given_before_mg=before,
        dose_mg=dose_mg,
        rate_mg_per_h=rate,
        devices_before=0,
        order=order,
    )


def _device(before: int, order=None):
    return outside_plan(
        SPRAVATO,
        given_before_mg=28.0 * before,
        dose_mg=28.0,
        rate_mg_per_h=None,
        devices_before=before,
        order=order,
    )


def test_the_plans_dose_and_rate_are_within_the_plan() -> None:
    assert _iv(41.3) == {}
    assert _iv(20.0, before=21.3) == {}
    # Charted to 0.01: half a hundredth of slack.
    assert _iv(41.305) == {}
    assert _iv(41.3, rate=62.005) == {}


def test_a_total_above_the_plan_needs_an_order() -> None:
    assert _iv(41.31) == {
        "dose_mg": "41.31 mg brings the session to 41.31 mg, above the plan's 41.3 mg: a "
        "prescriber's order with a reason is needed"
    }
    assert _iv(10.0, before=40.0) == {
        "dose_mg": "10 mg brings the session to 50 mg, above the plan's 41.3 mg: a "
        "prescriber's order with a reason is needed"
    }
    assert _iv(10.0, before=40.0, order=Order(dose_mg=50.0, rate_mg_per_h=None)) == {}
    assert _iv(10.0, before=40.5, order=Order(dose_mg=50.0, rate_mg_per_h=None)) == {
        "dose_mg": "10 mg brings the session to 50.5 mg, above the prescriber's order's 50 mg: "
        "a prescriber's order with a reason is needed"
    }


def test_an_order_may_lower_the_allowed_total() -> None:
    assert list(_iv(35.0, order=Order(dose_mg=30.0, rate_mg_per_h=None))) == ["dose_mg"]


def test_a_rate_above_the_plan_needs_an_order() -> None:
    assert _iv(41.3, rate=70.0) == {
        "rate_mg_per_h": "70 mg/h is above the 62 mg/h planned: a prescriber's order with a "
        "reason is needed"
    }
    assert _iv(41.3, rate=70.0, order=Order(dose_mg=None, rate_mg_per_h=70.0)) == {}
    assert _iv(41.3, rate=80.0, order=Order(dose_mg=None, rate_mg_per_h=70.0)) == {
        "rate_mg_per_h": "80 mg/h is above the 70 mg/h ordered: a prescriber's order with a "
        "reason is needed"
    }
    # A dose order alone does not raise the rate.
    assert list(_iv(41.3, rate=70.0, order=Order(dose_mg=60.0, rate_mg_per_h=None))) == [
        "rate_mg_per_h"
    ]


def test_a_device_beyond_the_plan_needs_an_order_of_its_mg() -> None:
    assert _device(0) == {}
    assert _device(1) == {}
    assert _device(2) == {
        "dose_mg": "28 mg brings the session to 84 mg, above the plan's 56 mg: a prescriber's "
        "order with a reason is needed",
        "device_number": "the plan is 2 device(s); device 3 needs a prescriber's order",
    }
    assert _device(2, order=Order(dose_mg=84.0, rate_mg_per_h=None)) == {}
    assert list(_device(3, order=Order(dose_mg=84.0, rate_mg_per_h=None))) == [
        "dose_mg",
        "device_number",
    ]


def test_the_route_sets_the_kind_of_dose() -> None:
    assert (
        refusals(drug="ketamine", route="iv", kind="infusion", device_minutes_since_last=None) == {}
    )
    assert (
        refusals(drug="ketamine", route="iv", kind="injection", device_minutes_since_last=None)
        == {}
    )
    assert refusals(drug="ketamine", route="iv", kind="device", device_minutes_since_last=None) == {
        "kind": "a ketamine iv session charts infusion or injection"
    }
    assert refusals(
        drug="esketamine", route="intranasal", kind="infusion", device_minutes_since_last=None
    ) == {"kind": "an esketamine intranasal session charts device"}


def test_devices_are_at_least_five_minutes_apart() -> None:
    """SPRAVATO PI section 2.1: wait 5 minutes between each device."""
    ok = refusals(
        drug="esketamine", route="intranasal", kind="device", device_minutes_since_last=5.0
    )
    close = refusals(
        drug="esketamine", route="intranasal", kind="device", device_minutes_since_last=4.99
    )
    assert ok == {}
    assert close == {
        "measured_at": "a device must follow the previous one by at least 5 minutes (label); "
        "this one is 4.99 min after it"
    }
