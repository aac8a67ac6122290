"""What every screening rule sees: the intake, the clinic settings and derived facts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ketacare.clinical.codes import DRUG_CLASSES, icd10_lookup
from ketacare.clinical.intake import Intake
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.trd import TrdAssessment, assess_trd


@dataclass(frozen=True)
class Context:
    intake: Intake
    settings: ClinicSettings

    @cached_property
    def trd(self) -> TrdAssessment:
        return assess_trd(self.intake.medication_trials, self.settings)

    @cached_property
    def indications(self) -> frozenset[str]:
        """Indication groups of the coded diagnoses (depression, ptsd, crps ...).

        MDD coded in remission is no current episode (``icd10cm-remission``), so it adds no
        group; ``remission_diagnoses`` names those codes.
        """
        groups = set()
        for code in self.intake.diagnoses:
            entry = icd10_lookup(code)
            assert entry is not None  # validated by the intake model
            if not entry.in_remission:
                groups.add(entry.indication)
        return frozenset(groups)

    @cached_property
    def remission_diagnoses(self) -> tuple[str, ...]:
        return tuple(
            code
            for code in self.intake.diagnoses
            if (entry := icd10_lookup(code)) is not None and entry.in_remission
        )

    @cached_property
    def psychotic_diagnoses(self) -> tuple[str, ...]:
        return tuple(
            code
            for code in self.intake.diagnoses
            if (entry := icd10_lookup(code)) is not None and entry.psychotic_features
        )

    @cached_property
    def on_mood_stabilizer(self) -> bool:
        return any(DRUG_CLASSES[c].mood_stabilizer for c in self.intake.concomitant_drug_classes)

    @cached_property
    def on_oral_antidepressant(self) -> bool:
        return any(DRUG_CLASSES[c].counts_toward_trd for c in self.intake.concomitant_drug_classes)

    @cached_property
    def acute_suicidal_ideation(self) -> bool:
        """Active suicidal ideation with intent, the Spravato MDSI population
        (``spravato-pi-indications``): C-SSRS question 4 or 5 yes (``cssrs-intent-items``) or a
        clinician's attestation. A passive wish or a code alone is not enough."""
        return bool(self.intake.cssrs_intent) or self.intake.suicidal_intent_attested

    @cached_property
    def suicidal_ideation_without_intent(self) -> bool:
        """Coded suicidal ideation (R45.851) or a positive C-SSRS screen, but no intent shown."""
        screened = self.intake.cssrs_risk not in (None, "none")
        coded = "suicidal_ideation" in self.indications
        return (coded or screened) and not self.acute_suicidal_ideation
