"""A demo patient's chart over the months before today: registered at the front desk, a first
visit with consents, weight, diagnoses and medication trials, and the weight measured every
two months since.

The chart's content is drawn from the seed's ``random.Random(0)`` in the same order as ever (so
names, dates of birth and counts stay what the demo always was); when things happen is drawn
from a second generator, so the story's times never shift the content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from .state import SeedState
from .timeline import Timeline, local

# (ICD-10-CM, share of patients) — the indications of reference/clinical.md section 6.2.
INDICATIONS = [
    ("F33.2", 0.45),
    ("F43.10", 0.15),
    ("F41.1", 0.1),
    ("G90.50", 0.08),
    ("F31.81", 0.06),
    ("F42.2", 0.05),
    ("M79.7", 0.06),
    ("F32.2", 0.05),
]
COMORBID = ["F41.1", "R45.851", "F43.10"]

# (drug, drug class, adequate daily dose mg) for the medication-trial history.
TRIALS = [
    ("sertraline", "ssri", 150),
    ("escitalopram", "ssri", 20),
    ("fluoxetine", "ssri", 40),
    ("venlafaxine", "snri", 225),
    ("duloxetine", "snri", 60),
    ("bupropion", "ndri", 300),
    ("mirtazapine", "mirtazapine", 45),
    ("nortriptyline", "tca", 100),
    ("aripiprazole", "atypical_antipsychotic", 5),
    ("lithium", "lithium", 900),
]
PAYERS = [
    ("Blue Cross Blue Shield", "BCBS"),
    ("Aetna", "AET"),
    ("UnitedHealthcare", "UHC"),
    ("Cigna", "CIG"),
    ("Medicare", "MCR"),
]
ALLERGIES = [
    ("Penicillin", "rash", "moderate"),
    ("Sulfa drugs", "hives", "mild"),
    ("Latex", "contact dermatitis", "mild"),
    ("Codeine", "nausea and vomiting", "moderate"),
]
# Where a person lives, by the clinic they come to. Phone numbers are the NANP's fictional
# 555-0100 to 555-0199 behind real area codes: 617 and 857 are Boston's, 781 its suburbs';
# 312 is downtown Chicago's (the Lakeside clinic is at 55 Shore Drive, 60611), 773 the rest of
# the city's.
CHICAGO_POSTCODES = ("60610", "60611", "60613", "60614", "60622", "60640", "60657")


@dataclass(frozen=True)
class Locale:
    city: str
    region: str
    tz: ZoneInfo
    area_code: str  # the patients' own numbers: the clinic's area code
    contact_area_codes: tuple[str, str]  # emergency contact, escort

    def postcode(self, draw: int) -> str:
        """A postcode of the city from the seed's draw of 100-199."""
        if self.city == "Boston":
            return f"02{draw}"
        return CHICAGO_POSTCODES[draw % len(CHICAGO_POSTCODES)]


BOSTON = Locale("Boston", "MA", ZoneInfo("America/New_York"), "617", ("857", "781"))
CHICAGO = Locale("Chicago", "IL", ZoneInfo("America/Chicago"), "312", ("773", "312"))


def fictional_phone(area_code: str, number: int) -> str:
    """A number of 555-0100 to 555-0199 (reserved for fiction) behind a real area code."""
    return f"+1 {area_code} 555 01{number % 100:02d}"


# Every demo BMI stays within the usual classes (18.5 to under 40) after the weight's drift
# and trend, except the one patient whose BMI the chart should flag.
PLAUSIBLE_BMI = (Decimal("20.5"), Decimal("37.5"))
UNUSUAL_BMI = Decimal("42.5")
# Drift (up to 1.5 kg) and trend (up to 2.4 kg) move a BMI by under 2 at 152 cm, so the
# others stay within the WHO classes of ketacare.clinical.ranges (18.5 to under 40).


def plausible_weight(weight: Decimal, height_cm: Decimal, *, unusual: bool) -> Decimal:
    """The drawn weight, moved into a plausible BMI for the drawn height."""
    square = (height_cm / 100) ** 2
    low, high = (UNUSUAL_BMI, UNUSUAL_BMI) if unusual else PLAUSIBLE_BMI
    bmi = weight / square
    if low <= bmi <= high:
        return weight
    return (min(max(bmi, low), high) * square).quantize(Decimal("0.1"))


