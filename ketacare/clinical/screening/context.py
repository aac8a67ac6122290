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
        """Indication groups of the coded diagnoses (depression, ptsd, crps ...)."""
        groups = set()
        for code in self.intake.diagnoses:
            entry = icd10_lookup(code)
            assert entry is not None  # validated by the intake model
            groups.add(entry.indication)
        return frozenset(groups)

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
        """Coded suicidal ideation (R45.851) or any positive C-SSRS screener risk."""
        screened = self.intake.cssrs_risk not in (None, "none")
        return "suicidal_ideation" in self.indications or screened
