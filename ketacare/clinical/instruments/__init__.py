"""Validated instruments: definitions (data/instruments/*.toml), scoring and change."""

from ketacare.clinical.instruments.registry import (
    INSTRUMENT_IDS,
    get_instrument,
    load_instruments,
)
from ketacare.clinical.instruments.results import Change, ItemScore, ProvisionalPtsd, Score
from ketacare.clinical.instruments.scoring import compare, score

__all__ = [
    "INSTRUMENT_IDS",
    "Change",
    "ItemScore",
    "ProvisionalPtsd",
    "Score",
    "compare",
    "get_instrument",
    "load_instruments",
    "score",
]
