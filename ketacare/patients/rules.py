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


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal
    unit: str

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"{self.low}–{self.high} {self.unit}"


# Heaviest and tallest humans recorded are about 635 kg and 272 cm; below 10 kg or 50 cm is an
# infant, never a patient of a ketamine clinic. A weight of 0 or 700 kg is therefore refused.
WEIGHT_ALLOWED = Range(Decimal("10"), Decimal("650"), "kg")
HEIGHT_ALLOWED = Range(Decimal("50"), Decimal("272"), "cm")
# Protocol doses are validated for 40–200 kg (clinical core tests); outside it a person checks.
WEIGHT_USUAL = Range(Decimal("40"), Decimal("200"), "kg")
HEIGHT_USUAL = Range(Decimal("130"), Decimal("210"), "cm")

MAX_AGE_YEARS = 120
ADULT_AGE_YEARS = 18
IMPROVEMENT_ALLOWED = Range(Decimal("-100"), Decimal("100"), "%")
ADEQUATE_WEEKS_ALLOWED = Range(Decimal("0"), Decimal("520"), "weeks")
DAILY_DOSE_ALLOWED = Range(Decimal("0.01"), Decimal("10000"), "mg/day")

MRN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{7,24}$")
# ICD-10-CM: a letter, two characters, then an optional dot and up to four characters.
ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


def years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))
