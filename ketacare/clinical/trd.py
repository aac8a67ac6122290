"""Treatment resistance computed from the medication-trial history.

Definition (``bcbs-nc-spravato``, ``elektd-2023``): inadequate response (improvement at most
25 %) to at least 2 antidepressants of adequate dose and duration (about 6 weeks) in the
current episode. Each number is a clinic setting because payers differ (some require the
trials to come from 2 different classes). Augmentation strategies do not count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings


@dataclass(frozen=True)
class TrdAssessment:
    """How many adequate failed antidepressant trials the history shows, and the verdict."""

    treatment_resistant: bool
    adequate_trials: int
    distinct_classes: int
    counted: tuple[MedicationTrial, ...]


def is_adequate_failed_trial(trial: MedicationTrial, settings: ClinicSettings) -> bool:
    """An antidepressant trial in the current episode, long enough, with too little benefit."""
    return (
        DRUG_CLASSES[trial.drug_class].counts_toward_trd
        and trial.current_episode
        and trial.weeks_at_adequate_dose >= settings.trd_min_trial_weeks
        and trial.improvement_percent <= settings.trd_max_improvement_percent
    )


def assess_trd(
    trials: Sequence[MedicationTrial], settings: ClinicSettings | None = None
) -> TrdAssessment:
    """Count adequate failed trials and decide treatment resistance."""
    settings = settings or DEFAULT_SETTINGS
    counted = tuple(trial for trial in trials if is_adequate_failed_trial(trial, settings))
    classes = len({trial.drug_class for trial in counted})
    needed = settings.trd_min_adequate_trials
    resistant = len(counted) >= needed and (
        not settings.trd_require_distinct_classes or classes >= needed
    )
    return TrdAssessment(
        treatment_resistant=resistant,
        adequate_trials=len(counted),
        distinct_classes=classes,
        counted=counted,
    )
