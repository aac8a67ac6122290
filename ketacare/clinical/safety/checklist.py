"""The chair's pre-dose checklist items the vital-sign rules do not cover.

Identity, consent, pregnancy and, for Spravato, the REMS conditions of the setting. Each unmet
item is a finding of the same kind as the vital-sign ones, so the pre-dose decision is one
maximum over all of them. The software advises: a prescriber may release a hold with a reason.
"""

from __future__ import annotations

from typing import Literal

from ketacare.clinical.safety.findings import finding
from ketacare.clinical.safety.models import PredoseFinding, _Input
from ketacare.clinical.vocabulary import Drug

Pregnancy = Literal["not_applicable", "not_pregnant", "pregnant", "unknown"]


class ChecklistFacts(_Input):
    """What the nurse confirmed at the chair (``None``: not asked, for the REMS items of a
    racemic session)."""

    drug: Drug
    identity_confirmed: bool
    consent_confirmed: bool
    pregnancy: Pregnancy
    rems_patient_enrolled: bool | None = None
    rems_prescriber_on_site: bool | None = None
    rems_pulse_oximeter: bool | None = None


#: The REMS conditions of every outpatient Spravato session (REMS; reference/clinical.md
#: sections 1.2 and 8.1): the patient enrolled before the first dose, a prescriber on site
#: during administration and monitoring, a pulse oximeter on site.
_REMS_ITEMS = (
    ("rems_patient_enrolled", "The patient is not enrolled in the SPRAVATO REMS."),
    ("rems_prescriber_on_site", "No prescriber is on site for the administration and monitoring."),
    ("rems_pulse_oximeter", "No pulse oximeter is at the chair."),
)


def checklist_findings(facts: ChecklistFacts) -> list[PredoseFinding]:
    """Hold for an unconfirmed identity or consent, a pregnancy or an unmet REMS condition;
    a pregnancy status not known needs the prescriber's review."""
    found: list[PredoseFinding] = []
    if not facts.identity_confirmed:
        found.append(
            finding(
                "identity_unconfirmed",
                "hold",
                "Confirm the patient's identity (two identifiers) before dosing.",
                "clinic-rules-design",
            )
        )
    if not facts.consent_confirmed:
        found.append(
            finding(
                "consent_missing",
                "hold",
                "No current treatment consent is confirmed: obtain it before dosing.",
                "clinic-rules-design",
            )
        )
    label = "spravato-pi" if facts.drug == "esketamine" else "ketalar-pi"
    if facts.pregnancy == "pregnant":
        found.append(
            finding(
                "pregnancy",
                "hold",
                "The patient is pregnant: ketamine is not recommended in pregnancy.",
                label,
                "screening-checklist",
            )
        )
    elif facts.pregnancy == "unknown":
        found.append(
            finding(
                "pregnancy_unknown",
                "prescriber_review",
                "Pregnancy status is not known: the prescriber decides whether to dose.",
                label,
                "screening-checklist",
            )
        )
    if facts.drug == "esketamine":
        for name, message in _REMS_ITEMS:
            if getattr(facts, name) is not True:
                found.append(
                    finding(name.replace("rems_", "rems_no_"), "hold", message, "spravato-rems")
                )
    return found
