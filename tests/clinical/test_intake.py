"""The intake document: required fields, ranges, codes and the published schema."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import intake_json_schema, parse_intake, parse_intake_json
from tests.clinical.intakes import intake_data, make_intake, trial


def refused(data: dict[str, Any]) -> ClinicalInputError:
    with pytest.raises(ClinicalInputError) as caught:
        parse_intake(data)
    return caught.value


def test_baseline_intake_parses() -> None:
    intake = make_intake()
    assert intake.diagnoses == ["F33.2"]
    assert intake.vitals.systolic == 124


def test_a_missing_history_answer_is_refused_not_assumed_no() -> None:
    data = intake_data()
    del data["history"]["psychosis"]
    error = refused(data)
    assert (error.field, error.message) == ("history.psychosis", "required")


@pytest.mark.parametrize(("weight", "ok"), [(24.9, False), (25, True), (350, True), (350.1, False)])
def test_weight_range(weight: float, ok: bool) -> None:
    if ok:
        assert make_intake(weight_kg=weight).weight_kg == weight
    else:
        error = refused(intake_data(weight_kg=weight))
        assert error.field == "weight_kg"
        assert error.message == f"{weight} is outside the allowed range 25-350 kg"


def test_impossible_blood_pressure_is_refused() -> None:
    error = refused(intake_data(vitals__systolic=400))
    assert (error.field, error.message) == (
        "vitals.systolic",
        "400 is outside the allowed range 40-300 mmHg",
    )


def test_diastolic_at_or_above_systolic_is_refused() -> None:
    error = refused(intake_data(vitals__systolic=90, vitals__diastolic=90))
    assert error.field == "vitals"
    assert "diastolic 90 must be below systolic 90" in error.message


def test_unknown_icd10_code_is_refused() -> None:
    error = refused(intake_data(diagnoses=["F20.9"]))
    assert error.field == "diagnoses"
    assert "unknown ICD-10 code 'F20.9'" in error.message


def test_codes_are_normalised_and_deduplicated() -> None:
    assert make_intake(diagnoses=["f33.2", "F332", "R45851"]).diagnoses == ["F33.2", "R45.851"]


def test_unknown_trial_class_names_the_trial() -> None:
    error = refused(intake_data(medication_trials=[trial("benzodiazepine")]))
    assert error.field == "medication_trials[0].drug_class"
    assert "unknown trial drug class 'benzodiazepine'" in error.message


def test_unknown_concomitant_class_is_refused() -> None:
    error = refused(intake_data(concomitant_drug_classes=["ssri", "herbal"]))
    assert error.field == "concomitant_drug_classes"


def test_pregnant_male_is_refused() -> None:
    error = refused(intake_data(sex="male", pregnant=True))
    assert "pregnant is true but sex is male" in error.message


def test_text_is_not_a_boolean() -> None:
    error = refused(intake_data(pregnant="no"))
    assert error.field == "pregnant"


def test_misspelt_key_is_refused() -> None:
    data = intake_data()
    data["home_sitter"] = True
    error = refused(data)
    assert (error.field, error.message) == ("home_sitter", "unknown field")


def test_score_outside_the_instrument_range_is_refused() -> None:
    error = refused(intake_data(scores={"phq9": 28}))
    assert error.field == "scores"
    assert "phq9 total 28 is outside the allowed range 0-27" in error.message


def test_invalid_json_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        parse_intake_json("{not json")
    assert caught.value.field == "intake"


def test_schema_lists_the_issue_keys_as_required() -> None:
    schema = intake_json_schema()
    assert set(schema["required"]) == {
        "age_years",
        "sex",
        "weight_kg",
        "height_cm",
        "pregnant",
        "breastfeeding",
        "diagnoses",
        "medication_trials",
        "history",
        "recent_suicide_attempt_days",
        "concomitant_drug_classes",
        "vitals",
        "home_sitter_available",
    }
    optional = {
        "scores",
        "cssrs_risk",
        "cssrs_intent",
        "suicidal_intent_attested",
        "suicidal_intent_reason",
        "diazepam_equivalent_mg_per_day",
    }
    assert set(schema["properties"]) == set(schema["required"]) | optional
    weight = schema["properties"]["weight_kg"]
    assert (weight["minimum"], weight["maximum"], weight["x-unit"]) == (25, 350, "kg")
    assert schema["additionalProperties"] is False


# --- Suicidal intent and the benzodiazepine dose (issue 11) --------------------------------


def test_an_attestation_of_intent_needs_a_reason() -> None:
    """The MDSI route accepts a clinician's attestation of intent (spravato-pi-indications);
    an attestation without a reason is refused naming the field."""
    error = refused(intake_data(suicidal_intent_attested=True, suicidal_intent_reason="  "))
    assert (error.field, error.message) == (
        "suicidal_intent_reason",
        "is required when suicidal_intent_attested is true",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cssrs_intent": True}, "comes from the C-SSRS screener, but cssrs_risk is missing"),
        (
            {"cssrs_intent": True, "cssrs_risk": "none"},
            "is true but cssrs_risk is none; check the screener answers",
        ),
    ],
)
def test_cssrs_intent_must_agree_with_the_screener(
    changes: dict[str, object], message: str
) -> None:
    """Intent is C-SSRS question 4 or 5 (cssrs-intent-items): it cannot stand without, or
    against, the screener's risk level."""
    error = refused(intake_data(**changes))
    assert (error.field, error.message) == ("cssrs_intent", message)


@pytest.mark.parametrize(
    ("dose", "accepted"), [(0, True), (200, True), (200.5, False), (-1, False)]
)
def test_diazepam_equivalent_dose_range(dose: float, accepted: bool) -> None:
    """0-200 mg/day diazepam equivalent (ashton-equivalence conversion)."""
    data = intake_data(diazepam_equivalent_mg_per_day=dose)
    if accepted:
        assert parse_intake(data).diazepam_equivalent_mg_per_day == dose
    else:
        error = refused(data)
        assert (error.field, error.message) == (
            "diazepam_equivalent_mg_per_day",
            f"{dose:g} is outside the allowed range 0-200 mg/day",
        )
