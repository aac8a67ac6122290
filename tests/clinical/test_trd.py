"""Treatment resistance from the trial history, at each boundary."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.trd import assess_trd
from tests.clinical.intakes import trial


def trials(*specs: dict[str, Any]) -> list[MedicationTrial]:
    return [MedicationTrial.model_validate(spec) for spec in specs]


@pytest.mark.parametrize(("weeks", "counted"), [(5.9, 0), (6, 1), (12, 1)])
def test_trial_needs_six_weeks(weeks: float, counted: int) -> None:
    assert assess_trd(trials(trial(weeks=weeks))).adequate_trials == counted


@pytest.mark.parametrize(("improvement", "counted"), [(25, 1), (25.1, 0), (-10, 1)])
def test_trial_failed_at_25_percent_improvement_or_less(improvement: float, counted: int) -> None:
    assert assess_trd(trials(trial(improvement=improvement))).adequate_trials == counted


def test_trial_outside_the_current_episode_does_not_count() -> None:
    assert assess_trd(trials(trial(current=False))).adequate_trials == 0


@pytest.mark.parametrize(
    "augmentation", ["lithium", "atypical_antipsychotic", "thyroid_augmentation"]
)
def test_augmentation_does_not_count(augmentation: str) -> None:
    assert assess_trd(trials(trial(augmentation))).adequate_trials == 0


def test_two_adequate_failed_trials_make_depression_treatment_resistant() -> None:
    one = assess_trd(trials(trial("ssri")))
    two = assess_trd(trials(trial("ssri"), trial("ndri")))
    assert (one.treatment_resistant, one.adequate_trials) == (False, 1)
    assert (two.treatment_resistant, two.adequate_trials, two.distinct_classes) == (True, 2, 2)


def test_payer_rule_of_distinct_classes_is_a_setting() -> None:
    """Two different SSRIs meet the label (spravato-pi-indications); the two-class rule is a
    payer's (bcbs-nc-spravato), so it is a setting, off by default."""
    same_class = trials(trial("ssri", drug="sertraline"), trial("ssri", drug="fluoxetine"))
    strict = ClinicSettings.from_overrides({"trd_require_distinct_classes": True})
    assert assess_trd(same_class).treatment_resistant is True
    assert assess_trd(same_class, strict).treatment_resistant is False
    assert assess_trd(trials(trial("ssri"), trial("tca")), strict).treatment_resistant is True


def test_number_of_trials_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"trd_min_adequate_trials": 3})
    assert assess_trd(trials(trial(), trial("snri")), settings).treatment_resistant is False
    assert (
        assess_trd(trials(trial(), trial("snri"), trial("tca")), settings).treatment_resistant
        is True
    )


@pytest.mark.parametrize("spelling", ["sertraline", "Sertraline", "  SERTRALINE ", "sertraline\t"])
def test_a_re_trial_of_the_same_drug_counts_once(spelling: str) -> None:
    """ "At least two different oral antidepressants" (spravato-pi-indications, SPRAVATO PI §1):
    the same drug entered twice, in any case or spacing, is one failed drug, not two."""
    history = trials(trial(drug="sertraline"), trial(drug=spelling, weeks=10))
    result = assess_trd(history)
    assert (result.treatment_resistant, result.adequate_trials) == (False, 1)


def test_the_better_documented_re_trial_is_the_one_counted() -> None:
    """A re-trial counts once, by its longest trial at adequate dose, then the least improvement
    (spravato-pi-indications): 12 weeks beats 8, and at equal weeks 0 % beats 20 %."""
    history = trials(
        trial(drug="sertraline", weeks=8, improvement=5),
        trial(drug="Sertraline", weeks=12, improvement=20),
        trial(drug="venlafaxine", weeks=8, improvement=20),
        trial(drug="venlafaxine ", weeks=8, improvement=0),
    )
    result = assess_trd(history)
    assert [(t.drug, t.weeks_at_adequate_dose, t.improvement_percent) for t in result.counted] == [
        ("Sertraline", 12, 20),
        ("venlafaxine ", 8, 0),
    ]
    assert [(t.drug, t.weeks_at_adequate_dose) for t in result.set_aside] == [
        ("sertraline", 8),
        ("venlafaxine", 8),
    ]
    assert (result.treatment_resistant, result.adequate_trials) == (True, 2)


def test_a_longer_re_trial_that_worked_outweighs_a_shorter_failure() -> None:
    """The better-documented trial decides (spravato-pi-indications): 12 weeks with 60 %
    improvement means the drug did not fail, whatever a 6-week trial showed."""
    history = trials(
        trial(drug="sertraline", weeks=6, improvement=0),
        trial(drug="sertraline", weeks=12, improvement=60),
        trial(drug="venlafaxine"),
    )
    assert assess_trd(history).adequate_trials == 1