@dataclass
class ChartPlan:
    """What the care story (intakes, plans) needs to know about a chart's own story."""

    index: int
    locale: Locale
    first_visit: date
    measurement_days: list[date]
    diagnoses: list[str] = field(default_factory=list)


def _pick_indication(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for code, share in INDICATIONS:
        total += share
        if roll < total:
            return code
    return INDICATIONS[0][0]


def _contact(rng: random.Random, area_code: str) -> dict[str, Any]:
    return {
        "relationship": "emergency_contact",
        "name": rng.choice(["Alex", "Jordan", "Chris"])
        + " "
        + rng.choice(["Reed", "Lane", "Hart"]),
        "relation_to_patient": rng.choice(["spouse", "parent", "sibling", "friend"]),
        "phone": fictional_phone(area_code, rng.randint(5000, 9999)),
        "email": "",
        "is_active": True,
    }


def _trials(rng: random.Random, first_visit: date) -> list[dict[str, Any]]:
    """Earlier antidepressant trials, all ended at least two weeks before the first visit."""
    start = first_visit - timedelta(days=30 * rng.randint(18, 60))
    trials: list[dict[str, Any]] = []
    for drug, drug_class, dose in rng.sample(TRIALS, rng.randint(1, 4)):
        weeks = rng.choice([4, 6, 8, 10, 12, 16])
        end = start + timedelta(weeks=weeks + rng.randint(0, 8))
        trials.append(
            {
                "drug": drug,
                "drug_class": drug_class,
                "dose_mg_per_day": Decimal(dose),
                "start_date": start,
                "end_date": end,
                "weeks_at_adequate_dose": Decimal(weeks),
                "improvement_percent": rng.choice([0, 5, 10, 15, 20, 25, 30, 40]),
                "current_episode": True,
                "reason_stopped": rng.choice(["ineffective", "ineffective", "side_effects"]),
                "notes": "",
            }
        )
        start = end + timedelta(days=rng.randint(7, 60))
    late = trials[-1]["end_date"] - (first_visit - timedelta(days=14))
    if late > timedelta(0):
        for trial in trials:
            trial["start_date"] -= late
            trial["end_date"] -= late
    return trials


def plan_history(
    rng: random.Random,
    clock: random.Random,
    timeline: Timeline,
    state: SeedState,
    index: int,
    registration: dict[str, Any],
    today: date,
    *,
    unusual_bmi: bool = False,
) -> ChartPlan:
    """Schedule a Boston patient's registration, first visit and weights; returns its dates."""
    locale = BOSTON
    yesterday = today - timedelta(days=1)
    first_visit = today - timedelta(days=rng.randint(30, 240))
    registered = first_visit - timedelta(days=clock.randint(3, 14))
    payer, prefix = rng.choice(PAYERS)
    coverage = {
        "payer_name": payer,
        "member_id": f"{prefix}{rng.randint(10**8, 10**9 - 1)}",
        "group_number": f"G{rng.randint(1000, 9999)}",
        "plan_name": "PPO",
        "is_primary": True,
        "start_date": date(registered.year, 1, 1),
        "end_date": None,
    }
    contact = _contact(rng, locale.contact_area_codes[0])
    escort = {
        "relationship": "escort",
        "name": rng.choice(["Taylor", "Casey", "Robin"]) + " Driver",
        "relation_to_patient": "friend",
        "phone": fictional_phone(locale.contact_area_codes[1], rng.randint(5000, 9999)),
        "email": "",
        "is_active": True,
    }
    weight = Decimal(rng.randint(520, 1150)) / 10
    height = Decimal(rng.randint(1520, 1930)) / 10
    weight = plausible_weight(weight, height, unusual=unusual_bmi)
    # Up to 0.6 kg gained or lost every two months (none for the flagged BMI, kept unusual).
    trend = Decimal(0) if unusual_bmi else Decimal(clock.randint(-6, 4)) / 10
    measurements: list[dict[str, Any]] = []
    for step in range(len(range(0, (today - first_visit).days // 30 + 1, 2))):
        drift = Decimal(rng.randint(-15, 15)) / 10
        measurements.append(
            {
                "measured_on": min(first_visit + timedelta(days=60 * step), yesterday),
                "weight_kg": weight + drift + trend * step,
                "height_cm": height,
            }
        )
    indication = _pick_indication(rng)
    conditions: list[dict[str, Any]] = [
        {
            "icd10_code": indication,
            "snomed_code": "",
            "display": "",
            "onset_date": first_visit - timedelta(days=365 * rng.randint(1, 12)),
            "status": "active",
        }
    ]
    if rng.random() < 0.35:
        extra = rng.choice([c for c in COMORBID if c != indication])
        conditions.append(
            {
                "icd10_code": extra,
                "snomed_code": "",
                "display": "",
                "onset_date": first_visit - timedelta(days=30 * rng.randint(1, 40)),
                "status": "active",
            }
        )
    allergy = None
    if rng.random() < 0.3:
        substance, reaction, severity = rng.choice(ALLERGIES)
        allergy = {
            "substance": substance,
            "reaction": reaction,
            "severity": severity,
            "status": "active",
        }
    trials = _trials(rng, first_visit)

    desk = timeline.visit(local(registered, locale.tz, 10, clock.randint(0, 40)))
    desk.then(partial(state.register, "frontdesk", index, registration))
    if state.has_portal(index):
        desk.then(partial(state.link_portal, index, registration))
    for key, data in (("coverage", coverage), ("contacts", contact), ("contacts", escort)):
        desk.then(partial(state.part, "frontdesk", index, key, data))

    visit = timeline.visit(local(first_visit, locale.tz, 9, 0))
    for kind in ("privacy_notice", "financial", "ketamine_treatment"):
        consent = {
            "kind": kind,
            "status": "given",
            "signed_on": first_visit,
            "form_version": "2026-01",
        }
        visit.then(partial(state.part, "frontdesk", index, "consents", consent))
    visit.then(partial(state.part, "nurse", index, "measurements", measurements[0]))
    for condition in conditions:
        visit.then(partial(state.part, "prescriber", index, "conditions", condition))
    if allergy is not None:
        visit.then(partial(state.part, "nurse", index, "allergies", allergy))
    for trial in trials:
        visit.then(partial(state.part, "prescriber", index, "trials", trial))
    for later in measurements[1:]:
        at = local(later["measured_on"], locale.tz, 8, 45)
        timeline.add(at, partial(state.part, "nurse", index, "measurements", later))
    return ChartPlan(
        index,
        locale,
        first_visit,
        [m["measured_on"] for m in measurements],
        [c["icd10_code"] for c in conditions],
    )


def plan_newcomer(
    clock: random.Random,
    timeline: Timeline,
    state: SeedState,
    index: int,
    registration: dict[str, Any],
    registered: date,
    role: str,
) -> None:
    """A patient of the Lakeside clinic, registered recently: an emergency contact and a first
    weight, no care yet."""
    locale = CHICAGO
    height = Decimal(clock.randint(1550, 1900)) / 10
    weight = plausible_weight(Decimal(clock.randint(550, 1100)) / 10, height, unusual=False)
    contact = {
        "relationship": "emergency_contact",
        "name": clock.choice(["Morgan", "Riley", "Quinn"]) + " " + clock.choice(["Ward", "Cole"]),
        "relation_to_patient": clock.choice(["spouse", "parent", "sibling"]),
        "phone": fictional_phone(locale.contact_area_codes[0], index + 60),
        "email": "",
        "is_active": True,
    }
    measurement = {"measured_on": registered, "weight_kg": weight, "height_cm": height}
    desk = timeline.visit(local(registered, locale.tz, 11, clock.randint(0, 40)))
    desk.then(partial(state.register, role, index, registration))
    desk.then(partial(state.part, role, index, "contacts", contact))
    desk.then(partial(state.part, role, index, "measurements", measurement))
