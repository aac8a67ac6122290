"""Candidacy screening: every rule just below, at and just above its boundary."""

from __future__ import annotations

import pytest

from ketacare.clinical.screening import OPTIONS
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite
from tests.clinical.intakes import codes, decisions, run, trial

E, R, N = "eligible", "needs_prescriber_review", "not_eligible"
ALL_ELIGIBLE = dict.fromkeys(OPTIONS, E)


def expect(**by_option: str) -> dict[str, str]:
    return {**ALL_ELIGIBLE, **by_option}


def test_baseline_trd_intake_is_eligible_for_everything() -> None:
    result = run()
    assert decisions(result) == ALL_ELIGIBLE
    assert (result.treatment_resistant, result.adequate_trials) == (True, 2)
    assert codes(result, "ketamine_iv") == ["indication_treatment_resistant_depression"]
    assert codes(result, "esketamine_nasal") == ["esketamine_trd"]


def test_json_shape_is_stable() -> None:
    data = run().to_json()
    assert list(data) == ["treatment_resistant", "adequate_trials", "options"]
    assert [option["option"] for option in data["options"]] == list(OPTIONS)
    assert set(data["options"][0]) == {"option", "decision", "reasons"}
    reason = data["options"][0]["reasons"][0]
    assert set(reason) == {"code", "message", "source"}
    assert reason["source"] == cite("canmat-2021", "sanacora-2017", "bcbs-nc-spravato")


# --- Contraindications --------------------------------------------------------------------


def test_ketamine_allergy_excludes_every_option() -> None:
    result = run(history__ketamine_allergy=True)
    assert decisions(result) == dict.fromkeys(OPTIONS, N)
    assert codes(result, "ketamine_iv")[0] == "ketamine_allergy"


@pytest.mark.parametrize(
    "condition",
    ["aneurysmal_vascular_disease", "arteriovenous_malformation", "intracerebral_hemorrhage"],
)
def test_bp_hazard_excludes_every_option_racemic_too(condition: str) -> None:
    """KETALAR is contraindicated where a significant rise in blood pressure would be a serious
    hazard (ketalar-pi); the SPRAVATO label names these three conditions (spravato-pi)."""
    result = run(**{f"history__{condition}": True})
    assert decisions(result) == dict.fromkeys(OPTIONS, N)
    for option in OPTIONS:
        assert codes(result, option)[0] == condition
    reason = next(r for r in result.option("ketamine_iv").reasons if r.code == condition)
    assert reason.decision == N
    assert reason.source == cite("ketalar-pi", "spravato-pi", "yale-2024-bp")


def test_uncontrolled_cardiovascular_disease_excludes_everything() -> None:
    assert decisions(run(history__uncontrolled_cardiovascular_disease=True)) == dict.fromkeys(
        OPTIONS, N
    )


def test_psychosis_history_excludes_home_and_needs_review_in_clinic() -> None:
    result = run(history__psychosis=True)
    assert decisions(result) == expect(
        ketamine_iv=R, ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=N,
        esketamine_nasal=R,
    )  # fmt: skip


def test_depression_with_psychotic_features_is_treated_like_psychosis() -> None:
    result = run(diagnoses=["F33.3"])
    assert decisions(result)["ketamine_sublingual_home"] == N
    assert "psychotic_features" in codes(result, "ketamine_iv")


def test_current_mania_excludes_everything() -> None:
    assert decisions(run(history__mania_current=True)) == dict.fromkeys(OPTIONS, N)


def test_bipolar_without_mood_stabiliser_needs_review() -> None:
    rated = {"phq9": 19, "ymrs": 2}
    without = run(diagnoses=["F33.2", "F31.81"], scores=rated)
    with_lithium = run(
        diagnoses=["F33.2", "F31.81"], concomitant_drug_classes=["ssri", "lithium"], scores=rated
    )
    assert "bipolar_without_mood_stabilizer" in codes(without, "ketamine_iv")
    assert "bipolar_without_mood_stabilizer" not in codes(with_lithium, "ketamine_iv")


