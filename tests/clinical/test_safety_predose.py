"""Pre-dose hold rules at each boundary."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.safety import evaluate_session
from ketacare.clinical.settings import ClinicSettings
from tests.clinical.sessions import BASELINE, codes, racemic, reading, spravato


@pytest.mark.parametrize(
    ("bp", "decision", "code"),
    [
        ((140, 90), "proceed", None),
        ((141, 90), "prescriber_review", "predose_bp_review"),
        ((140, 91), "prescriber_review", "predose_bp_review"),
        ((179, 109), "prescriber_review", "predose_bp_review"),
        ((180, 100), "hold", "predose_bp_hold"),
        ((150, 110), "hold", "predose_bp_hold"),
    ],
)
def test_predose_blood_pressure(bp: tuple[int, int], decision: str, code: str | None) -> None:
    result = racemic([reading(-5, bp, heart_rate_bpm=70, spo2_percent=98)])
    assert result.predose == decision
    assert [f.code for f in result.predose_findings] == ([code] if code else [])


def test_the_last_reading_before_the_dose_counts() -> None:
    result = racemic([reading(-15, (185, 100)), reading(-5, (130, 80))])
    assert result.predose == "proceed"


def test_missing_blood_pressure_holds_the_dose() -> None:
    result = racemic([reading(-5, heart_rate_bpm=70)])
    assert (result.predose, result.predose_findings[0].code) == ("hold", "predose_bp_missing")


@pytest.mark.parametrize(("rate", "decision"), [(110, "proceed"), (111, "hold")])
def test_predose_heart_rate(rate: int, decision: str) -> None:
    assert racemic([reading(-5, (120, 80), heart_rate_bpm=rate)]).predose == decision


@pytest.mark.parametrize(("spo2", "decision"), [(92, "proceed"), (91, "hold")])
def test_predose_spo2(spo2: int, decision: str) -> None:
    assert racemic([reading(-5, (120, 80), spo2_percent=spo2)]).predose == decision


def test_missing_spo2_holds_spravato_but_not_racemic() -> None:
    assert racemic([reading(-5, (120, 80))]).predose == "proceed"
    result = spravato([reading(-5, (120, 80))])
    assert (result.predose, result.predose_findings[0].code) == ("hold", "predose_spo2_missing")


def test_predose_thresholds_are_settings() -> None:
    settings = ClinicSettings.from_overrides(
        {"predose_review_systolic_mmhg": 150, "predose_hold_heart_rate_bpm": 100}
    )
    assert racemic([reading(-5, (150, 80))], settings).predose == "proceed"
    assert racemic([reading(-5, (120, 80), heart_rate_bpm=101)], settings).predose == "hold"


def test_baseline_alone_proceeds() -> None:
    result = racemic([BASELINE])
    assert (result.predose, codes(result), result.stop_dosing) == ("proceed", [], False)


# --- Fasting (ASA fasting guidelines 2017; Spravato label preparation) -------------------


def _fasting(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.code, f.decision, f.message)
        for f in result.predose_findings  # type: ignore[attr-defined]
        if f.code.startswith("predose_fasting")
    ]


def test_fasting_not_recorded_is_named_as_missing() -> None:
    """ASA fasting guidelines 2017: fasting is checked before sedation; when it is not
    recorded, the decision says so and is not proceed."""
    result = racemic([BASELINE], hours_since_solids=None, hours_since_clear_fluids=None)
    assert result.predose == "prescriber_review"
    assert _fasting(result) == [
        (
            "predose_fasting_missing",
            "prescriber_review",
            "Fasting not recorded: hours since solid food and since clear fluids are missing "
            "(ask before dosing).",
        )
    ]
    partial = racemic([BASELINE], hours_since_clear_fluids=None)
    assert _fasting(partial)[0][2] == (
        "Fasting not recorded: hours since clear fluids are missing (ask before dosing)."
    )


@pytest.mark.parametrize(
    ("solids", "fluids", "expected"),
    [(6, 2, []),
     (5.9, 2, [("predose_fasting_solids_short", "hold",
                "Last solid food 5.9 h before dosing; the rule is at least 6 h: wait 0.1 h "
                "more.")]),
     (6, 1.5, [("predose_fasting_fluids_short", "hold",
                "Last clear fluids 1.5 h before dosing; the rule is at least 2 h: wait 0.5 h "
                "more.")])],
)  # fmt: skip
def test_racemic_fasting_uses_the_settings(
    solids: float, fluids: float, expected: list[tuple[str, str, str]]
) -> None:
    """ASA fasting guidelines 2017 (predose_fasting_*): light meal 6 h, clear liquids 2 h."""
    result = racemic([BASELINE], hours_since_solids=solids, hours_since_clear_fluids=fluids)
    assert _fasting(result) == expected
    assert result.predose == ("hold" if expected else "proceed")


@pytest.mark.parametrize(
    ("solids", "fluids", "codes_found"),
    [(2, 0.5, []), (1.9, 0.5, ["predose_fasting_solids_short"]),
     (2, 0.4, ["predose_fasting_fluids_short"])],
)  # fmt: skip
def test_spravato_fasting_uses_the_protocol_preparation(
    solids: float, fluids: float, codes_found: list[str]
) -> None:
    """Spravato label: avoid food for 2 h and liquids for 30 min before dosing (the protocol's
    [preparation] block), not the clinic's ASA settings."""
    result = spravato([BASELINE], hours_since_solids=solids, hours_since_clear_fluids=fluids)
    assert [code for code, _, _ in _fasting(result)] == codes_found


