"""The Spravato prior-authorisation checklist at each criterion's boundary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.prior_auth import PriorAuthFacts, prior_auth_checklist
from ketacare.clinical.settings import ClinicSettings


def trial(drug: str, drug_class: str, weeks: float = 8, improvement: float = 10) -> MedicationTrial:
    return MedicationTrial(
        drug=drug,
        drug_class=drug_class,
        weeks_at_adequate_dose=weeks,
        improvement_percent=improvement,
        current_episode=True,
    )


COMPLETE = PriorAuthFacts(
    age_years=40,
    diagnoses=["F33.2"],
    trials=[trial("sertraline", "ssri"), trial("venlafaxine", "snri")],
    rems_enrolled=True,
    payer_name="Aetna",
    member_id="A123",
)


def _status(facts: PriorAuthFacts, code: str) -> str:
    return next(i.status for i in prior_auth_checklist(facts).items if i.code == code)


def test_a_complete_chart_meets_every_item() -> None:
    checklist = prior_auth_checklist(COMPLETE)
    assert [(i.code, i.status) for i in checklist.items] == [
        ("diagnosis", "met"),
        ("age", "met"),
        ("trials", "met"),
        ("rems", "met"),
        ("payer", "met"),
    ]
    assert checklist.complete is True
    assert checklist.missing == ()


@pytest.mark.parametrize(("age", "status"), [(17, "not_met"), (18, "met"), (None, "missing")])
def test_age_boundary(age: int | None, status: str) -> None:
    assert _status(replace(COMPLETE, age_years=age), "age") == status


@pytest.mark.parametrize(
    ("diagnoses", "status"),
    [(["F33.2"], "met"), (["F43.10"], "missing"), ([], "missing"), (["F33.3"], "not_met")],
)
def test_diagnosis_must_be_mdd_without_psychotic_features(
    diagnoses: list[str], status: str
) -> None:
    assert _status(replace(COMPLETE, diagnoses=diagnoses), "diagnosis") == status


def test_two_trials_of_one_class_do_not_meet_the_class_criterion() -> None:
    facts = replace(COMPLETE, trials=[trial("sertraline", "ssri"), trial("fluoxetine", "ssri")])
    item = next(i for i in prior_auth_checklist(facts).items if i.code == "trials")
    assert item.status == "not_met"
    assert item.detail == (
        "2 adequate failed trial(s) from 1 class(es): sertraline (ssri), fluoxetine (ssri)"
    )


@pytest.mark.parametrize(
    ("weeks", "improvement", "status"),
    [(6, 25, "met"), (5.9, 25, "not_met"), (6, 25.1, "not_met")],
)
def test_trial_adequacy_boundaries(weeks: float, improvement: float, status: str) -> None:
    facts = replace(
        COMPLETE,
        trials=[trial("sertraline", "ssri"), trial("venlafaxine", "snri", weeks, improvement)],
    )
    assert _status(facts, "trials") == status


def test_no_trials_is_missing_not_failed() -> None:
    assert _status(replace(COMPLETE, trials=[]), "trials") == "missing"


def test_the_clinic_setting_changes_the_number_of_trials() -> None:
    settings = ClinicSettings.from_overrides({"trd_min_adequate_trials": 3})
    checklist = prior_auth_checklist(COMPLETE, settings)
    item = next(i for i in checklist.items if i.code == "trials")
    assert item.status == "not_met"
    assert item.label.startswith(">= 3 failed antidepressants from >= 3 classes")


def test_missing_rems_and_payer_are_named() -> None:
    facts = replace(COMPLETE, rems_enrolled=False, payer_name=None, member_id=None)
    missing = prior_auth_checklist(facts).missing
    assert [(i.code, i.detail) for i in missing] == [
        ("rems", "record the signed REMS Patient Enrollment Form as a consent"),
        ("payer", "no active insurance on the chart"),
    ]