@pytest.mark.parametrize("condition", ["substance_use_disorder_active", "opioid_use_disorder"])
def test_substance_use_excludes_home_and_needs_review_in_clinic(condition: str) -> None:
    result = run(**{f"history__{condition}": True})
    assert decisions(result) == expect(
        ketamine_iv=R, ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=N,
        esketamine_nasal=R,
    )  # fmt: skip
    assert codes(result, "ketamine_sublingual_home")[0] == condition


@pytest.mark.parametrize("field", ["pregnant", "breastfeeding"])
def test_pregnancy_and_breastfeeding_exclude_everything(field: str) -> None:
    result = run(**{field: True})
    assert decisions(result) == dict.fromkeys(OPTIONS, N)
    assert codes(result, "esketamine_nasal")[0] == field


def test_severe_hepatic_impairment_excludes_everything() -> None:
    assert decisions(run(history__severe_hepatic_impairment=True)) == dict.fromkeys(OPTIONS, N)


@pytest.mark.parametrize(
    "condition",
    ["interstitial_cystitis", "raised_intracranial_pressure", "raised_intraocular_pressure"],
)
def test_cautions_need_review_everywhere(condition: str) -> None:
    result = run(**{f"history__{condition}": True})
    assert decisions(result) == dict.fromkeys(OPTIONS, R)
    assert codes(result, "ketamine_iv")[0] == condition


# --- Suicide risk and the home program ---------------------------------------------------


@pytest.mark.parametrize(
    ("days", "home", "clinic"), [(0, N, R), (89, N, R), (90, N, R), (91, E, E), (None, E, E)]
)
def test_recent_attempt_window_is_90_days(days: int | None, home: str, clinic: str) -> None:
    result = decisions(run(recent_suicide_attempt_days=days))
    assert (result["ketamine_sublingual_home"], result["ketamine_iv"]) == (home, clinic)


def test_recent_attempt_window_is_a_setting() -> None:
    settings = ClinicSettings.from_overrides({"recent_attempt_window_days": 30})
    assert decisions(run(settings, recent_suicide_attempt_days=31)) == ALL_ELIGIBLE
    assert decisions(run(settings, recent_suicide_attempt_days=30))["ketamine_sublingual_home"] == N


@pytest.mark.parametrize(
    ("risk", "home", "clinic"),
    [(None, E, E), ("none", E, E), ("low", E, E), ("moderate", R, E), ("high", N, R)],
)
def test_cssrs_risk(risk: str | None, home: str, clinic: str) -> None:
    result = decisions(run(cssrs_risk=risk))
    assert (result["ketamine_sublingual_home"], result["ketamine_iv"]) == (home, clinic)


def test_home_program_needs_a_sitter() -> None:
    result = run(home_sitter_available=False)
    assert decisions(result) == expect(ketamine_sublingual_home=N)
    assert codes(result, "ketamine_sublingual_home")[0] == "no_home_sitter"


# --- Concomitant medication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "drug_class", ["benzodiazepine", "sedative_hypnotic", "opioid", "psychostimulant", "maoi"]
)
def test_rems_concomitant_classes_need_review(drug_class: str) -> None:
    result = run(concomitant_drug_classes=["ssri", drug_class])
    assert decisions(result) == dict.fromkeys(OPTIONS, R)
    assert f"concomitant_{drug_class}" in codes(result, "esketamine_nasal")


def test_an_ssri_alone_is_not_a_concomitant_caution() -> None:
    assert decisions(run(concomitant_drug_classes=["ssri"])) == ALL_ELIGIBLE


# --- Vital signs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "decision", "code"),
    [
        (140, 90, E, None),
        (141, 90, R, "elevated_blood_pressure"),
        (140, 91, R, "elevated_blood_pressure"),
        (179, 109, R, "elevated_blood_pressure"),
        (180, 100, N, "uncontrolled_hypertension"),
        (150, 110, N, "uncontrolled_hypertension"),
    ],
)
def test_intake_blood_pressure(
    systolic: int, diastolic: int, decision: str, code: str | None
) -> None:
    result = run(vitals__systolic=systolic, vitals__diastolic=diastolic)
    assert decisions(result) == dict.fromkeys(OPTIONS, decision)
    if code:
        assert codes(result, "ketamine_iv")[0] == code


