"""The registry of sources that every clinical number cites.

Rules, settings and data files refer to a source by key; ``cite`` turns the key into the text
shown to clinicians, and loaders refuse unknown keys so a citation can never dangle.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from ketacare.clinical.datafiles import DATA_DIR, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError

SOURCES_FILE = DATA_DIR / "sources.toml"


class Source(BaseModel):
    """One published source (paper, label, policy) or an explicitly labelled ketacare default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    citation: str = Field(min_length=10)
    detail: str = Field(min_length=3)
    url: str | None = None
    reference: str = Field(description="section of the project clinical reference, or 'none'")
    confirmed: bool = Field(description="false where the reference marks the fact UNCONFIRMED")


@cache
def all_sources() -> Mapping[str, Source]:
    """Every registered source by key (read once)."""
    raw = read_toml(SOURCES_FILE)
    sources: dict[str, Source] = {}
    for key, body in raw.items():
        if not isinstance(body, dict):
            raise ClinicalDataError(SOURCES_FILE, key, "expected a table")
        sources[key] = validate_file(Source, {"key": key, **body}, SOURCES_FILE)
    return MappingProxyType(sources)


def get_source(key: str) -> Source:
    """The source for ``key``; ``KeyError`` naming the key if it is not registered."""
    try:
        return all_sources()[key]
    except KeyError:
        raise KeyError(f"unknown source key {key!r}") from None


def cite(*keys: str) -> str:
    """Citation text for one or more source keys, joined with '; '."""
    return "; ".join(get_source(key).citation for key in keys)
