"""Recording an intake: scales scored, document validated, every option screened, versioned."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import FieldErrors, NotPermitted
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients.models import BodyMeasurement
from ketacare.screening.models import Intake, ScreeningResult
from ketacare.screening.services import intake_submit
from tests.candidacy import PHQ9_NO_SI, fields, scales
from tests.conftest import Cast

# Dan was born on 1980-04-02 (tests/conftest.py).
_TODAY = timezone.localdate()
DAN_AGE = _TODAY.year - 1980 - ((_TODAY.month, _TODAY.day) < (4, 2))


def test_it_records_intake_one_with_its_scales_and_screening(cast: Cast) -> None:
    outcome = intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    intake = Intake.objects.get(patient=cast.dan)
    assert intake.number == 1
    assert intake.document["age_years"] == DAN_AGE
    assert intake.document["sex"] == "male"
    assert intake.document["scores"] == {"phq9": 13, "gad7": 7, "cssrs_screener": 0}
    assert intake.document["cssrs_risk"] == "none"
    screening = ScreeningResult.objects.get(intake=intake)
    assert screening.treatment_resistant is True
    assert screening.adequate_trials == 2
    assert [t["drug"] for t in screening.result["counted_trials"]] == ["sertraline", "venlafaxine"]
    assert {o["option"]: o["decision"] for o in screening.result["options"]} == {
        "ketamine_iv": "eligible",
        "ketamine_im": "eligible",
        "ketamine_intranasal": "eligible",
        # No AUDIT-C or DAST-10 at this intake: the home program screens both (§1.3, §2.6).
        "ketamine_sublingual_home": "needs_prescriber_review",
        "esketamine_nasal": "eligible",
    }
    home = next(o for o in screening.result["options"] if o["option"] == "ketamine_sublingual_home")
    assert [r["code"] for r in home["reasons"]] == [
        "substance_screen_missing",
        "indication_treatment_resistant_depression",
    ]
    assert sorted((r.instrument_id, r.total, r.context) for r in outcome.responses) == [
        ("cssrs_screener", 0, "intake"),
        ("gad7", 7, "intake"),
        ("phq9", 13, "intake"),
    ]
    assert Alert.objects.count() == 0
    event = AuditEvent.objects.filter(action="intake.record").get()
    assert event.data["number"] == 1
    assert event.actor_id == cast.nurse.user.pk


def test_a_second_intake_is_a_new_version_and_keeps_the_first(cast: Cast) -> None:
    first = intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    second = intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(medication_trials=[]), scales=scales()
    )
    assert [i.number for i in Intake.objects.filter(patient=cast.dan).order_by("number")] == [1, 2]
    assert (
        Intake.objects.get(pk=first.intake.pk).document["medication_trials"][0]["drug"]
        == "sertraline"
    )
    assert second.screening.treatment_resistant is False
    assert ScreeningResult.objects.get(intake=first.intake).treatment_resistant is True


def test_a_new_weight_goes_on_the_chart(cast: Cast) -> None:
    intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(weight_kg=80.0), scales=scales()
    )
    latest = (
        BodyMeasurement.objects.filter(patient=cast.dan)
        .order_by("-measured_on", "-created_at")
        .first()
    )
    assert latest is not None and str(latest.weight_kg) == "80.0"
    assert BodyMeasurement.objects.filter(patient=cast.dan).count() == 2


def test_the_same_weight_adds_no_measurement(cast: Cast) -> None:
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    assert BodyMeasurement.objects.filter(patient=cast.dan).count() == 1


def test_a_positive_phq9_item_9_raises_an_alert_at_once(cast: Cast) -> None:
    phq9 = [*PHQ9_NO_SI[:8], 2, PHQ9_NO_SI[9]]
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales(phq9=phq9))
    alert = Alert.objects.get()
    assert alert.severity == "high"
    assert alert.message == (
        "PHQ-9 positive for suicidality: item 9 (Suicidal thoughts): More than half the days"
    )
    phq9_response = QuestionnaireResponse.objects.get(patient=cast.dan, instrument_id="phq9")
    assert (alert.source_type, alert.source_id) == (
        "outcomes.questionnaireresponse",
        str(phq9_response.pk),
    )
    assert AuditEvent.objects.filter(action="alert.raise", patient_id=cast.dan.pk).count() == 1


def test_a_cssrs_intent_answer_is_an_urgent_alert(cast: Cast) -> None:
    intake_submit(
        cast.actor(cast.nurse),
        cast.dan.pk,
        fields=fields(),
        scales=scales(cssrs_screener=[1, 1, 1, 1, 0, 0, None]),
    )
    alert = Alert.objects.get()
    assert alert.severity == "urgent"
    assert alert.message == (
        "C-SSRS screener positive for suicidality; C-SSRS risk high: item 1 (Wish to be dead): "
        "Yes; item 2 (Suicidal thoughts): Yes; item 3 (Thoughts with method): Yes; "
        "item 4 (Intent): Yes"
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"scales": {"phq9": PHQ9_NO_SI, "gad7": [1] * 7}},
            {"scales.cssrs_screener": "is required at intake"},
        ),
        (
            {"fields": {"vitals": {"systolic": 80, "diastolic": 90, "heart_rate": 70, "spo2": 98}}},
            {"vitals": "diastolic 90 must be below systolic 80 mmHg"},
        ),
        ({"fields": {"weight_kg": 0}}, {"weight_kg": "0 is outside the allowed range 25-350 kg"}),
        (
            {"fields": {"diagnoses": ["F99.99"]}},
            {
                "diagnoses": (
                    "unknown ICD-10 code 'F99.99'; use a code from the clinic's list "
                    "(docs/clinical.md)"
                )
            },
        ),
        (
            {"fields": {"age_years": 30}},
            {"age_years": f"the chart says {DAN_AGE}; correct the chart instead"},
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    cast: Cast, change: dict[str, dict[str, object]], errors: dict[str, str]
) -> None:
    before = (
        Intake.objects.count(),
        QuestionnaireResponse.objects.count(),
        AuditEvent.objects.filter(action="intake.record").count(),
    )
    with pytest.raises(FieldErrors) as caught:
        intake_submit(
            cast.actor(cast.nurse),
            cast.dan.pk,
            fields=fields(**change.get("fields", {})),
            scales=change.get("scales", scales()),
        )
    assert caught.value.errors == errors
    assert (
        Intake.objects.count(),
        QuestionnaireResponse.objects.count(),
        AuditEvent.objects.filter(action="intake.record").count(),
    ) == before


def test_front_desk_cannot_record_an_intake(cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        intake_submit(cast.actor(cast.front_desk), cast.dan.pk, fields=fields(), scales=scales())
    assert Intake.objects.count() == 0


def test_an_intake_with_audit_c_and_dast10_scores_them_and_clears_the_home_screen(
    cast: Cast,
) -> None:
    """AUDIT-C and DAST-10 at intake (Mindbloom screens both, clinical.md §1.3/§2.6): scored,
    stored as totals, and the home program no longer needs review for a missing screen."""
    clean = scales(audit_c=[1, 0, 0], dast10=[0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=clean)
    intake = Intake.objects.get(patient=cast.dan)
    assert intake.document["scores"] == {
        "phq9": 13,
        "gad7": 7,
        "cssrs_screener": 0,
        "audit_c": 1,
        "dast10": 0,
    }
    screening = ScreeningResult.objects.get(intake=intake)
    home = next(o for o in screening.result["options"] if o["option"] == "ketamine_sublingual_home")
    assert home["decision"] == "eligible"
    stored = QuestionnaireResponse.objects.get(patient=cast.dan, instrument_id="dast10")
    assert (stored.total, stored.severity) == (0, "none")


@pytest.mark.parametrize(
    ("cssrs", "intent", "esketamine_codes"),
    [
        ([1, 1, 1, 1, 0, 0, None], True, ["cssrs_high_risk", "esketamine_trd"]),
        ([1, 0, None, None, None, 0, None], False, ["esketamine_trd"]),
    ],
    ids=["item-4-yes", "passive-wish"],
)
def test_cssrs_intent_is_computed_from_items_4_and_5(
    cast: Cast, cssrs: list[int | None], intent: bool, esketamine_codes: list[str]
) -> None:
    """Intent is C-SSRS question 4 or 5 yes (cssrs-intent-items), computed from the scored
    screener like cssrs_risk, never taken from the caller."""
    outcome = intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales(cssrs_screener=cssrs)
    )
    assert outcome.intake.document["cssrs_intent"] is intent
    options = {o["option"]: o for o in outcome.screening.result["options"]}
    assert [r["code"] for r in options["esketamine_nasal"]["reasons"]] == esketamine_codes


def test_a_passive_wish_without_trd_is_a_review_for_spravato_not_mdsi(cast: Cast) -> None:
    """A passive wish to be dead (C-SSRS question 1 only) is not the MDSI population, which
    had ideation with intent (spravato-pi-indications)."""
    outcome = intake_submit(
        cast.actor(cast.nurse),
        cast.dan.pk,
        fields=fields(medication_trials=[]),
        scales=scales(cssrs_screener=[1, 0, None, None, None, 0, None]),
    )
    options = {o["option"]: o for o in outcome.screening.result["options"]}
    assert options["esketamine_nasal"]["decision"] == "needs_prescriber_review"
    assert [r["code"] for r in options["esketamine_nasal"]["reasons"]] == [
        "esketamine_mdsi_intent_not_shown"
    ]


def test_a_clinicians_attestation_and_the_benzodiazepine_dose_reach_the_screening(
    cast: Cast,
) -> None:
    """The attestation of intent (spravato-pi-indications) and the diazepam-equivalent dose
    (andrashko-2020) entered at intake are screened."""
    outcome = intake_submit(
        cast.actor(cast.nurse),
        cast.dan.pk,
        fields=fields(
            medication_trials=[],
            concomitant_drug_classes=["ssri", "benzodiazepine"],
            suicidal_intent_attested=True,
            suicidal_intent_reason="states intent to act",
            diazepam_equivalent_mg_per_day=20.0,
        ),
        scales=scales(),
    )
    document = outcome.intake.document
    assert (document["suicidal_intent_attested"], document["diazepam_equivalent_mg_per_day"]) == (
        True,
        20.0,
    )
    options = {o["option"]: o for o in outcome.screening.result["options"]}
    assert [r["code"] for r in options["esketamine_nasal"]["reasons"]] == [
        "concomitant_benzodiazepine",
        "interaction_benzodiazepine",
        "esketamine_mdsi",
    ]