@pytest.mark.parametrize(("rate", "decision"), [(110, E), (111, R)])
def test_intake_heart_rate(rate: int, decision: str) -> None:
    assert decisions(run(vitals__heart_rate=rate)) == dict.fromkeys(OPTIONS, decision)


@pytest.mark.parametrize(("spo2", "decision"), [(92, E), (91, R)])
def test_intake_spo2(spo2: int, decision: str) -> None:
    assert decisions(run(vitals__spo2=spo2)) == dict.fromkeys(OPTIONS, decision)


def test_blood_pressure_thresholds_are_settings() -> None:
    settings = ClinicSettings.from_overrides(
        {"predose_review_systolic_mmhg": 150, "predose_hold_systolic_mmhg": 170}
    )
    assert decisions(run(settings, vitals__systolic=150)) == ALL_ELIGIBLE
    assert decisions(run(settings, vitals__systolic=170)) == dict.fromkeys(OPTIONS, N)


# --- Age and unusual values ---------------------------------------------------------------


@pytest.mark.parametrize(("age", "decision"), [(17, N), (18, E)])
def test_adults_only(age: int, decision: str) -> None:
    assert decisions(run(age_years=age)) == dict.fromkeys(OPTIONS, decision)


def test_racemic_minimum_age_is_a_setting_but_the_label_age_is_not() -> None:
    settings = ClinicSettings.from_overrides({"racemic_min_age_years": 21})
    result = decisions(run(settings, age_years=20))
    assert result == expect(
        ketamine_iv=N, ketamine_im=N, ketamine_intranasal=N, ketamine_sublingual_home=N
    )


@pytest.mark.parametrize(("weight", "decision"), [(200, E), (201, R), (40, E), (39, R)])
def test_unusual_weight_needs_review(weight: float, decision: str) -> None:
    result = run(weight_kg=weight)
    assert decisions(result) == dict.fromkeys(OPTIONS, decision)
    if decision == R:
        reason = result.option("ketamine_iv").reasons[0]
        assert reason.code == "unusual_value"
        assert reason.message == f"weight_kg {weight} is unusual (typical 40-200 kg); confirm it"


# --- Indications --------------------------------------------------------------------------


def test_depression_without_treatment_resistance() -> None:
    result = run(medication_trials=[trial()])
    assert decisions(result) == expect(
        ketamine_iv=R, ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=R,
        esketamine_nasal=N,
    )  # fmt: skip
    assert codes(result, "ketamine_iv") == ["not_treatment_resistant"]
    assert codes(result, "esketamine_nasal") == ["esketamine_indication_not_met"]
    assert (result.treatment_resistant, result.adequate_trials) == (False, 1)


def test_spravato_for_depression_with_suicidal_intent_and_an_antidepressant() -> None:
    """MDSI: active suicidal ideation with intent, C-SSRS question 4 or 5 yes
    (spravato-pi-indications, SPRAVATO PI §14 ASPIRE I/II; cssrs-intent-items)."""
    result = run(medication_trials=[], cssrs_risk="high", cssrs_intent=True)
    # The indication is met; the high-risk screen still asks for a same-day assessment.
    assert codes(result, "esketamine_nasal") == ["cssrs_high_risk", "esketamine_mdsi"]
    assert [r.decision for r in result.option("esketamine_nasal").reasons] == [R, E]


def test_a_clinicians_attestation_of_intent_establishes_mdsi() -> None:
    """The clinician may attest active ideation with intent (spravato-pi-indications)."""
    result = run(
        medication_trials=[],
        diagnoses=["F33.2", "R45.851"],
        suicidal_intent_attested=True,
        suicidal_intent_reason="states intent to act on the thoughts this week",
    )
    assert codes(result, "esketamine_nasal") == ["esketamine_mdsi"]
    assert decisions(result)["esketamine_nasal"] == E


