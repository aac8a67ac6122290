"""A stored screening as the clinical core's ``Screened``, for its protocol-choice rule
(``ketacare.clinical.protocols.choice``)."""

from __future__ import annotations

from ketacare.clinical.protocols import Protocol
from ketacare.clinical.protocols.choice import ProtocolChoice, Screened
from ketacare.clinical.protocols.choice import choice_for as _choice_for
from ketacare.clinical.protocols.choice import protocol_choices as _protocol_choices
from ketacare.screening.models import ScreeningResult


def screened(screening: ScreeningResult | None) -> Screened | None:
    if screening is None:
        return None
    options = {str(o["option"]): o for o in screening.result["options"]}
    return Screened(options, tuple(screening.intake.document.get("diagnoses", [])))


def choice_for(
    protocol: Protocol, screening: ScreeningResult | None, age_years: int
) -> ProtocolChoice:
    return _choice_for(protocol, screened(screening), age_years)


def protocol_choices(screening: ScreeningResult | None, age_years: int) -> list[ProtocolChoice]:
    """Every protocol, open ones first, each with its decision and reasons."""
    return _protocol_choices(screened(screening), age_years)
