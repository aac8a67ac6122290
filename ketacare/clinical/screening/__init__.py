"""Candidacy screening: per-option decisions from an intake, each reason with its source."""

from ketacare.clinical.screening.engine import screen
from ketacare.clinical.screening.results import (
    OPTIONS,
    Decision,
    Option,
    OptionResult,
    Reason,
    ScreeningResult,
)

__all__ = ["OPTIONS", "Decision", "Option", "OptionResult", "Reason", "ScreeningResult", "screen"]
