"""The protocol file format (one TOML file per protocol under data/protocols/).

A protocol is indication x drug x route: a dose rule, an infusion duration where it applies,
a schedule of phases, a monitoring plan and discharge criteria. Every block that holds a
number cites registered sources. Cross-file checks (service, instrument and ICD-10 references)
happen in the loader.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from ketacare.clinical.cited import Cited, Strict
from ketacare.clinical.datafiles import data_error
from ketacare.clinical.screening.results import Option
from ketacare.clinical.vocabulary import (
    CareSetting,
    DischargeCriterion,
    Drug,
    Route,
    WeightBasis,
)


class CitedValue(Cited):
    """One number a source sets (a cap or a session limit), cited beside it."""

    value: float = Field(gt=0)


class ObesityBasis(Cited):
    """The weight basis the source uses for obese patients (BMI at or above the clinic's
    ``obesity_bmi_kg_per_m2``, WHO obesity class I by default)."""

    weight_basis: WeightBasis


class Capped(Cited):
    """Ceilings a source sets on one session: the infusion rate and the session's mg.

    A calculated dose above a cap is lowered to it (and says so); a prescriber's dose above
    it is refused. Spravato needs none: its whole-device options are the label's doses.
    """

    max_rate_mg_per_h: CitedValue | None = None
    max_session_mg: CitedValue | None = None


class MgPerKgDose(Capped):
    """A total dose in mg per kg of the weight basis (IV over the infusion, or an IM bolus)."""

    rule: Literal["mg_per_kg"]
    mg_per_kg: float = Field(gt=0)
    min_mg_per_kg: float = Field(gt=0)
    max_mg_per_kg: float = Field(gt=0)
    weight_basis: WeightBasis = "actual"
    obesity: ObesityBasis | None = None

    @model_validator(mode="after")
    def _in_range(self) -> Self:
        if not self.min_mg_per_kg <= self.mg_per_kg <= self.max_mg_per_kg:
            raise data_error("mg_per_kg", "default must lie within min_mg_per_kg-max_mg_per_kg")
        return self


class MgPerKgPerHourDose(Capped):
    """An infusion rate in mg/kg/h over the protocol's infusion duration (pain regimens)."""

    rule: Literal["mg_per_kg_per_h"]
    mg_per_kg_per_h: float = Field(gt=0)
    min_mg_per_kg_per_h: float = Field(gt=0)
    max_mg_per_kg_per_h: float = Field(gt=0)
    weight_basis: WeightBasis = "actual"
    obesity: ObesityBasis | None = None

    @model_validator(mode="after")
    def _in_range(self) -> Self:
        if not self.min_mg_per_kg_per_h <= self.mg_per_kg_per_h <= self.max_mg_per_kg_per_h:
            raise data_error("mg_per_kg_per_h", "default must lie within the min-max range")
        return self


class FixedDose(Capped):
    """A fixed dose in mg, adjustable by the prescriber within ``min_mg``-``max_mg``."""

    rule: Literal["fixed_mg"]
    dose_mg: float = Field(gt=0)
    min_mg: float = Field(gt=0)
    max_mg: float = Field(gt=0)

    @model_validator(mode="after")
    def _in_range(self) -> Self:
        if not self.min_mg <= self.dose_mg <= self.max_mg:
            raise data_error("dose_mg", "default must lie within min_mg-max_mg")
        return self


class DeviceDose(Cited):
    """Spravato: whole 28 mg devices; allowed doses, the first-session dose, the usual dose."""

    rule: Literal["devices"]
    device_mg: int = Field(gt=0)
    options_mg: tuple[int, ...] = Field(min_length=1)
    first_session_mg: int | None = Field(
        default=None, description="dose required at the first session; None when any option"
    )
    default_mg: int
    device_interval_min: int = Field(ge=0)

    @model_validator(mode="after")
    def _whole_devices(self) -> Self:
        for dose in self.options_mg:
            if dose % self.device_mg:
                raise data_error("options_mg", f"{dose} mg is not a whole number of devices")
        if self.first_session_mg is not None and self.first_session_mg not in self.options_mg:
            raise data_error("first_session_mg", "must be one of options_mg")
        if self.default_mg not in self.options_mg:
            raise data_error("default_mg", "must be one of options_mg")
        return self


DoseRule = Annotated[
    MgPerKgDose | MgPerKgPerHourDose | FixedDose | DeviceDose, Field(discriminator="rule")
]


class Infusion(Cited):
    duration_min: int = Field(gt=0, le=24 * 60)


class SchedulePhase(Cited):
    """One phase of the course; ``sessions`` is None for an open-ended phase."""

    phase: str = Field(min_length=3)
    sessions: int | None = Field(default=None, ge=1)
    interval_days_min: float | None = Field(default=None, ge=0)
    interval_days_max: float | None = Field(default=None, ge=0)
    weeks: tuple[int, int] | None = None
    note: str = Field(min_length=3)
    # Editorial remarks for maintainers (what is unconfirmed, which wording was used): never
    # shown to users, and left out of a plan's course.
    internal_note: str = ""

    @model_validator(mode="after")
    def _interval_order(self) -> Self:
        low, high = self.interval_days_min, self.interval_days_max
        if (low is None) != (high is None) or (low is not None and high is not None and low > high):
            raise data_error("interval_days_min", "give both interval bounds with min <= max")
        return self


