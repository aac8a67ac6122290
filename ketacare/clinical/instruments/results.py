"""Result types of instrument scoring (item-level detail for storage and FHIR export)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

RiskLevel = Literal["none", "low", "moderate", "high"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ItemScore(_Frozen):
    """One item as answered; ``value`` is None only where the missing-item policy allows."""

    id: str
    label: str
    value: int | None
    answer_label: str | None
    scored: bool
    loinc: str | None


class ProvisionalPtsd(_Frozen):
    """PCL-5 provisional PTSD by the total cut-off and by the DSM-5 cluster rule."""

    by_cutoff: bool
    by_dsm5_rule: bool
    cutoff: int


class Score(_Frozen):
    """A scored questionnaire. ``severity`` is None for instruments without published bands."""

    instrument: str
    version: int
    total: int
    max_total: int
    severity: str | None
    severity_label: str | None
    flags: tuple[str, ...]
    items: tuple[ItemScore, ...]
    subscales: dict[str, int]
    provisional_ptsd: ProvisionalPtsd | None = None
    risk: RiskLevel | None = None
    mean: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape: instrument-specific keys appear only for their instrument."""
        data = self.model_dump(mode="json")
        if self.provisional_ptsd is None:
            del data["provisional_ptsd"]
        if self.risk is None:
            del data["risk"]
        if self.mean is None:
            del data["mean"]
        if not self.subscales:
            del data["subscales"]
        return data


class Change(_Frozen):
    """Change from baseline. ``change`` and ``percent_change`` are current minus baseline."""

    instrument: str
    baseline_total: int
    current_total: int
    change: int
    percent_change: float | None
    response: bool | None
    remission: bool | None
    clinically_meaningful_change: bool | None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
