"""Limits on what a patient record may hold.

Values outside the *allowed* range are physiologically impossible (or impossible for this
clinic's patients) and refused; values inside it but outside the *usual* range are accepted and
flagged for a second look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ketacare.clinical import ranges
from ketacare.clinical.validation import Range as CoreRange


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal
    unit: str

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"{self.low}–{self.high} {self.unit}"


def _from_core(core: CoreRange) -> tuple[Range, Range | None]:
    """The clinical core's range (``ketacare.clinical.ranges``) and its typical band."""
    allowed = Range(Decimal(str(core.low)), Decimal(str(core.high)), core.unit)
    if core.typical_low is None and core.typical_high is None:
        return allowed, None
    usual = Range(
        Decimal(str(core.typical_low if core.typical_low is not None else core.low)),
        Decimal(str(core.typical_high if core.typical_high is not None else core.high)),
        core.unit,
    )
    return allowed, usual


# One definition of each range, in the clinical core: the chart refuses what intake, dosing
# and the PK engine would refuse, and flags what they flag.
WEIGHT_ALLOWED, WEIGHT_USUAL = _from_core(ranges.WEIGHT_KG)
HEIGHT_ALLOWED, HEIGHT_USUAL = _from_core(ranges.HEIGHT_CM)
IMPROVEMENT_ALLOWED, _ = _from_core(ranges.TRIAL_IMPROVEMENT_PERCENT)
ADEQUATE_WEEKS_ALLOWED, _ = _from_core(ranges.TRIAL_WEEKS)

#: The limit of every number a chart row holds, by field name (pages, API schema, services).
FIELD_RANGES = {
    "weight_kg": WEIGHT_ALLOWED,
    "height_cm": HEIGHT_ALLOWED,
    "improvement_percent": IMPROVEMENT_ALLOWED,
    "weeks_at_adequate_dose": ADEQUATE_WEEKS_ALLOWED,
}
#: Free text without a column limit (notes) is bounded in what a request may send.
FREE_TEXT_MAX_LENGTH = 4000

MAX_AGE_YEARS = int(ranges.AGE_YEARS.high)
ADULT_AGE_YEARS = 18
DAILY_DOSE_ALLOWED = Range(Decimal("0.01"), Decimal("10000"), "mg/day")
FIELD_RANGES["dose_mg_per_day"] = DAILY_DOSE_ALLOWED

MRN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{7,24}$")
# ICD-10-CM: a letter, two characters, then an optional dot and up to four characters.
ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
#: The same, before the code is upper-cased (``f33.2`` is accepted as ``F33.2``).
ICD10_ANY_CASE = re.compile(r"^[A-TV-Za-tv-z][0-9][0-9ABab](\.[0-9A-TV-Za-tv-z]{1,4})?$")


def years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))
