"""The patient covariates a model may use, checked against physiological limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ketacare.pk import limits
from ketacare.pk.errors import PkInputError

Sex = Literal["male", "female"]
Race = Literal["non_asian", "asian", "japanese"]


@dataclass(frozen=True)
class Patient:
    """Covariates of one patient.

    ``race`` takes the categories Perez-Ruixo 2021 estimated (Asian on kel and CLn, Japanese on the
    nasal fraction); a Japanese patient is also Asian. Models ignore covariates they do not use.
    """

    weight_kg: float
    age_years: float = 40.0
    sex: Sex = "male"
    race: Race = "non_asian"

    def __post_init__(self) -> None:
        check_weight_kg(self.weight_kg)
        check_age_years(self.age_years)
        if self.sex not in ("male", "female"):
            raise PkInputError("sex", f"sex must be 'male' or 'female', not {self.sex!r}")
        if self.race not in ("non_asian", "asian", "japanese"):
            raise PkInputError(
                "race", f"race must be 'non_asian', 'asian' or 'japanese', not {self.race!r}"
            )


def check_weight_kg(weight_kg: float) -> None:
    """Refuse a weight outside 25-350 kg (see ketacare.pk.limits)."""
    if not (math.isfinite(weight_kg) and limits.WEIGHT_MIN_KG <= weight_kg <= limits.WEIGHT_MAX_KG):
        raise PkInputError(
            "weight_kg",
            f"weight_kg must be between {limits.WEIGHT_MIN_KG:g} and {limits.WEIGHT_MAX_KG:g} kg, "
            f"got {weight_kg:g}",
        )


def check_age_years(age_years: float) -> None:
    """Refuse an age outside 1-120 years."""
    if not (math.isfinite(age_years) and limits.AGE_MIN_YEARS <= age_years <= limits.AGE_MAX_YEARS):
        raise PkInputError(
            "age_years",
            f"age_years must be between {limits.AGE_MIN_YEARS:g} and {limits.AGE_MAX_YEARS:g}, "
            f"got {age_years:g}",
        )
