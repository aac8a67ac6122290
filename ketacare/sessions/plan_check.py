"""A dose charted at the chair, checked against the signed plan (pure: no Django).

Outside the plan's dose or rate is not refused outright: it needs a prescriber's order with a
reason (the software advises; the prescriber decides). What the label forbids is refused: a
second Spravato device less than 5 minutes after the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Spravato: "wait 5 minutes between each device" (SPRAVATO PI section 2.1).
DEVICE_INTERVAL_MIN = 5.0
#: Rounding slack when comparing mg and mg/h figures charted to 0.01.
SLACK = 0.005

#: The kind of dose each route is charted as.
KINDS_BY_ROUTE = {
    ("ketamine", "iv"): ("infusion", "injection"),
    ("ketamine", "im"): ("injection",),
    ("ketamine", "intranasal"): ("spray",),
    ("ketamine", "sublingual"): ("lozenge",),
    ("esketamine", "intranasal"): ("device",),
}


@dataclass(frozen=True)
class PlannedDose:
    dose_mg: float
    rate_mg_per_h: float | None
    devices: int | None


@dataclass(frozen=True)
class Order:
    """A prescriber's order for this session: the total mg and the highest rate allowed."""

    dose_mg: float | None
    rate_mg_per_h: float | None


def refusals(
    *, drug: str, route: str, kind: str, device_minutes_since_last: float | None
) -> dict[str, str]:
    """What no order can allow: the wrong kind of dose for the route, devices too close."""
    errors: dict[str, str] = {}
    allowed = KINDS_BY_ROUTE.get((drug, route), ())
    if kind not in allowed:
        article = "an" if drug[:1] in "aeiou" else "a"
        errors["kind"] = f"{article} {drug} {route} session charts " + " or ".join(allowed)
    if device_minutes_since_last is not None and device_minutes_since_last < DEVICE_INTERVAL_MIN:
        errors["measured_at"] = (
            f"a device must follow the previous one by at least {DEVICE_INTERVAL_MIN:g} "
            f"minutes (label); this one is {device_minutes_since_last:g} min after it"
        )
    return errors


def outside_plan(
    plan: PlannedDose,
    *,
    given_before_mg: float,
    dose_mg: float,
    rate_mg_per_h: float | None,
    devices_before: int,
    order: Order | None,
) -> dict[str, str]:
    """Each way the dose leaves the plan that the latest order (if any) does not cover."""
    problems: dict[str, str] = {}
    total = given_before_mg + dose_mg
    allowed_mg = order.dose_mg if order and order.dose_mg is not None else plan.dose_mg
    if total > allowed_mg + SLACK:
        whose = "the prescriber's order" if order and order.dose_mg is not None else "the plan"
        problems["dose_mg"] = (
            f"{dose_mg:g} mg brings the session to {total:g} mg, above {whose}'s "
            f"{allowed_mg:g} mg: a prescriber's order with a reason is needed"
        )
    if (
        plan.devices is not None
        and devices_before + 1 > plan.devices
        and not (order and order.dose_mg is not None and total <= order.dose_mg + SLACK)
    ):
        problems["device_number"] = (
            f"the plan is {plan.devices} device(s); device {devices_before + 1} needs a "
            "prescriber's order"
        )
    if rate_mg_per_h is not None:
        limit = (
            order.rate_mg_per_h if order and order.rate_mg_per_h is not None else plan.rate_mg_per_h
        )
        if limit is not None and rate_mg_per_h > limit + SLACK:
            problems["rate_mg_per_h"] = (
                f"{rate_mg_per_h:g} mg/h is above the {limit:g} mg/h "
                f"{'ordered' if order and order.rate_mg_per_h is not None else 'planned'}: "
                "a prescriber's order with a reason is needed"
            )
    return problems
