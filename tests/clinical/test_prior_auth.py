"""The Spravato prior-authorisation checklist at each criterion's boundary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.prior_auth import PriorAuthFacts, prior_auth_checklist
from ketacare.clinical.screening import screen
from ketacare.clinical.settings import ClinicSettings
from tests.clinical.intakes import make_intake


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


@pytest.mark.parametrize(("require_classes", "status"), [(False, "met"), (True, "not_met")])
def test_two_drugs_of_one_class_meet_the_label_and_not_the_class_rule(
    require_classes: bool, status: str
) -> None:
    """Two different SSRIs are "two different oral antidepressants" (spravato-pi-indications);
    only a payer's two-class rule (bcbs-nc-spravato), a clinic setting, refuses them."""
    settings = ClinicSettings.from_overrides({"trd_require_distinct_classes": require_classes})
    facts = replace(COMPLETE, trials=[trial("sertraline", "ssri"), trial("fluoxetine", "ssri")])
    item = next(i for i in prior_auth_checklist(facts, settings).items if i.code == "trials")
    assert item.status == status
    assert item.detail == (
        "2 different antidepressant(s) failed adequately, from 1 class(es): "
        "sertraline (ssri), fluoxetine (ssri)"
    )


def test_a_re_trial_of_the_same_drug_counts_once() -> None:
    """ "At least two different oral antidepressants" (spravato-pi-indications, SPRAVATO PI §1):
    sertraline entered twice, differently spelled, is one drug."""
    facts = replace(
        COMPLETE, trials=[trial("sertraline", "ssri"), trial(" Sertraline ", "ssri", 12, 0)]
    )
    item = next(i for i in prior_auth_checklist(facts).items if i.code == "trials")
    assert item.status == "not_met"
    assert item.detail == (
        "1 different antidepressant(s) failed adequately, from 1 class(es): "
        "Sertraline (ssri); re-trials counted once: sertraline"
    )


@pytest.mark.parametrize("code", ["F32.4", "F32.5", "F33.40", "F33.41", "F33.42"])
def test_mdd_in_remission_is_not_a_current_episode(code: str) -> None:
    """ICD-10-CM F32.4/F32.5/F33.4x record remission (icd10cm-remission); the label indication
    is a current episode (spravato-pi-indications)."""
    item = next(
        i
        for i in prior_auth_checklist(replace(COMPLETE, diagnoses=[code])).items
        if i.code == "diagnosis"
    )
    assert (item.status, item.detail) == (
        "not_met",
        f"{code} is MDD in remission, not a current episode",
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
    assert item.label.startswith(">= 3 different failed antidepressants (")


def test_missing_rems_and_payer_are_named() -> None:
    facts = replace(COMPLETE, rems_enrolled=False, payer_name=None, member_id=None)
    missing = prior_auth_checklist(facts).missing
    assert [(i.code, i.detail) for i in missing] == [
        ("rems", "record the signed REMS Patient Enrollment Form as a consent"),
        ("payer", "no active insurance on the chart"),
    ]


@pytest.mark.parametrize("require_classes", [False, True])
@pytest.mark.parametrize(
    "history",
    [
        [trial("sertraline", "ssri"), trial("fluoxetine", "ssri")],
        [trial("sertraline", "ssri"), trial("SERTRALINE", "ssri", 12)],
        [trial("sertraline", "ssri"), trial("venlafaxine", "snri")],
        [trial("sertraline", "ssri", 4), trial("venlafaxine", "snri")],
    ],
    ids=["two-ssris", "re-trial", "two-classes", "one-short"],
)
def test_screening_and_prior_auth_count_the_same_trials(
    history: list[MedicationTrial], require_classes: bool
) -> None:
    """One counting function (assess_trd) behind both (spravato-pi-indications,
    bcbs-nc-spravato): the same trials give the same count and verdict under both settings."""
    settings = ClinicSettings.from_overrides({"trd_require_distinct_classes": require_classes})
    intake = make_intake(medication_trials=[t.model_dump() for t in history])
    screened = screen(intake, settings)
    item = next(
        i
        for i in prior_auth_checklist(replace(COMPLETE, trials=history), settings).items
        if i.code == "trials"
    )
    assert item.detail.startswith(f"{screened.adequate_trials} different antidepressant(s)")
    assert (item.status == "met") is screened.treatment_resistant
    assert (screened.option("esketamine_nasal").decision == "eligible") is (
        screened.treatment_resistant
    )
