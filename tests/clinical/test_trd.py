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
    same_class = trials(trial("ssri"), trial("ssri"))
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
