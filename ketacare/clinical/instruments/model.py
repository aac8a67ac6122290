"""The instrument definition format (one TOML file per instrument under data/instruments/).

The model checks everything that can be checked without running a score: option sets exist,
item ids are unique, scoring domains partition the scored items, severity bands tile the
whole total range without gaps or overlaps, thresholds name either a number or a clinic
setting, and every block cites registered sources.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from ketacare.clinical.cited import Cited, Strict
from ketacare.clinical.datafiles import data_error
from ketacare.clinical.settings import ClinicSettings

LOINC = r"^[0-9]{1,7}-[0-9]$"
LOINC_ANSWER = r"^LA[0-9]{1,6}-[0-9]$"


class AnswerOption(Strict):
    value: int
    label: str = Field(min_length=1)
    loinc: str | None = Field(default=None, pattern=LOINC_ANSWER)


class OptionSet(Strict):
    """Either an explicit list of options, or a numeric range with optional anchor labels."""

    id: str
    options: tuple[AnswerOption, ...] = ()
    min: int | None = None
    max: int | None = None
    anchors: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _expand(self) -> Self:
        if self.options and (self.min is not None or self.max is not None):
            raise ValueError("give either options or min/max, not both")
        if not self.options:
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError("a numeric option set needs min < max")
            for key in self.anchors:
                if not key.lstrip("-").isdigit() or not self.min <= int(key) <= self.max:
                    raise ValueError(f"anchor {key!r} is outside {self.min}-{self.max}")
            expanded = tuple(
                AnswerOption(value=v, label=self.anchors.get(str(v), str(v)))
                for v in range(self.min, self.max + 1)
            )
            object.__setattr__(self, "options", expanded)
        values = [option.value for option in self.options]
        if len(set(values)) != len(values) or values != sorted(values):
            raise ValueError("option values must be unique and ascending")
        return self

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)


class Item(Strict):
    id: str = Field(pattern=r"^[0-9]+[a-z]?$")
    label: str = Field(min_length=2, description="short name, always shown")
    text: str | None = Field(default=None, description="full wording where the licence allows")
    loinc: str | None = Field(default=None, pattern=LOINC)
    options: str
    scored: bool = True


class Domain(Strict):
    """Items combined into one term of the total (QIDS-SR16 takes the highest of a group)."""

    name: str
    items: tuple[str, ...] = Field(min_length=1)
    combine: Literal["sum", "max"] = "max"


class Subscale(Strict):
    id: str
    label: str
    items: tuple[str, ...] = Field(min_length=1)


class Band(Cited):
    min: int
    max: int
    severity: str = Field(pattern=r"^[a-z_]+$")
    label: str


class Threshold(Strict):
    """A fixed number or the name of a clinic setting that holds it."""

    value: int | None = None
    setting: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.value is None) == (self.setting is None):
            raise ValueError("give exactly one of value or setting")
        if self.setting is not None and self.setting not in ClinicSettings.model_fields:
            raise ValueError(f"unknown clinic setting {self.setting!r}")
        return self

    def resolve(self, settings: ClinicSettings) -> int:
        if self.value is not None:
            return self.value
        assert self.setting is not None
        return int(getattr(settings, self.setting))


class FlagRule(Cited):
    code: str = Field(pattern=r"^[a-z_]+$")
    when: Literal["item_at_least", "total_at_least", "total_at_most"]
    item: str | None = None
    threshold: Threshold

    @model_validator(mode="after")
    def _item_when_needed(self) -> Self:
        if (self.when == "item_at_least") != (self.item is not None):
            raise ValueError("item is required for item_at_least and only for it")
        return self


class ChangeRules(Cited):
    response_percent: Threshold | None = None
    remission_max: Threshold | None = None
    meaningful_change_points: Threshold | None = None


class ConditionalItems(Strict):
    """Items asked only when another item is at least a value (C-SSRS skip logic)."""

    items: tuple[str, ...] = Field(min_length=1)
    when_item: str
    at_least: int


class MissingPolicy(Strict):
    policy: str = Field(min_length=20, description="the written policy shown to users")
    at_least_one_of: tuple[tuple[str, ...], ...] = ()
    required_if: tuple[ConditionalItems, ...] = ()


class InstrumentDefinition(Cited):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    name: str
    abbreviation: str
    rater: Literal["patient", "clinician", "observer"]
    instructions: str | None = None
    licence: str
    text_included: bool
    loinc_panel: str | None = Field(default=None, pattern=LOINC)
    loinc_total: str | None = Field(default=None, pattern=LOINC)
    loinc_note: str | None = None
    option_sets: tuple[OptionSet, ...] = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)
    domains: tuple[Domain, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    flags: tuple[FlagRule, ...] = ()
    change: ChangeRules | None = None
    missing: MissingPolicy
    scoring: Literal["sum", "cssrs_triage"] = "sum"
    report_mean: bool = Field(
        default=False,
        description="also report the mean of the scored items (the PEG score is the mean)",
    )
    extras: Literal["pcl5_provisional_ptsd"] | None = None
    lower_is_better: bool = Field(
        default=True, description="false for MOAA/S, where 5 (alert) is the good end"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        sets = {option_set.id: option_set for option_set in self.option_sets}
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise data_error("items", "item ids must be unique")
        for index, item in enumerate(self.items):
            if item.options not in sets:
                raise data_error(f"items[{index}].options", f"unknown option set {item.options!r}")
            if self.text_included is False and item.text is not None:
                raise data_error(f"items[{index}].text", "text given but text_included is false")
        known = set(ids)
        scored = [item.id for item in self.items if item.scored]
        references: list[tuple[str, str]] = []
        for i, domain in enumerate(self.domains):
            references.extend((f"domains[{i}].items", ref) for ref in domain.items)
        for i, subscale in enumerate(self.subscales):
            references.extend((f"subscales[{i}].items", ref) for ref in subscale.items)
        for i, flag in enumerate(self.flags):
            references.extend([(f"flags[{i}].item", flag.item)] if flag.item else [])
        for i, group in enumerate(self.missing.at_least_one_of):
            references.extend((f"missing.at_least_one_of[{i}]", ref) for ref in group)
        for i, rule in enumerate(self.missing.required_if):
            refs = [*rule.items, rule.when_item]
            references.extend((f"missing.required_if[{i}]", ref) for ref in refs)
        for key, ref in references:
            if ref not in known:
                raise data_error(key, f"reference to unknown item {ref!r}")
        if self.domains:
            in_domains = [item for domain in self.domains for item in domain.items]
            if sorted(in_domains) != sorted(scored):
                raise data_error("domains", "must contain every scored item exactly once")
        if self.bands:
            self._check_bands()
        return self

    def _check_bands(self) -> None:
        expected = self.min_total
        for index, band in enumerate(self.bands):
            if band.min != expected or band.max < band.min:
                raise data_error(
                    f"bands[{index}]",
                    f"bands must tile {self.min_total}-{self.max_total} without gaps or overlaps",
                )
            expected = band.max + 1
        if expected != self.max_total + 1:
            raise data_error("bands", f"bands must end at the maximum total {self.max_total}")

    def option_set(self, item: Item) -> OptionSet:
        return next(s for s in self.option_sets if s.id == item.options)

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    @property
    def effective_domains(self) -> tuple[Domain, ...]:
        """Explicit domains, or one summed domain per scored item."""
        if self.domains:
            return self.domains
        return tuple(
            Domain(name=item.id, items=(item.id,), combine="sum") for item in self.scored_items
        )

    def _domain_bound(self, domain: Domain, pick: str) -> int:
        bounds = [
            (min if pick == "min" else max)(self.option_set(self.item(i)).values)
            for i in domain.items
        ]
        if domain.combine == "sum":
            return sum(bounds)
        return max(bounds) if pick == "max" else min(bounds)

    @property
    def min_total(self) -> int:
        if self.scoring == "cssrs_triage":
            return 0
        return sum(self._domain_bound(domain, "min") for domain in self.effective_domains)

    @property
    def max_total(self) -> int:
        if self.scoring == "cssrs_triage":
            return len(self.scored_items)
        return sum(self._domain_bound(domain, "max") for domain in self.effective_domains)