def test_spravato_for_suicidal_intent_without_an_antidepressant_needs_review() -> None:
    """The MDSI indication is together with an oral antidepressant (spravato-pi)."""
    result = run(
        medication_trials=[],
        diagnoses=["F33.2", "R45.851"],
        concomitant_drug_classes=[],
        suicidal_intent_attested=True,
        suicidal_intent_reason="plan and intent disclosed",
    )
    assert decisions(result)["esketamine_nasal"] == R
    assert codes(result, "esketamine_nasal") == ["esketamine_mdsi_without_oral_antidepressant"]


@pytest.mark.parametrize(
    "changes",
    [
        {"cssrs_risk": "low", "cssrs_intent": False},
        {"cssrs_risk": "low"},
        {"diagnoses": ["F33.2", "R45.851"]},
        {"cssrs_risk": "moderate", "cssrs_intent": False},
    ],
    ids=["passive-wish", "screened-no-intent-recorded", "r45851-alone", "method-no-intent"],
)
def test_ideation_without_intent_is_a_review_never_mdsi(changes: dict[str, object]) -> None:
    """A passive wish to be dead (C-SSRS question 1), or R45.851 alone, is not the MDSI
    population, which had active ideation with intent (spravato-pi-indications,
    cssrs-intent-items): prescriber review, never eligible."""
    result = run(medication_trials=[], **changes)
    assert decisions(result)["esketamine_nasal"] == R
    reason = result.option("esketamine_nasal").reasons[0]
    assert reason.code == "esketamine_mdsi_intent_not_shown"
    assert reason.message == (
        "Suicidal ideation without intent shown (C-SSRS questions 4 and 5 not yes, no "
        "clinician attestation): the Spravato MDSI indication is active ideation with intent; "
        "the prescriber assesses."
    )


@pytest.mark.parametrize("code", ["F32.4", "F32.5", "F33.40", "F33.41", "F33.42"])
def test_mdd_in_remission_is_neither_a_current_episode_nor_trd(code: str) -> None:
    """ICD-10-CM F32.4/F32.5/F33.4x record remission (icd10cm-remission); treatment
    resistance is defined in the current episode (spravato-pi-indications)."""
    result = run(diagnoses=[code])
    assert decisions(result) == expect(
        ketamine_iv=R, ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=R,
        esketamine_nasal=N,
    )  # fmt: skip
    assert codes(result, "ketamine_iv") == ["depression_in_remission"]
    assert codes(result, "esketamine_nasal") == ["esketamine_depression_in_remission"]
    assert result.option("esketamine_nasal").reasons[0].message == (
        f"{code}: major depression in remission is not a current episode; Spravato's "
        "indications are for a current episode."
    )


def test_a_current_episode_code_beside_a_remission_code_still_counts() -> None:
    """A current-episode code establishes the episode whatever else is coded (icd10cm)."""
    result = run(diagnoses=["F33.41", "F33.2"])
    assert decisions(result) == ALL_ELIGIBLE


def test_crps_is_an_iv_indication_only() -> None:
    result = run(diagnoses=["G90.512"], medication_trials=[])
    assert decisions(result) == expect(
        ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=R, esketamine_nasal=N
    )
    assert codes(result, "ketamine_iv") == ["indication_crps"]
    assert codes(result, "ketamine_im") == ["indication_crps"]


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("F43.12", "ptsd"),
        ("F41.1", "anxiety"),
        ("F42.2", "ocd"),
        ("F31.4", "bipolar_depression"),
        ("M79.7", "fibromyalgia"),
        ("G43.709", "migraine"),
        ("K50.90", "crohns"),
        ("A69.20", "lyme"),
    ],
)
def test_other_indications_need_review_and_exclude_spravato(code: str, group: str) -> None:
    result = run(
        diagnoses=[code],
        medication_trials=[],
        concomitant_drug_classes=["lithium"],
        scores={"phq9": 19, "ymrs": 2},
    )
    assert decisions(result) == expect(
        ketamine_iv=R, ketamine_im=R, ketamine_intranasal=R, ketamine_sublingual_home=R,
        esketamine_nasal=N,
    )  # fmt: skip
    assert codes(result, "ketamine_iv") == [f"indication_{group}"]