class Monitoring(Cited):
    """What the chair-side chart or the home program must record."""

    vitals_interval_during_min: int | None = Field(default=None, gt=0)
    vitals_interval_after_min: int | None = Field(default=None, gt=0)
    bp_checks_min: tuple[int, ...] = ()
    bp_check_tolerance_min: int | None = Field(default=None, ge=0)
    pulse_oximetry: bool
    min_observation_min: int | None = Field(
        default=None,
        ge=0,
        description="fixed by a label; None means the clinic setting racemic_min_observation_min",
    )
    observation_from: Literal["first_dose", "dose_end"]
    instruments_before_session: tuple[str, ...] = ()
    instruments_during_session: tuple[str, ...] = ()
    instruments_weekly: tuple[str, ...] = ()
    sitter_required: bool = False
    suicidality_gate_before_dose: bool = False
    checkin_interval_days: int | None = Field(default=None, gt=0)


class Preparation(Cited):
    """What the patient must do before dosing (Spravato fasting and nasal-spray rules)."""

    food_fast_min: int | None = Field(default=None, ge=0)
    liquid_fast_min: int | None = Field(default=None, ge=0)
    note: str = Field(min_length=5)


class Discharge(Cited):
    criteria: tuple[DischargeCriterion, ...]


class SessionLimits(Strict):
    """Limits across sessions (``clinical.limits`` applies them), each with its own sources.

    The mg windows are rolling: any 24 hours and any 7 days. The maximum sessions of a phase
    is the phase's own ``sessions``.
    """

    min_interval_hours: CitedValue | None = None
    max_mg_per_day: CitedValue | None = None
    max_mg_per_week: CitedValue | None = None

    @model_validator(mode="after")
    def _day_within_week(self) -> Self:
        day, week = self.max_mg_per_day, self.max_mg_per_week
        if day is not None and week is not None and week.value < day.value:
            raise data_error("limits.max_mg_per_week", "must not be below max_mg_per_day")
        return self


class Protocol(Cited):
    """A treatment protocol; ``id`` is stable and matches the file name."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    version: int = Field(ge=1)
    title: str = Field(min_length=5)
    summary: str = Field(min_length=10)
    drug: Drug
    route: Route
    setting: CareSetting
    service: str
    screening_option: Option
    indication: str
    indication_codes: tuple[str, ...] = Field(min_length=1, description="ICD-10-CM prefixes")
    age_min_years: int = Field(ge=18, le=120)
    age_max_years: int | None = Field(default=None, ge=18, le=120)
    evidence: str = Field(min_length=5)
    dose: DoseRule
    infusion: Infusion | None = None
    preparation: Preparation | None = None
    schedule: tuple[SchedulePhase, ...] = Field(min_length=1)
    monitoring: Monitoring
    discharge: Discharge
    limits: SessionLimits = SessionLimits()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        needs_infusion = self.route == "iv" or isinstance(self.dose, MgPerKgPerHourDose)
        if needs_infusion and self.infusion is None:
            raise data_error("infusion", "an IV or rate-based protocol needs an infusion block")
        if not needs_infusion and self.infusion is not None:
            raise data_error("infusion", "only IV protocols have an infusion duration")
        if isinstance(self.dose, DeviceDose) != (self.drug == "esketamine"):
            raise data_error("dose.rule", "esketamine is dosed in devices, and only esketamine")
        if self.age_max_years is not None and self.age_max_years < self.age_min_years:
            raise data_error("age_max_years", "must not be below age_min_years")
        if self.setting == "home" and self.discharge.criteria:
            raise data_error("discharge.criteria", "a home protocol has no clinic discharge")
        if self.setting == "clinic" and not self.discharge.criteria:
            raise data_error("discharge.criteria", "an in-clinic protocol needs criteria")
        self._check_caps()
        return self

    def _check_caps(self) -> None:
        """A rate cap needs an infusion; no cap may lie below the rule's whole range."""
        dose = self.dose
        if isinstance(dose, DeviceDose):
            return
        if dose.max_rate_mg_per_h is not None and self.infusion is None:
            raise data_error("dose.max_rate_mg_per_h", "only an infusion has a rate cap")
        if isinstance(dose, FixedDose):
            ceilings = [cap.value for cap in (dose.max_session_mg,) if cap is not None]
            if dose.max_rate_mg_per_h is not None and self.infusion is not None:
                ceilings.append(dose.max_rate_mg_per_h.value * self.infusion.duration_min / 60)
            if any(ceiling < dose.min_mg for ceiling in ceilings):
                raise data_error("dose.max_session_mg", "a cap below min_mg refuses every dose")
