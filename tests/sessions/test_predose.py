"""The pre-dose checklist: each of the core's findings and each checklist item leads to the
decision stored with the check; bad input is refused all at once; today's weight moves a
weight-based dose; the checklist closes at the first dose."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.sessions.models import PredoseCheck

from .world import SPRAVATO_PREDOSE, infusion, open_chair


def _codes(check: PredoseCheck) -> list[tuple[str, str]]:
    return [(f["code"], f["decision"]) for f in check.findings]


#: (vitals before the check, checklist changes) -> (decision, findings).
IV_CASES: list[tuple[str, dict[str, Any] | None, dict[str, Any], str, list[tuple[str, str]]]] = [
    ("all well", {}, {}, "proceed", []),
    (
        "BP above 140/90: review",
        {"systolic_mmhg": 150, "diastolic_mmhg": 85},
        {},
        "prescriber_review",
        [("predose_bp_review", "prescriber_review")],
    ),
    (
        "BP at 180/110: hold",
        {"systolic_mmhg": 180, "diastolic_mmhg": 100},
        {},
        "hold",
        [("predose_bp_hold", "hold")],
    ),
    ("no BP before dosing", None, {}, "hold", [("predose_bp_missing", "hold")]),
    (
        "solids 2 h ago (ASA 6 h)",
        {},
        {"hours_since_solids": 2.0},
        "hold",
        [("predose_fasting_solids_short", "hold")],
    ),
    (
        "fasting not asked",
        {},
        {"hours_since_solids": None},
        "prescriber_review",
        [("predose_fasting_missing", "prescriber_review")],
    ),
    (
        "PHQ-9 item 9 = 1 today",
        {},
        {"same_day_screen": {"source": "now", "phq9_item9": 1}},
        "prescriber_review",
        [("predose_suicidality_positive", "prescriber_review")],
    ),
    (
        "C-SSRS yes at question 2",
        {},
        {"same_day_screen": {"source": "now", "cssrs_answers": {"1": True, "2": True}}},
        "prescriber_review",
        [("predose_suicidality_positive", "prescriber_review")],
    ),
    (
        "an opioid today",
        {},
        {"concomitant_drug_classes": ["opioid"]},
        "prescriber_review",
        [("interaction_opioid", "prescriber_review")],
    ),
    (
        "a benzodiazepine today: a note only",
        {},
        {"concomitant_drug_classes": ["benzodiazepine"]},
        "proceed",
        [("interaction_benzodiazepine", "proceed")],
    ),
    (
        "identity not confirmed",
        {},
        {"identity_confirmed": False},
        "hold",
        [("identity_unconfirmed", "hold")],
    ),
    ("no consent", {}, {"consent_confirmed": False}, "hold", [("consent_missing", "hold")]),
    ("pregnant", {}, {"pregnancy": "pregnant"}, "hold", [("pregnancy", "hold")]),
    (
        "pregnancy not known",
        {},
        {"pregnancy": "unknown"},
        "prescriber_review",
        [("pregnancy_unknown", "prescriber_review")],
    ),
    (
        "the strongest finding decides",
        {"systolic_mmhg": 150, "diastolic_mmhg": 85},
        {"consent_confirmed": False},
        "hold",
        [("predose_bp_review", "prescriber_review"), ("consent_missing", "hold")],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("vitals", "changes", "decision", "findings"),
    [case[1:] for case in IV_CASES],
    ids=[case[0] for case in IV_CASES],
)
def test_each_finding_leads_to_its_decision(day, clock, vitals, changes, decision, findings):
    chair = open_chair(day, clock)
    if vitals is not None:
        chair.vitals(-3, **vitals)
    chair.at(0)
    check, view = chair.predose(**changes)
    assert (check.decision, _codes(check)) == (decision, findings)
    assert view.judgement.predose == decision
    stored = PredoseCheck.objects.get(pk=check.pk)
    assert (stored.decision, _codes(stored)) == (decision, findings)
    assert AuditEvent.objects.get(action="session.predose").data == {
        "session": chair.session.pk,
        "decision": decision,
    }


SPRAVATO_CASES = [
    ("every REMS item met", {}, "proceed", []),
    (
        "patient not enrolled",
        {"rems_patient_enrolled": False},
        "hold",
        [("rems_no_patient_enrolled", "hold")],
    ),
    (
        "no prescriber on site",
        {"rems_prescriber_on_site": False},
        "hold",
        [("rems_no_prescriber_on_site", "hold")],
    ),
    (
        "no pulse oximeter",
        {"rems_pulse_oximeter": False},
        "hold",
        [("rems_no_pulse_oximeter", "hold")],
    ),
    (
        "solids 1 h ago (label: 2 h)",
        {"hours_since_solids": 1.0},
        "hold",
        [("predose_fasting_solids_short", "hold")],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "decision", "findings"),
    [case[1:] for case in SPRAVATO_CASES],
    ids=[case[0] for case in SPRAVATO_CASES],
)
def test_each_rems_item_leads_to_its_decision(day, clock, changes, decision, findings) -> None:
    chair = open_chair(day, clock, "esketamine-trd-induction")
    chair.vitals(-3)
    chair.at(0)
    check, _ = chair.predose(**{**SPRAVATO_PREDOSE, **changes})
    assert (check.decision, _codes(check)) == (decision, findings)


@pytest.mark.django_db
def test_a_spravato_check_must_answer_every_rems_item(day, clock) -> None:
    chair = open_chair(day, clock, "esketamine-trd-induction")
    chair.vitals(-3)
    with pytest.raises(FieldErrors) as refused:
        chair.predose()
    assert refused.value.errors == dict.fromkeys(
        ("rems_patient_enrolled", "rems_prescriber_on_site", "rems_pulse_oximeter"),
        "answer yes or no: a Spravato session needs every REMS item",
    )
    assert not PredoseCheck.objects.exists()


@pytest.mark.django_db
def test_a_spravato_baseline_needs_pulse_oximetry(day, clock) -> None:
    chair = open_chair(day, clock, "esketamine-trd-induction")
    chair.vitals(-3, spo2_percent=None)
    check, _ = chair.predose(**SPRAVATO_PREDOSE)
    assert (check.decision, _codes(check)) == ("hold", [("predose_spo2_missing", "hold")])


@pytest.mark.django_db
def test_every_input_error_is_named_at_once_and_nothing_is_written(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    now = chair.at(0)
    with pytest.raises(FieldErrors) as refused:
        chair.predose(
            hours_since_solids=-1,
            hours_since_clear_fluids=200,
            weight_kg=10,
            pregnancy="maybe",
            escort_name="",
            escort_phone="12",
            same_day_screen={"source": "clinic", "phq9_item9": 7},
            measured_at=now - timedelta(hours=2),
        )
    assert refused.value.errors == {
        "hours_since_solids": "-1 is outside the allowed range 0-168 h",
        "hours_since_clear_fluids": "200 is outside the allowed range 0-168 h",
        "escort_name": "who takes the patient home: their name, 2-200 characters",
        "escort_phone": "a phone number for the escort, 7-40 characters",
        "weight_kg": "today's weight must be 25-350 kg",
        "pregnancy": "one of: not_applicable, not_pregnant, pregnant, unknown",
        "same_day_screen.source": 'either "now" (asked at the chair) or "portal"',
        "same_day_screen.phq9_item9": "7 is outside the allowed range 0-3 points",
        "measured_at": "must be between 08:25 (30 min before the session opened) and now (09:00)",
    }
    assert not PredoseCheck.objects.exists()
    assert chair.refresh().weight_kg == Decimal("82.5")
    assert not AuditEvent.objects.filter(action="session.predose").exists()
    assert (
        AuditEvent.objects.filter(action="write.refused", data__attempted="session.predose").count()
        == 1
    )


@pytest.mark.django_db
def test_the_newest_check_counts_until_the_first_dose_then_the_checklist_closes(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.at(-2)
    first, _ = chair.predose(consent_confirmed=False)
    chair.at(-1)
    second, view = chair.predose()
    assert (first.decision, second.decision, view.judgement.predose) == (
        "hold",
        "proceed",
        "proceed",
    )
    infusion(chair, 0)
    chair.at(1)
    with pytest.raises(Conflict) as refused:
        chair.predose()
    assert refused.value.message == "dosing has started: the pre-dose checklist is closed"
    assert PredoseCheck.objects.count() == 2


@pytest.mark.django_db
def test_todays_weight_recalculates_a_weight_based_dose(day, clock) -> None:
    """0.5 mg/kg over 40 min (depression-iv-induction; Sanacora 2017): 41.3 mg at the plan's
    82.5 kg, 45.0 mg at 67.5 mg/h at today's 90 kg."""
    chair = open_chair(day, clock)
    chair.vitals(-3)
    check, _ = chair.predose(weight_kg=90)
    today = check.dose_today
    assert (
        today["dose_mg"],
        today["rate_mg_per_h"],
        today["duration_min"],
        today["dose_weight_kg"],
        today["plan_dose_mg"],
        today["weight_kg"],
    ) == (45.0, 67.5, 40, 90.0, 41.3, 90.0)
    assert (check.weight_kg, chair.refresh().weight_kg) == (Decimal("90"), Decimal("90.0"))


@pytest.mark.django_db
def test_the_plans_own_weight_changes_nothing(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    check, _ = chair.predose(weight_kg=82.5)
    assert (check.dose_today, chair.refresh().weight_kg) == (None, Decimal("82.5"))


@pytest.mark.django_db
def test_a_fixed_dose_plan_keeps_its_dose_at_todays_weight(day, clock) -> None:
    """Spravato 56 mg (2 devices) is a fixed dose: no dose for today, but the weight is kept."""
    chair = open_chair(day, clock, "esketamine-trd-induction")
    chair.vitals(-3)
    check, _ = chair.predose(**SPRAVATO_PREDOSE, weight_kg=90)
    assert (check.dose_today, chair.refresh().weight_kg) == (None, Decimal("90.0"))