def test_no_diagnosis_needs_review() -> None:
    result = run(diagnoses=[])
    assert codes(result, "ketamine_iv") == ["no_indication_recorded"]
    assert decisions(result)["esketamine_nasal"] == N


def test_the_strongest_indication_decides() -> None:
    assert decisions(run(diagnoses=["F33.2", "F43.12"])) == ALL_ELIGIBLE


def test_reasons_are_listed_most_serious_first() -> None:
    result = run(history__interstitial_cystitis=True, pregnant=True)
    assert codes(result, "ketamine_iv") == [
        "pregnant",
        "interstitial_cystitis",
        "indication_treatment_resistant_depression",
    ]


# --- Bipolar depression: mania rating (YMRS) ------------------------------------------------

BIPOLAR = {"diagnoses": ["F31.4"], "concomitant_drug_classes": ["lithium"], "medication_trials": []}


def test_bipolar_depression_without_a_ymrs_needs_a_mania_rating() -> None:
    """Ketamine can induce mania; current mania excludes it (screening-checklist), so a bipolar
    patient needs a current YMRS (ymrs-1978)."""
    result = run(**BIPOLAR)
    assert codes(result, "ketamine_iv") == ["indication_bipolar_depression", "ymrs_missing"]
    reason = result.option("ketamine_iv").reasons[1]
    assert (reason.code, reason.decision) == ("ymrs_missing", R)
    assert reason.message == (
        "Bipolar depression: a mania rating (YMRS) is needed before ketamine, which can "
        "induce mania."
    )
    assert "ymrs_missing" in codes(result, "esketamine_nasal")


@pytest.mark.parametrize(
    ("total", "code", "decision"),
    [(5, None, None), (6, "ymrs_elevated", R), (11, "ymrs_elevated", R), (12, "ymrs_mania", N)],
)
def test_ymrs_boundaries(total: int, code: str | None, decision: str | None) -> None:
    """ELEKT-D admitted YMRS <= 5 (elektd-2023); 12 or more signifies hypomania or mania
    (ymrs-mania-cutoff), which excludes treatment like current mania."""
    result = run(**BIPOLAR, scores={"phq9": 19, "ymrs": total})
    ymrs = [r for r in result.option("ketamine_iv").reasons if r.code.startswith("ymrs_")]
    assert [(r.code, r.decision) for r in ymrs] == ([] if code is None else [(code, decision)])
    if code == "ymrs_mania":
        assert decisions(result) == dict.fromkeys(OPTIONS, N)
        assert ymrs[0].message == (
            "YMRS 12 is at or above 12: hypomanic or manic symptoms; treat the mood elevation "
            "first, then rate again."
        )


def test_ymrs_thresholds_are_settings() -> None:
    """ymrs_review_above and ymrs_mania_min are clinic settings (elektd-2023,
    ymrs-mania-cutoff)."""
    settings = ClinicSettings.from_overrides({"ymrs_review_above": 8, "ymrs_mania_min": 15})
    result = run(settings, **BIPOLAR, scores={"phq9": 19, "ymrs": 12})
    assert "ymrs_elevated" in codes(result, "ketamine_iv")
    assert "ymrs_mania" not in codes(result, "ketamine_iv")


def test_the_mania_rating_is_asked_only_for_bipolar_depression() -> None:
    """The gate concerns bipolar patients (ymrs-1978); unipolar TRD needs no YMRS."""
    assert decisions(run()) == ALL_ELIGIBLE


def test_the_ymrs_review_band_must_stay_below_the_mania_threshold() -> None:
    """Otherwise ymrs_elevated (elektd-2023) could never fire below ymrs_mania_min."""
    from ketacare.clinical.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        ClinicSettings.from_overrides({"ymrs_review_above": 12})
    assert (caught.value.field, caught.value.message) == (
        "ymrs_review_above",
        "ymrs_review_above (12) must be below ymrs_mania_min (12)",
    )
