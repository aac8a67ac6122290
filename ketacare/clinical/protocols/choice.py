"""Which protocols a screening allows for a patient, and why the others need a reason.

A protocol is open when the screening decision for its option is ``eligible``, a diagnosis on
the intake is one the protocol treats, and the patient's age is inside the protocol's range.
Anything else stays possible, but only with an override reason the prescriber writes (the
software advises; a prescriber decides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ketacare.clinical.codes import SUICIDAL_IDEATION_CODE
from ketacare.clinical.protocols.loader import load_protocols
from ketacare.clinical.protocols.model import Protocol
from ketacare.clinical.sources import cite

NOT_SCREENED = "not_screened"


@dataclass(frozen=True)
class ProtocolChoice:
    protocol: Protocol
    decision: str
    reasons: list[dict[str, Any]]

    @property
    def open(self) -> bool:
        return self.decision == "eligible"


@dataclass(frozen=True)
class Screened:
    """What a screening found: each option's decision with its reasons, and the diagnoses of
    the intake it screened."""

    options: Mapping[str, Mapping[str, Any]]
    diagnoses: Sequence[str] = field(default_factory=tuple)


# A protocol for depression with suicidal ideation (Spravato MDSI, the suicidal-ideation IV
# protocol) treats that indication only: MDD alone does not open it (Spravato label, MDSI).
SUICIDAL_IDEATION = SUICIDAL_IDEATION_CODE


def _indication_gap(protocol: Protocol, diagnoses: list[str]) -> str:
    """Why the intake's diagnoses do not match what the protocol treats ("" when they do)."""
    if SUICIDAL_IDEATION in protocol.indication_codes and SUICIDAL_IDEATION not in diagnoses:
        return (
            "this protocol is for depression with suicidal ideation (R45.851), which the "
            f"intake's diagnoses ({', '.join(diagnoses) or 'none'}) do not include"
        )
    if not any(code.startswith(protocol.indication_codes) for code in diagnoses):
        return (
            f"no diagnosis on the intake ({', '.join(diagnoses) or 'none'}) is one this "
            f"protocol treats ({', '.join(protocol.indication_codes)})"
        )
    return ""


def choice_for(protocol: Protocol, screening: Screened | None, age_years: int) -> ProtocolChoice:
    if screening is None:
        return ProtocolChoice(
            protocol,
            NOT_SCREENED,
            [
                {
                    "code": "no_screening",
                    "message": "no intake has been screened for this patient",
                    "source": "",
                    "decision": "needs_prescriber_review",
                }
            ],
        )
    option = screening.options.get(protocol.screening_option) or {
        "decision": NOT_SCREENED,
        "reasons": [],
    }
    decision = str(option["decision"])
    reasons = list(option.get("reasons", []))
    diagnoses = list(screening.diagnoses)
    missing = _indication_gap(protocol, diagnoses)
    if missing:
        reasons.append(
            {
                "code": "protocol_indication",
                "message": missing,
                "source": cite(*protocol.sources),
                "decision": "needs_prescriber_review",
            }
        )
        if decision == "eligible":
            decision = "needs_prescriber_review"
    too_young = age_years < protocol.age_min_years
    too_old = protocol.age_max_years is not None and age_years > protocol.age_max_years
    if too_young or too_old:
        upper = f"-{protocol.age_max_years}" if protocol.age_max_years else "+"
        reasons.append(
            {
                "code": "protocol_age_range",
                "message": (
                    f"this protocol is for ages {protocol.age_min_years}{upper}; "
                    f"the patient is {age_years}"
                ),
                "source": cite(*protocol.sources),
                "decision": "not_eligible",
            }
        )
        decision = "not_eligible"
    return ProtocolChoice(protocol, decision, reasons)


def protocol_choices(screening: Screened | None, age_years: int) -> list[ProtocolChoice]:
    """Every protocol, open ones first, each with its decision and reasons."""
    choices = [choice_for(p, screening, age_years) for p in load_protocols().values()]
    return sorted(choices, key=lambda c: (not c.open, c.protocol.title))
