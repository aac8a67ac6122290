"""Drug interactions named before each dose, from the classes the patient takes today.

The same table screening uses (``ketacare.clinical.interactions``): a note is shown and the
dose may proceed; an interaction that needs the prescriber (for example a benzodiazepine above
the clinic's diazepam-equivalent threshold, ``andrashko-2020``) waits for their review.
"""

from __future__ import annotations

from ketacare.clinical.interactions import interactions_for
from ketacare.clinical.safety.models import PredoseFinding, SessionFacts
from ketacare.clinical.settings import ClinicSettings


def interaction_findings(facts: SessionFacts, s: ClinicSettings) -> list[PredoseFinding]:
    return [
        PredoseFinding(
            code=interaction.code,
            decision="proceed" if interaction.action == "note" else "prescriber_review",
            message=interaction.message,
            source=interaction.source,
        )
        for interaction in interactions_for(
            facts.concomitant_drug_classes,
            drug=facts.drug,
            diazepam_equivalent_mg_per_day=facts.diazepam_equivalent_mg_per_day,
            settings=s,
        )
    ]
