"""Treatment resistance computed from the medication-trial history.

Definition (``spravato-pi-indications``, ``bcbs-nc-spravato``, ``elektd-2023``): inadequate
response (improvement at most 25 %) to at least 2 *different* antidepressants of adequate dose
and duration (about 6 weeks) in the current episode. Trials are counted per distinct drug: a
re-trial of the same drug counts once, by its better-documented trial. Each number is a clinic
setting because payers differ (some require the drugs to come from 2 different classes).
Augmentation strategies do not count. The screening and the prior-authorisation checklist
both call ``assess_trd``, so they can never disagree on what counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings


@dataclass(frozen=True)
class TrdAssessment:
    """How many different antidepressants failed adequately, and the verdict.

    ``counted`` holds one trial per distinct drug; ``set_aside`` the re-trials of a drug whose
    better-documented trial was chosen instead.
    """

    treatment_resistant: bool
    adequate_trials: int
    distinct_classes: int
    counted: tuple[MedicationTrial, ...]
    set_aside: tuple[MedicationTrial, ...] = ()


def drug_key(name: str) -> str:
    """One spelling per drug: case and runs of whitespace do not make a different drug."""
    return " ".join(name.split()).casefold()


def is_adequate_failed_trial(trial: MedicationTrial, settings: ClinicSettings) -> bool:
    """An antidepressant trial in the current episode, long enough, with too little benefit."""
    return (
        DRUG_CLASSES[trial.drug_class].counts_toward_trd
        and trial.current_episode
        and trial.weeks_at_adequate_dose >= settings.trd_min_trial_weeks
        and trial.improvement_percent <= settings.trd_max_improvement_percent
    )


def _best_documented(trials: Sequence[MedicationTrial]) -> MedicationTrial:
    """The longest trial at adequate dose; among equally long ones, the least improvement."""
    return min(trials, key=lambda t: (-t.weeks_at_adequate_dose, t.improvement_percent))


def assess_trd(
    trials: Sequence[MedicationTrial], settings: ClinicSettings | None = None
) -> TrdAssessment:
    """Count adequate failed trials, one per distinct drug, and decide treatment resistance.

    Each drug's current-episode antidepressant trials are reduced to the better-documented one,
    which then counts only if it is an adequate failed trial (a longer trial that worked is not
    outweighed by a shorter one that failed).
    """
    settings = settings or DEFAULT_SETTINGS
    by_drug: dict[str, list[MedicationTrial]] = {}
    for trial in trials:
        if DRUG_CLASSES[trial.drug_class].counts_toward_trd and trial.current_episode:
            by_drug.setdefault(drug_key(trial.drug), []).append(trial)
    chosen = {key: _best_documented(group) for key, group in by_drug.items()}
    counted = tuple(t for t in chosen.values() if is_adequate_failed_trial(t, settings))
    set_aside = tuple(t for key, group in by_drug.items() for t in group if t is not chosen[key])
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
        set_aside=set_aside,
    )
