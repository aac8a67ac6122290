"""Base models for data files: strict (unknown keys refused) and, where numbers live, cited."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ketacare.clinical.sources import all_sources


class Strict(BaseModel):
    """Frozen, and an unknown key is an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(Strict):
    """A block of a data file that holds clinical numbers and so must name its sources."""

    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        known = all_sources()
        for key in keys:
            if key not in known:
                raise ValueError(f"unknown source key {key!r} (add it to data/sources.toml)")
        return keys