def test_fasting_settings_apply() -> None:
    """predose_fasting_solids_hours is a clinic setting (ASA: 6 h light meal; 8 h fatty)."""
    settings = ClinicSettings.from_overrides({"predose_fasting_solids_hours": 8})
    result = racemic([BASELINE], settings, hours_since_solids=7)
    assert [code for code, _, _ in _fasting(result)] == ["predose_fasting_solids_short"]


# --- Same-day suicidality gate (C-SSRS screener; PHQ-9 item 9; reference §1.3) -----------


def _screen(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.code, f.decision, f.message)
        for f in result.predose_findings  # type: ignore[attr-defined]
        if f.code in ("predose_suicidality_positive", "predose_screen_missing")
    ]


@pytest.mark.parametrize(
    ("screen", "expected"),
    [({"t_min": -60, "cssrs_answers": {"1": True, "2": False, "6": False}}, None),
     ({"t_min": -60, "cssrs_answers": {"1": True, "2": True, "6": False}},
      "C-SSRS screener yes at question 2"),
     ({"t_min": -60, "cssrs_answers": {"1": False, "2": False, "6": True}},
      "C-SSRS screener yes at question 6"),
     ({"t_min": -60, "phq9_item9": 0}, None),
     ({"t_min": -60, "phq9_item9": 1}, "PHQ-9 item 9 = 1")],
)  # fmt: skip
def test_a_positive_same_day_screen_waits_for_the_prescriber(
    screen: dict[str, object], expected: str | None
) -> None:
    """C-SSRS screener (Posner 2011) yes at question 2 or above, or PHQ-9 item 9 >= 1
    (phq9-item9), taken the same day, holds the dose for the prescriber's review (reference
    §1.3 design implication: a suicidality gate before each dose)."""
    result = racemic([BASELINE], same_day_screen=screen)
    if expected is None:
        assert (_screen(result), result.predose) == ([], "proceed")
        return
    assert _screen(result) == [
        (
            "predose_suicidality_positive",
            "prescriber_review",
            f"Same-day screen positive for suicidality ({expected}): the dose waits for the "
            "prescriber's review.",
        )
    ]
    assert result.predose == "prescriber_review"


@pytest.mark.parametrize(("t_min", "counts"), [(-720, True), (-720.5, False)])
def test_same_day_means_within_the_setting(t_min: float, counts: bool) -> None:
    """predose_screen_max_age_hours (12 h default; suicidality-gate-design): an older screen is
    not today's."""
    result = racemic([BASELINE], same_day_screen={"t_min": t_min, "phq9_item9": 2})
    assert [code for code, _, _ in _screen(result)] == (
        ["predose_suicidality_positive"] if counts else []
    )


def test_a_gated_protocol_without_a_same_day_screen_does_not_proceed() -> None:
    """depression-sublingual-troche-home sets suicidality_gate_before_dose (reference §1.3)."""
    result = evaluate_session(
        [BASELINE],
        {
            "drug": "ketamine",
            "protocol_id": "depression-sublingual-troche-home",
            "now_t_min": -1,
            "hours_since_solids": 8.0,
            "hours_since_clear_fluids": 3.0,
        },
    )
    assert result.predose == "prescriber_review"
    assert _screen(result) == [
        (
            "predose_screen_missing",
            "prescriber_review",
            "No same-day suicidality screen (C-SSRS screener or PHQ-9 item 9): the protocol "
            "requires one before each dose.",
        )
    ]


# --- Interactions named before the dose (ketacare.clinical.interactions) -------------------


def _interactions(result: object) -> list[tuple[str, str]]:
    return [
        (f.code, f.decision)
        for f in result.predose_findings  # type: ignore[attr-defined]
        if f.code.startswith("interaction_")
    ]


def test_a_note_interaction_is_named_and_the_dose_proceeds() -> None:
    """Lamotrigine attenuates ketamine's dissociative effects (anand-2000): named, not held."""
    result = racemic([BASELINE], concomitant_drug_classes=["lamotrigine"])
    assert result.predose == "proceed"
    assert _interactions(result) == [("interaction_lamotrigine", "proceed")]
    finding = next(f for f in result.predose_findings if f.code == "interaction_lamotrigine")
    assert finding.message.startswith("Lamotrigine: reduced ketamine's dissociative")
    assert finding.source.startswith("Anand A, Charney DS")


@pytest.mark.parametrize(
    ("dose", "decision"), [(8.0, "proceed"), (8.5, "prescriber_review"), (None, "proceed")]
)
def test_a_benzodiazepine_above_the_threshold_waits_for_the_prescriber(
    dose: float | None, decision: str
) -> None:
    """Andrashko 2020: above 8 mg/day diazepam equivalent the antidepressant response is
    blunted; the clinic's ``benzodiazepine_blunting_diazepam_mg_per_day`` (default 8)."""
    result = racemic(
        [BASELINE],
        concomitant_drug_classes=["benzodiazepine"],
        diazepam_equivalent_mg_per_day=dose,
    )
    assert (result.predose, _interactions(result)) == (
        decision,
        [("interaction_benzodiazepine", decision)],
    )


def test_a_class_without_an_interaction_adds_nothing() -> None:
    """An SSRI has no entry in the interaction table: nothing is named before the dose."""
    assert _interactions(racemic([BASELINE], concomitant_drug_classes=["ssri"])) == []


def test_an_unknown_class_is_refused_naming_the_field() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        racemic([BASELINE], concomitant_drug_classes=["cannabis"])
    assert caught.value.field == "facts.concomitant_drug_classes"
    assert "unknown drug class 'cannabis'" in caught.value.message
