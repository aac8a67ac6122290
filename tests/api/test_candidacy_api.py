"""Intake to signed plan through the API and the pages: intakes, screening, the protocol
library, plans (draft, adjust, sign, revise) and alerts, with exact bodies and errors.

Every error is RFC 7807 ``application/problem+json`` naming the field; a refused request
writes nothing. The services themselves are tested in tests/screening and tests/treatment.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditEvent
from ketacare.clinical.intake import History
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients import services as patients
from ketacare.patients.models import BodyMeasurement
from ketacare.pk import Patient as PkPatient
from ketacare.pk import Regimen, simulate, uniform_grid
from ketacare.screening.models import Intake, ScreeningResult
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as plans
from ketacare.treatment.models import TreatmentPlan
from tests.api.test_patients_api import invalid, iso, patch, post, problem
from tests.candidacy import CSSRS_NONE, GAD7, PHQ9_NO_SI, fields, give_trials, scales
from tests.conftest import Cast
from tests.screening.test_intake import DAN_AGE

# PHQ-9 with item 9 (suicidal thoughts) answered "Several days": total 14.
PHQ9_SI = [*PHQ9_NO_SI[:8], 1, PHQ9_NO_SI[9]]
PHQ9_SI_ALERT = "PHQ-9 positive for suicidality: item 9 (Suicidal thoughts): Several days"
CSSRS_ITEMS = ("1", "2", "3", "4", "5", "6", "6b")

CANMAT = (
    "Swainson J, et al. CANMAT task force recommendations for the use of racemic ketamine in "
    "adults with major depressive disorder. Can J Psychiatry 2021;66(2):113"
)
SANACORA = (
    "Sanacora G, et al. A consensus statement on the use of ketamine in the treatment of mood "
    "disorders. JAMA Psychiatry 2017;74(4):399-405"
)
BCBS = "Blue Cross NC, Esketamine (Spravato) prior-authorization policy"
SPRAVATO_PI = (
    "SPRAVATO (esketamine) nasal spray, US Prescribing Information, Janssen "
    "(incl. the 21 Jan 2025 monotherapy update)"
)
SPRAVATO_REMS = (
    "SPRAVATO REMS (FDA REMS id 386): healthcare setting requirements and Patient Monitoring Form"
)
NON_IV_TRD = (
    "Treatment-resistant depression (2 adequate failed trials): non-IV racemic routes have "
    "Level 3-4 evidence."
)

# An intake without AUDIT-C and DAST-10: the home program screens both at intake (§1.3, §2.6).
SUBSTANCE_SCREEN_MISSING = {
    "code": "substance_screen_missing",
    "message": "Substance-use screen not done (AUDIT-C and DAST-10 missing): the home program "
    "screens alcohol and drug use at intake.",
    "source": "Hull TD, et al. At-home, sublingual ketamine telehealth is a safe and effective "
    "treatment for moderate to severe anxiety and depression. J Affect Disord 2022 (Mindbloom, "
    "n=1,247); Consolidated candidacy checklist across the Spravato label, consensus statements "
    "and telehealth protocols (Osmind intake guide; Mindbloom study; ELEKT-D NCT03113968)",
}


def _option(option: str, code: str, message: str, source: str) -> dict[str, Any]:
    return {
        "option": option,
        "decision": "eligible",
        "reasons": [{"code": code, "message": message, "source": source}],
    }


# Dan with two adequate failed trials of two classes (tests/candidacy.py fields()).
TRD_OPTIONS = [
    _option(
        "ketamine_iv",
        "indication_treatment_resistant_depression",
        "Treatment-resistant depression (2 adequate failed trials): single IV infusion has "
        "Level 1 evidence (third-line).",
        f"{CANMAT}; {SANACORA}; {BCBS}",
    ),
    _option(
        "ketamine_im",
        "indication_treatment_resistant_depression",
        NON_IV_TRD,
        f"{CANMAT}; {SANACORA}; {BCBS}",
    ),
    _option(
        "ketamine_intranasal",
        "indication_treatment_resistant_depression",
        NON_IV_TRD,
        f"{CANMAT}; {SANACORA}; {BCBS}",
    ),
    {
        "option": "ketamine_sublingual_home",
        "decision": "needs_prescriber_review",
        "reasons": [
            SUBSTANCE_SCREEN_MISSING,
            {
                "code": "indication_treatment_resistant_depression",
                "message": NON_IV_TRD,
                "source": f"{CANMAT}; {SANACORA}; {BCBS}",
            },
        ],
    },
    _option(
        "esketamine_nasal",
        "esketamine_trd",
        "Treatment-resistant depression: labelled indication (with an oral antidepressant or as "
        "monotherapy).",
        f"{SPRAVATO_PI}; {BCBS}",
    ),
]
COUNTED_TRIALS = [
    {
        "drug": "sertraline",
        "drug_class": "ssri",
        "weeks_at_adequate_dose": 8.0,
        "improvement_percent": 10.0,
        "current_episode": True,
    },
    {
        "drug": "venlafaxine",
        "drug_class": "snri",
        "weeks_at_adequate_dose": 10.0,
        "improvement_percent": 20.0,
        "current_episode": True,
    },
]
NOT_TRD = (
    "Depression without established treatment resistance (0 of 2 adequate failed trials): "
    "ketamine is a third-line treatment."
)
NOT_TRD_OPTIONS = [
    {
        "option": option,
        "decision": "needs_prescriber_review",
        "reasons": [
            {"code": "not_treatment_resistant", "message": NOT_TRD, "source": f"{CANMAT}; {BCBS}"},
            *([SUBSTANCE_SCREEN_MISSING] if option == "ketamine_sublingual_home" else []),
        ],
    }
    for option in (
        "ketamine_iv",
        "ketamine_im",
        "ketamine_intranasal",
        "ketamine_sublingual_home",
    )
] + [
    {
        "option": "esketamine_nasal",
        "decision": "not_eligible",
        "reasons": [
            {
                "code": "esketamine_indication_not_met",
                "message": (
                    "Depression is neither treatment-resistant (0 of 2 adequate failed trials) "
                    "nor with acute suicidal ideation: outside the Spravato label."
                ),
                "source": f"{SPRAVATO_PI}; {BCBS}",
            }
        ],
    }
]

PROTOCOL_IDS = [
    "crps-iv-10-day",
    "depression-im",
    "depression-intranasal-racemic",
    "depression-iv-induction",
    "depression-iv-maintenance",
    "depression-sublingual-troche-home",
    "esketamine-mdsi",
    "esketamine-trd-induction-65-plus",
    "esketamine-trd-induction",
    "esketamine-trd-maintenance-65-plus",
    "esketamine-trd-maintenance",
    "pain-iv-outpatient-4h",
    "ptsd-iv-induction",
    "suicidal-ideation-iv",
]
IV_INDUCTION_NOTE = (
    "Six infusions in 2-3 weeks: three times weekly over 12 days (Murrough 2013) or twice weekly "
    "for 3 weeks (ELEKT-D). Community practice: 4-8 infusions over 7-28 days (ORKA-1). Reassess "
    "benefit against risk if there is no response after about 3 infusions."
)
IV_MAINTENANCE_NOTE = (
    "Individualised: dose a little before the previous effect wears off (Andrade 2017). After "
    "induction the median time to relapse was 18 days (Murrough 2013); without maintenance about "
    "80% kept their response at 4 weeks and 60% at 8 weeks (ORKA-1)."
)
# Six infusions in 2-3 weeks, then maintenance (issue: intake to plan).
IV_INDUCTION_COURSE = [
    {
        "protocol": "depression-iv-induction",
        "protocol_title": "Depression: IV ketamine induction",
        "sources": ["murrough-2013", "elektd-2023", "orka-1", "sanacora-2017-unverified"],
        "phase": "induction",
        "sessions": 6,
        "interval_days_min": 2.0,
        "interval_days_max": 4.0,
        "weeks": None,
        "note": IV_INDUCTION_NOTE,
    },
    {
        "protocol": "depression-iv-maintenance",
        "protocol_title": "Depression: IV ketamine maintenance",
        "sources": ["andrade-2017", "murrough-2013", "orka-1"],
        "phase": "maintenance",
        "sessions": None,
        "interval_days_min": None,
        "interval_days_max": None,
        "weeks": None,
        "note": IV_MAINTENANCE_NOTE,
    },
]
KAMP_2020 = (
    "Kamp J, Olofsen E, Henthorn TK, van Velzen M, Niesters M, Dahan A. Ketamine "
    "pharmacokinetics: a systematic review of the literature, meta-analysis, and population "
    "analysis. Anesthesiology 2020;133:1192-1213. doi:10.1097/ALN.0000000000003577"
)
RACEMIC_BANDS = [
    {
        "name": "analgesia",
        "low_ng_per_ml": 70.0,
        "high_ng_per_ml": 160.0,
        "source": "Zanos 2018 Pharmacol Rev 70:621, Table 1 (IV 0.15 mg/kg class)",
    },
    {
        "name": "dissociation",
        "low_ng_per_ml": 100.0,
        "high_ng_per_ml": 250.0,
        "source": "Zanos 2018 Table 1, citing Krystal 1994 (0.5 mg/kg over 40 min)",
    },
    {
        "name": "anaesthesia",
        "low_ng_per_ml": 1200.0,
        "high_ng_per_ml": 2400.0,
        "source": "Zanos 2018 Table 1 (IV 1-2 mg/kg)",
    },
]
CANDIDACY_WRITES = (
    "intake.record",
    "questionnaire.record",
    "alert.raise",
    "record.create",
    "plan.create",
    "plan.update",
    "plan.sign",
    "alert.acknowledge",
)
ACK_NOTE = "Called the patient; safety plan reviewed, seen in clinic today"
NOT_FOUND = "https://ketacare.org/problems/not-found"


def written() -> dict[str, int]:
    """How many rows and write events there are of everything an intake or a plan can add."""
    return {
        "intakes": Intake.objects.count(),
        "screenings": ScreeningResult.objects.count(),
        "responses": QuestionnaireResponse.objects.count(),
        "alerts": Alert.objects.count(),
        "measurements": BodyMeasurement.objects.count(),
        "plans": TreatmentPlan.objects.count(),
        "events": AuditEvent.objects.filter(action__in=CANDIDACY_WRITES).count(),
    }


def plan_row(plan_id: int) -> dict[str, Any]:
    return TreatmentPlan.objects.filter(pk=plan_id).values().get()  # type: ignore[no-any-return]


def alert_row(alert_id: int) -> dict[str, Any]:
    return Alert.objects.filter(pk=alert_id).values().get()  # type: ignore[no-any-return]


def kamp(dose_mg: float, weight_kg: float = 82.5):  # type: ignore[no-untyped-def]
    """Dan's predicted curve for an IV dose over 40 minutes, straight from the PK engine."""
    return simulate(
        "kamp2020",
        Regimen.single("iv", dose_mg=dose_mg, over_min=40),
        PkPatient(weight_kg=weight_kg, age_years=DAN_AGE, sex="male"),
        uniform_grid(until_min=220, step_min=1),
    )


def intake_body(**overrides: Any) -> dict[str, Any]:
    """A complete intake document for the API, with the baseline scales."""
    scale_answers = overrides.pop("scales", scales())
    return {**fields(**overrides), "scales": scale_answers}


def intake_form(**overrides: str) -> dict[str, str]:
    """The intake page's form as a browser posts it: every question answered, no suicidality."""
    data = {
        "weight_kg": "82.5",
        "height_cm": "180",
        "systolic": "128",
        "diastolic": "82",
        "heart_rate": "72",
        "spo2": "98",
        "pregnant": "no",
        "breastfeeding": "no",
        "home_sitter_available": "yes",
        "recent_suicide_attempt_days": "",
        "notes": "",
    }
    data.update({f"history__{name}": "no" for name in History.model_fields})
    answers = (
        ("phq9", [str(n) for n in range(1, 11)], PHQ9_NO_SI),
        ("gad7", [str(n) for n in range(1, 8)], GAD7),
        ("cssrs_screener", CSSRS_ITEMS, CSSRS_NONE),
    )
    for instrument, items, values in answers:
        for item, value in zip(items, values, strict=True):
            if value is not None:
                data[f"scale__{instrument}__{item}"] = str(value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def nurse(as_role: Any) -> Client:
    return as_role("nurse")  # type: ignore[no-any-return]


@pytest.fixture
def prescriber(as_role: Any) -> Client:
    return as_role("prescriber")  # type: ignore[no-any-return]


def intakes_url(cast: Cast) -> str:
    return f"/api/v1/patients/{cast.dan.pk}/intakes"


def screen_dan(cast: Cast, **overrides: Any) -> None:
    """Record an intake for Dan through the service (the state a plan test starts from)."""
    phq9 = overrides.pop("phq9", PHQ9_NO_SI)
    intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(**overrides), scales=scales(phq9=phq9)
    )


def draft_plan(cast: Cast, protocol: str = "depression-iv-induction") -> TreatmentPlan:
    return plans.plan_create(cast.actor(cast.prescriber), cast.dan.pk, protocol_id=protocol)


def signed_plan(cast: Cast) -> TreatmentPlan:
    plan = draft_plan(cast)
    return plans.plan_sign(cast.actor(cast.prescriber), plan.pk)


# --- intakes ----------------------------------------------------------------------------------


def test_a_nurse_records_intake_one_and_gets_its_screening(cast: Cast, nurse: Client) -> None:
    response = post(nurse, intakes_url(cast), intake_body(scales=scales(phq9=PHQ9_SI)))

    assert response.status_code == 201, response.content[:500]
    intake = Intake.objects.get(patient=cast.dan)
    screening = ScreeningResult.objects.get(intake=intake)
    assert response.json() == {
        "id": intake.pk,
        "number": 1,
        "recorded_at": iso(intake.recorded_at),
        "recorded_by": "Nina Nurse <nina@example.com> (nurse)",
        "document": {
            "age_years": DAN_AGE,
            "sex": "male",
            "weight_kg": 82.5,
            "height_cm": 180.0,
            "pregnant": False,
            "breastfeeding": False,
            "diagnoses": ["F33.2"],
            "medication_trials": COUNTED_TRIALS,
            "history": dict.fromkeys(History.model_fields, False),
            "recent_suicide_attempt_days": None,
            "concomitant_drug_classes": [],
            "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98},
            "home_sitter_available": True,
            "scores": {"phq9": 14, "gad7": 7, "cssrs_screener": 0},
            "cssrs_risk": "none",
            "cssrs_intent": False,
            "suicidal_intent_attested": False,
            "suicidal_intent_reason": "",
            "diazepam_equivalent_mg_per_day": None,
        },
        "responses": [
            {
                "instrument": "phq9",
                "total": 14,
                "severity": "moderate",
                "flags": ["suicidal_ideation", "probable_major_depression"],
            },
            {"instrument": "gad7", "total": 7, "severity": "mild", "flags": []},
            {"instrument": "cssrs_screener", "total": 0, "severity": "none", "flags": []},
        ],
        "alerts": [PHQ9_SI_ALERT],
        "screening": {
            "intake_id": intake.pk,
            "intake_number": 1,
            "computed_at": iso(screening.computed_at),
            "treatment_resistant": True,
            "adequate_trials": 2,
            "counted_trials": COUNTED_TRIALS,
            "options": TRD_OPTIONS,
        },
    }
    assert Alert.objects.get().message == PHQ9_SI_ALERT
    assert QuestionnaireResponse.objects.filter(intake=intake).count() == 3
    event = AuditEvent.objects.get(action="intake.record")
    assert (event.actor_id, event.patient_id) == (cast.nurse.user.pk, cast.dan.pk)


def test_a_second_intake_is_number_two_and_leaves_the_first_as_it_was(
    cast: Cast, nurse: Client
) -> None:
    first = post(nurse, intakes_url(cast), intake_body())
    assert first.status_code == 201
    first_rows = (
        Intake.objects.filter(number=1).values().get(),
        ScreeningResult.objects.values().get(),
    )

    second = post(nurse, intakes_url(cast), intake_body(medication_trials=[]))

    assert second.status_code == 201, second.content[:500]
    body = second.json()
    assert (body["number"], body["screening"]["intake_number"]) == (2, 2)
    assert body["document"]["medication_trials"] == []
    assert {
        k: v for k, v in body["screening"].items() if k not in ("intake_id", "computed_at")
    } == {
        "intake_number": 2,
        "treatment_resistant": False,
        "adequate_trials": 0,
        "counted_trials": [],
        "options": NOT_TRD_OPTIONS,
    }
    assert [i.number for i in Intake.objects.filter(patient=cast.dan).order_by("number")] == [1, 2]
    assert (
        Intake.objects.filter(number=1).values().get(),
        ScreeningResult.objects.filter(intake__number=1).values().get(),
    ) == first_rows
    assert first.json()["document"]["medication_trials"] == COUNTED_TRIALS


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            intake_body(scales={"phq9": PHQ9_SI, "gad7": GAD7}),
            {"scales.cssrs_screener": "is required at intake"},
            id="a required scale missing",
        ),
        pytest.param(
            intake_body(vitals={"systolic": 80, "diastolic": 90, "heart_rate": 70, "spo2": 98}),
            {"vitals": "diastolic 90 must be below systolic 80 mmHg"},
            id="diastolic above systolic",
        ),
        pytest.param(
            intake_body(diagnoses=["F99.99"]),
            {
                "diagnoses": (
                    "unknown ICD-10 code 'F99.99'; use a code from the clinic's list "
                    "(docs/clinical.md)"
                )
            },
            id="an unknown ICD-10 code",
        ),
        pytest.param(
            intake_body(age_years=DAN_AGE + 5),
            {"age_years": f"the chart says {DAN_AGE}; correct the chart instead"},
            id="an age the chart disagrees with",
        ),
        pytest.param(
            intake_body(sex="female"),
            {"sex": "the chart says 'male'; correct the chart instead"},
            id="a sex the chart disagrees with",
        ),
        pytest.param(
            intake_body(favourite_colour="blue"),
            {"favourite_colour": "Extra inputs are not permitted"},
            id="an unknown field",
        ),
        pytest.param(
            {k: v for k, v in intake_body().items() if k != "weight_kg"},
            {"weight_kg": "Field required"},
            id="no weight",
        ),
        pytest.param(
            intake_body(weight_kg=500),
            {"weight_kg": "500 is outside the allowed range 25-350 kg"},
            id="an impossible weight",
        ),
    ],
)
def test_a_bad_intake_is_422_naming_the_field_and_writes_nothing(
    cast: Cast, nurse: Client, body: dict[str, Any], errors: dict[str, str]
) -> None:
    # A positive PHQ-9 item 9 and a new weight: anything written would show as an alert or a
    # new measurement as well as an intake.
    body = {**body, "scales": {**body["scales"], "phq9": PHQ9_SI}}
    if "weight_kg" in body and body["weight_kg"] == 82.5:
        body["weight_kg"] = 80.0
    before = written()

    response = post(nurse, intakes_url(cast), body)

    assert invalid(response) == errors
    assert written() == before


def test_a_front_desk_intake_is_403_and_writes_nothing(cast: Cast, as_role: Any) -> None:
    before = written()
    response = post(as_role("front_desk"), intakes_url(cast), intake_body())
    assert response.status_code == 403
    assert problem(response)["detail"] == "your role does not allow intake.record"
    assert written() == before


# --- screening --------------------------------------------------------------------------------


def test_the_screening_is_404_before_any_intake_then_the_latest(
    cast: Cast, as_role: Any, nurse: Client
) -> None:
    owner = as_role("owner")
    url = f"/api/v1/patients/{cast.dan.pk}/screening"

    missing = owner.get(url)

    assert missing.status_code == 404
    assert problem(missing) == {
        "type": NOT_FOUND,
        "title": "Not found",
        "status": 404,
        "detail": "This patient has no screening yet: record an intake first",
    }
    assert post(nurse, intakes_url(cast), intake_body()).status_code == 201
    assert post(nurse, intakes_url(cast), intake_body(medication_trials=[])).status_code == 201
    latest = ScreeningResult.objects.get(intake__number=2)

    response = owner.get(url)

    assert response.status_code == 200
    assert response.json() == {
        "intake_id": latest.intake_id,
        "intake_number": 2,
        "computed_at": iso(latest.computed_at),
        "treatment_resistant": False,
        "adequate_trials": 0,
        "counted_trials": [],
        "options": NOT_TRD_OPTIONS,
    }
    reads = AuditEvent.objects.filter(action="screening.read").order_by("id")
    assert [(e.actor_id, e.patient_id) for e in reads] == [(cast.owner.user.pk, cast.dan.pk)] * 2


# --- the protocol library ---------------------------------------------------------------------


def test_the_protocol_library_lists_the_14_protocols_with_their_rules_and_sources(
    cast: Cast, nurse: Client
) -> None:
    response = nurse.get("/api/v1/protocols")

    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body] == PROTOCOL_IDS
    by_id = {p["id"]: p for p in body}
    keys = ("name", "drug", "route", "indication", "screening_option", "dose_rule", "source")
    assert {k: by_id["depression-iv-induction"][k] for k in keys} == {
        "name": "Depression: IV ketamine induction",
        "drug": "ketamine",
        "route": "iv",
        "indication": "Treatment-resistant major depressive episode without psychotic features",
        "screening_option": "ketamine_iv",
        # The caps (each cited, Schwartzman 2009 for CRPS) replace cap_mg; none for depression,
        # whose sources give actual weight for obesity too (Freeman 2020).
        "dose_rule": {
            "sources": ["sanacora-2017", "andrade-2017", "elektd-2023", "freeman-2020-bmi"],
            "max_rate_mg_per_h": None,
            "max_session_mg": None,
            "rule": "mg_per_kg",
            "mg_per_kg": 0.5,
            "min_mg_per_kg": 0.1,
            "max_mg_per_kg": 0.75,
            "weight_basis": "actual",
            "obesity": None,
        },
        "source": (
            f"{SANACORA}; {CANMAT}; Anand A, et al. Ketamine versus ECT for nonpsychotic "
            "treatment-resistant major depression (ELEKT-D). N Engl J Med 2023; NCT03113968; "
            "Murrough JW, et al. Rapid and longer-term antidepressant effects of repeated ketamine "
            "infusions in treatment-resistant major depression. Biol Psychiatry 2013"
        ),
    }
    assert {k: by_id["esketamine-trd-induction"][k] for k in keys} == {
        "name": "Spravato: TRD induction (adults under 65)",
        "drug": "esketamine",
        "route": "intranasal",
        "indication": (
            "Treatment-resistant depression in adults (with an oral antidepressant or as "
            "monotherapy)"
        ),
        "screening_option": "esketamine_nasal",
        "dose_rule": {
            "sources": ["spravato-pi"],
            "rule": "devices",
            "device_mg": 28,
            "options_mg": [56, 84],
            "first_session_mg": 56,
            "default_mg": 56,
            "device_interval_min": 5,
        },
        "source": f"{SPRAVATO_PI}; {SPRAVATO_REMS}",
    }
    assert [p["id"] for p in body if p["drug"] == "esketamine"] == [
        "esketamine-mdsi",
        "esketamine-trd-induction-65-plus",
        "esketamine-trd-induction",
        "esketamine-trd-maintenance-65-plus",
        "esketamine-trd-maintenance",
    ]
    assert [p["id"] for p in body if not p["source"]] == []


# --- plans ------------------------------------------------------------------------------------


def test_a_prescriber_drafts_a_plan_with_its_dose_and_predicted_curve(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    url = f"/api/v1/patients/{cast.dan.pk}/plans"

    response = post(prescriber, url, {"protocol": "depression-iv-induction"})

    assert response.status_code == 201, response.content[:500]
    plan = TreatmentPlan.objects.get()
    # 0.5 mg/kg x 82.5 kg = 41.25 mg, given to 0.1 mg; 41.3 mg over 40 min = 61.95 mg/h.
    expected = kamp(41.3)
    assert response.json() == {
        "id": plan.pk,
        "patient_id": str(cast.dan.pk),
        "plan_version": 1,
        "previous_id": None,
        "status": "draft",
        "protocol": "depression-iv-induction",
        "protocol_version": 1,
        "drug": "ketamine",
        "route": "iv",
        "dose_mg": "41.30",
        "dose": {
            "protocol": "depression-iv-induction",
            "dose_mg": 41.3,
            "duration_min": 40,
            "rate_mg_per_h": 62.0,
            # No concentration was given, so no volume or pump rate in mL.
            "volume_ml": None,
            "rate_ml_per_h": None,
            "concentration_mg_per_ml": None,
            "devices": None,
            "weight_basis": "actual",
            "dose_weight_kg": 82.5,
            "warnings": [],
            # BMI 82.5 kg / (1.80 m)^2; the basis and the (absent) cap in words.
            "bmi_kg_per_m2": 25.5,
            "weight_basis_note": "actual body weight 82.5 kg (the protocol's basis)",
            "cap_note": None,
            "weight_measured_on": "2026-01-05",
        },
        "weight_kg": "82.5",
        "t_min": [float(t) for t in range(221)],
        "conc_ng_per_ml": [round(float(c), 2) for c in expected.conc_ng_per_ml],
        "curve": {
            "model": "kamp2020",
            "model_name": "Kamp 2020 meta-analytic 3-compartment model (racemic ketamine)",
            "source": KAMP_2020,
            "sampling": "arterial",
            "cmax_ng_per_ml": round(expected.cmax_ng_per_ml, 1),
            "tmax_min": round(expected.tmax_min, 1),
            "auc_ng_h_per_ml": round(expected.auc_ng_h_per_ml, 1),
            "bands": RACEMIC_BANDS,
            "bands_note": "",
            "warnings": [],
        },
        "course": IV_INDUCTION_COURSE,
        "course_note": "",
        "integrative_items": [],
        "screening_decision": "eligible",
        "override_reason": "",
        "change_reason": "",
        "created_at": iso(plan.created_at),
        "signed_by": "",
        "signed_at": None,
        "version": 1,
    }
    assert AuditEvent.objects.get(action="plan.create").actor_id == cast.prescriber.user.pk

    read = prescriber.get(f"/api/v1/plans/{plan.pk}")

    assert read.status_code == 200
    assert read.json() == response.json()
    assert AuditEvent.objects.filter(action="plan.read", patient_id=cast.dan.pk).count() == 2


def test_a_spravato_plan_gives_devices_and_no_racemic_bands(cast: Cast, prescriber: Client) -> None:
    screen_dan(cast)
    response = post(
        prescriber,
        f"/api/v1/patients/{cast.dan.pk}/plans",
        {"protocol": "esketamine-trd-induction"},
    )
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert (body["dose_mg"], body["dose"]["devices"], body["dose"]["weight_basis"]) == (
        "56.00",
        2,
        None,
    )
    assert (body["curve"]["model"], body["curve"]["sampling"]) == ("perez_ruixo2021", "venous")
    assert body["curve"]["bands"] == []
    assert body["curve"]["bands_note"] == (
        "Concentration bands are published for racemic ketamine only; none is drawn for esketamine."
    )
    # Two devices 5 minutes apart, then 3 hours: a 1-minute grid from 0 to 185 min.
    assert body["t_min"] == [float(t) for t in range(186)]
    assert len(body["conc_ng_per_ml"]) == 186


def test_a_dose_outside_the_protocols_range_is_422_naming_dose_mg(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    before = written()

    response = post(
        prescriber,
        f"/api/v1/patients/{cast.dan.pk}/plans",
        {"protocol": "depression-iv-induction", "dose_mg": 120},
    )

    assert invalid(response) == {
        "dose_mg": "120 mg is outside this protocol's range 8.2-61.9 mg (0.1-0.75 mg/kg at 82.5 kg)"
    }
    assert written() == before


def test_a_protocol_the_screening_does_not_open_needs_an_override_reason(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast, medication_trials=[])
    url = f"/api/v1/patients/{cast.dan.pk}/plans"
    before = written()

    refused = post(prescriber, url, {"protocol": "esketamine-trd-induction"})

    assert invalid(refused) == {
        "override_reason": (
            "required: the screening says not eligible for Esketamine (Spravato) nasal spray "
            "(Depression is "
            "neither treatment-resistant (0 of 2 adequate failed trials) nor with acute suicidal "
            "ideation: outside the Spravato label.)"
        )
    }
    assert written() == before
    reason = "Two failed trials documented by the referring psychiatrist; records requested"

    response = post(
        prescriber, url, {"protocol": "esketamine-trd-induction", "override_reason": reason}
    )

    assert response.status_code == 201, response.content[:500]
    plan = TreatmentPlan.objects.get()
    assert (response.json()["id"], response.json()["screening_decision"]) == (
        plan.pk,
        "not_eligible",
    )
    assert (plan.screening_decision, plan.override_reason) == ("not_eligible", reason)
    assert AuditEvent.objects.get(action="plan.create").reason == reason


def test_a_draft_is_adjusted_with_its_version_and_a_stale_version_is_409(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    plan = draft_plan(cast)
    url = f"/api/v1/plans/{plan.pk}"

    response = patch(prescriber, url, {"version": 1, "dose_mg": 50})

    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["version"], body["dose_mg"], body["dose"]["rate_mg_per_h"]) == (2, "50.00", 75.0)
    assert body["curve"]["cmax_ng_per_ml"] == round(kamp(50.0).cmax_ng_per_ml, 1)
    assert AuditEvent.objects.get(action="plan.update").changes == {"dose_mg": ["41.30", 50.0]}
    row = plan_row(plan.pk)

    stale = patch(prescriber, url, {"version": 1, "dose_mg": 45})

    assert stale.status_code == 409
    message = (
        "this record is at version 2, your edit was based on version 1; reload it and apply "
        "your change again"
    )
    assert problem(stale) == {
        "type": "https://ketacare.org/problems/stale-version",
        "title": "Edit conflict",
        "status": 409,
        "detail": f"version: {message}",
        "invalid_params": [{"name": "version", "reason": message}],
    }
    assert plan_row(plan.pk) == row
    assert AuditEvent.objects.filter(action="plan.update").count() == 1


def test_a_signed_plan_cannot_be_patched(cast: Cast, prescriber: Client) -> None:
    screen_dan(cast)
    plan = signed_plan(cast)
    row = plan_row(plan.pk)

    response = patch(prescriber, f"/api/v1/plans/{plan.pk}", {"version": 2, "dose_mg": 30})

    assert response.status_code == 409
    message = "this plan is signed: start a new version to change it"
    assert problem(response) == {
        "type": "https://ketacare.org/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": f"status: {message}",
        "invalid_params": [{"name": "status", "reason": message}],
    }
    assert plan_row(plan.pk) == row
    assert AuditEvent.objects.filter(action="plan.update").count() == 0


def test_a_prescriber_signs_a_draft_and_signing_twice_is_409(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    plan = draft_plan(cast)
    url = f"/api/v1/plans/{plan.pk}/sign"

    response = post(prescriber, url, {})

    assert response.status_code == 200, response.content[:500]
    signed = TreatmentPlan.objects.get(pk=plan.pk)
    assert signed.signed_at is not None and signed.signed_by_id == cast.prescriber.user.pk
    body = response.json()
    assert {k: body[k] for k in ("status", "signed_by", "signed_at", "version", "dose_mg")} == {
        "status": "signed",
        "signed_by": "Dr Bob Prescriber <bob@example.com> (prescriber)",
        "signed_at": iso(signed.signed_at),
        "version": 2,
        "dose_mg": "41.30",
    }
    row = plan_row(plan.pk)

    again = post(prescriber, url, {})

    assert again.status_code == 409
    assert problem(again) == {
        "type": "https://ketacare.org/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "status: this plan is already signed",
        "invalid_params": [{"name": "status", "reason": "this plan is already signed"}],
    }
    assert plan_row(plan.pk) == row
    assert AuditEvent.objects.filter(action="plan.sign").count() == 1


def test_a_nurse_cannot_sign_and_nothing_changes(cast: Cast, nurse: Client) -> None:
    screen_dan(cast)
    plan = draft_plan(cast)
    row = plan_row(plan.pk)

    response = post(nurse, f"/api/v1/plans/{plan.pk}/sign", {})

    assert response.status_code == 403
    assert problem(response) == {
        "type": "https://ketacare.org/problems/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "your role does not allow plan.sign",
    }
    assert plan_row(plan.pk) == row
    assert AuditEvent.objects.filter(action="plan.sign").count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"reason": "Field required"}),
        ({"reason": ""}, {"reason": "String should have at least 1 character"}),
        ({"reason": "   "}, {"reason": "say why the signed plan changes"}),
    ],
)
def test_a_revision_needs_a_reason(
    cast: Cast, prescriber: Client, body: dict[str, str], errors: dict[str, str]
) -> None:
    screen_dan(cast)
    plan = signed_plan(cast)
    before, row = written(), plan_row(plan.pk)

    response = post(prescriber, f"/api/v1/plans/{plan.pk}/revisions", body)

    assert invalid(response) == errors
    assert (written(), plan_row(plan.pk)) == (before, row)


def test_a_revision_is_a_new_draft_and_signing_it_supersedes_the_old(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    old = signed_plan(cast)
    reason = "Dissociation too strong at 0.5 mg/kg"

    response = post(prescriber, f"/api/v1/plans/{old.pk}/revisions", {"reason": reason})

    assert response.status_code == 201, response.content[:500]
    draft = TreatmentPlan.objects.get(previous=old)
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "id",
            "plan_version",
            "previous_id",
            "status",
            "change_reason",
            "version",
            "dose_mg",
            "signed_by",
            "signed_at",
        )
    } == {
        "id": draft.pk,
        "plan_version": 2,
        "previous_id": old.pk,
        "status": "draft",
        "change_reason": reason,
        "version": 1,
        "dose_mg": "41.30",
        "signed_by": "",
        "signed_at": None,
    }
    assert prescriber.get(f"/api/v1/plans/{old.pk}").json()["status"] == "signed"
    twice = post(prescriber, f"/api/v1/plans/{old.pk}/revisions", {"reason": "again"})
    assert twice.status_code == 409
    assert problem(twice)["detail"] == (
        "status: a new version of this plan is already being drafted"
    )
    assert patch(prescriber, f"/api/v1/plans/{draft.pk}", {"version": 1, "dose_mg": 33}).json()[
        "dose_mg"
    ] == ("33.00")

    signed = post(prescriber, f"/api/v1/plans/{draft.pk}/sign", {})

    assert signed.status_code == 200
    assert prescriber.get(f"/api/v1/plans/{old.pk}").json()["status"] == "superseded"
    assert TreatmentPlan.objects.get(pk=old.pk).dose_mg == Decimal("41.30")
    assert AuditEvent.objects.filter(action="plan.sign").order_by("id").last().data == {  # type: ignore[union-attr]
        "meaning": "approval of the treatment plan",
        "supersedes": old.pk,
    }


def test_only_a_signed_plan_gets_a_revision(cast: Cast, prescriber: Client) -> None:
    screen_dan(cast)
    plan = draft_plan(cast)
    before = written()

    response = post(prescriber, f"/api/v1/plans/{plan.pk}/revisions", {"reason": "new dose"})

    assert response.status_code == 409
    assert problem(response)["detail"] == (
        "status: only a signed plan gets a new version; this one is draft"
    )
    assert written() == before


def test_a_plan_of_another_clinic_is_404(cast: Cast, as_role: Any) -> None:
    intake_submit(cast.actor(cast.outsider), cast.erin.pk, fields=fields(), scales=scales())
    erins = plans.plan_create(
        cast.actor(cast.outsider), cast.erin.pk, protocol_id="depression-iv-induction"
    )
    row = plan_row(erins.pk)

    response = as_role("prescriber").get(f"/api/v1/plans/{erins.pk}")

    assert response.status_code == 404
    assert problem(response) == {
        "type": NOT_FOUND,
        "title": "Not found",
        "status": 404,
        "detail": "No such plan",
    }
    signing = post(as_role("prescriber"), f"/api/v1/plans/{erins.pk}/sign", {})
    assert signing.status_code == 404
    assert plan_row(erins.pk) == row


# --- alerts -----------------------------------------------------------------------------------


def _alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "patient_id": str(alert.patient_id),
        "kind": "suicidality",
        "severity": "high",
        "message": PHQ9_SI_ALERT,
        "created_at": iso(alert.created_at),
        "acknowledged_at": None,
        "acknowledgement_note": "",
    }


def test_the_alert_list_shows_the_open_alerts_of_the_callers_clinic(
    cast: Cast, as_role: Any
) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    intake_submit(
        cast.actor(cast.outsider), cast.erin.pk, fields=fields(), scales=scales(phq9=PHQ9_SI)
    )
    dans, erins = Alert.objects.get(patient=cast.dan), Alert.objects.get(patient=cast.erin)

    harbor = as_role("owner").get("/api/v1/alerts")
    lakeside = as_role("outsider").get("/api/v1/alerts")

    assert (harbor.status_code, lakeside.status_code) == (200, 200)
    assert harbor.json() == [_alert_out(dans)]
    assert lakeside.json() == [_alert_out(erins)]
    assert AuditEvent.objects.filter(action="alert.read").count() == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"note": "Field required"}),
        ({"note": ""}, {"note": "String should have at least 1 character"}),
        ({"note": "  "}, {"note": "say what was done (for example: safety plan reviewed)"}),
    ],
)
def test_acknowledging_an_alert_needs_a_note(
    cast: Cast, nurse: Client, body: dict[str, str], errors: dict[str, str]
) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()
    row = alert_row(alert.pk)

    response = post(nurse, f"/api/v1/alerts/{alert.pk}/acknowledge", body)

    assert invalid(response) == errors
    assert alert_row(alert.pk) == row
    assert AuditEvent.objects.filter(action="alert.acknowledge").count() == 0


def test_an_acknowledged_alert_leaves_the_list_and_a_second_acknowledgement_is_422(
    cast: Cast, nurse: Client
) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()
    url = f"/api/v1/alerts/{alert.pk}/acknowledge"

    response = post(nurse, url, {"note": f"  {ACK_NOTE} "})

    assert response.status_code == 200, response.content[:500]
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by_id == cast.nurse.user.pk
    assert response.json() == {
        **_alert_out(alert),
        "acknowledged_at": iso(alert.acknowledged_at),
        "acknowledgement_note": ACK_NOTE,
    }
    assert nurse.get("/api/v1/alerts").json() == []
    event = AuditEvent.objects.get(action="alert.acknowledge")
    assert (event.actor_id, event.reason) == (cast.nurse.user.pk, ACK_NOTE)
    row = alert_row(alert.pk)

    again = post(nurse, url, {"note": "Seen again"})

    assert invalid(again) == {"note": "this alert was already acknowledged"}
    assert alert_row(alert.pk) == row
    assert AuditEvent.objects.filter(action="alert.acknowledge").count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_the_intake_page_records_an_intake_and_goes_to_the_screening(
    cast: Cast, nurse: Client
) -> None:
    give_trials(cast)

    response = nurse.post(f"/patients/{cast.dan.pk}/intake/new/", intake_form())

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{cast.dan.pk}/screening/"
    intake = Intake.objects.get(patient=cast.dan)
    assert intake.number == 1
    # Age, sex, diagnoses and trials come from the chart; the rest from the form.
    assert {k: intake.document[k] for k in ("age_years", "sex", "diagnoses", "scores")} == {
        "age_years": DAN_AGE,
        "sex": "male",
        "diagnoses": ["F33.2"],
        "scores": {"phq9": 13, "gad7": 7, "cssrs_screener": 0},
    }
    assert [t["drug"] for t in intake.document["medication_trials"]] == [
        "sertraline",
        "venlafaxine",
    ]
    assert intake.document["vitals"] == {
        "systolic": 128,
        "diastolic": 82,
        "heart_rate": 72,
        "spo2": 98,
    }
    assert ScreeningResult.objects.get(intake=intake).treatment_resistant is True

    page = nurse.get(response["Location"])

    assert page.status_code == 200
    assert page.context["screening"].intake_id == intake.pk
    text = page.content.decode()
    assert "Intake 1 recorded and screened." in text
    assert "2 adequate failed trials: sertraline (SSRI, 8.0 weeks, 10.0 %)" in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weight_kg": "0"}, "weight_kg", "0 is outside the allowed range 25-350 kg"),
        (
            {"scale__phq9__9": "7"},
            "scale__phq9__9",
            "Select a valid choice. 7 is not one of the available choices.",
        ),
        ({"history__psychosis": None}, "history__psychosis", "This field is required."),
        (
            {"systolic": "80", "diastolic": "90"},
            "diastolic",
            "diastolic 90 must be below systolic 80 mmHg",
        ),
    ],
)
def test_a_bad_value_on_the_intake_page_is_shown_on_its_field_and_writes_nothing(
    cast: Cast, nurse: Client, change: dict[str, str | None], field: str, message: str
) -> None:
    before = written()
    data = {k: v for k, v in {**intake_form(), **change}.items() if v is not None}

    response = nurse.post(f"/patients/{cast.dan.pk}/intake/new/", data)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert written() == before


def test_the_plan_page_draws_this_patients_predicted_curve(cast: Cast, prescriber: Client) -> None:
    screen_dan(cast)
    plan = draft_plan(cast)
    expected = kamp(41.3)

    response = prescriber.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200
    text = response.content.decode()
    svg = re.search(r'<svg class="chart".*?</svg>', text, re.S)
    assert svg is not None
    points = re.search(r'<polyline class="series" points="([^"]*)"', svg.group(0))
    assert points is not None
    pairs = points.group(1).split(" ")
    assert len(pairs) == 221
    # From the plot's left edge at t=0 and zero concentration, to its right edge at 220 min.
    assert (pairs[0], pairs[-1].split(",")[0]) == ("70.0,244.0", "468.0")
    assert re.findall(r'<text class="band-label"[^>]*>(\w+)</text>', svg.group(0)) == [
        "Analgesia",
        "Dissociation",
    ]
    assert (
        f"Peak {round(expected.cmax_ng_per_ml, 1)} ng/mL at {round(expected.tmax_min, 1)} min"
        in text
    )
    assert 'id="prior-auth"' not in text
    assert AuditEvent.objects.filter(action="plan.read", target_id=str(plan.pk)).count() == 1


def test_an_esketamine_plan_page_names_what_prior_authorisation_is_missing(
    cast: Cast, prescriber: Client
) -> None:
    give_trials(cast)
    screen_dan(cast)
    plan = draft_plan(cast, "esketamine-trd-induction")

    missing = prescriber.get(f"/plans/{plan.pk}/").content.decode()

    assert "Missing: SPRAVATO REMS patient enrolment on file; Payer and member id." in missing
    assert re.findall(r'<tr class="pa-(\w+)"><td data-label="Criterion">([^<]*)</td>', missing) == [
        ("met", "Diagnosis: major depressive disorder (ICD-10-CM F32/F33)"),
        ("met", "Age 18 or over"),
        (
            "met",
            "&gt;= 2 different failed antidepressants (&lt;= 25 % improvement, "
            "&gt;= 6 weeks at adequate dose, current episode)",
        ),
        ("missing", "SPRAVATO REMS patient enrolment on file"),
        ("missing", "Payer and member id"),
    ]
    actor = cast.actor(cast.front_desk)
    patients.part_create(
        actor,
        cast.dan.pk,
        "consents",
        data={
            "kind": "spravato_rems_enrollment",
            "status": "given",
            "signed_on": date(2025, 1, 10),
            "form_version": "2025-01",
        },
    )
    patients.part_create(
        actor,
        cast.dan.pk,
        "coverage",
        data={
            "payer_name": "Aetna",
            "member_id": "W100200300",
            "is_primary": True,
            "start_date": date(2025, 1, 1),
        },
    )

    complete = prescriber.get(f"/plans/{plan.pk}/").content.decode()

    assert "Every item is on the chart." in complete
    assert "Missing:" not in complete
    assert "Aetna, member W100200300" in complete


def test_signing_a_signed_plan_on_its_page_is_409_with_the_reason(
    cast: Cast, prescriber: Client
) -> None:
    screen_dan(cast)
    plan = signed_plan(cast)
    row = plan_row(plan.pk)

    response = prescriber.post(f"/plans/{plan.pk}/sign/")

    assert response.status_code == 409
    assert '<div class="banner banner-bad" role="alert">this plan is already signed</div>' in (
        response.content.decode()
    )
    assert plan_row(plan.pk) == row


def test_the_alerts_page_lists_an_open_alert_until_it_is_acknowledged_with_a_note(
    cast: Cast, nurse: Client
) -> None:
    screen_dan(cast, phq9=PHQ9_SI)
    alert = Alert.objects.get()

    listed = nurse.get("/alerts/")

    assert listed.status_code == 200
    assert [a.pk for a in listed.context["alerts"]] == [alert.pk]
    assert f'id="alert-{alert.pk}"' in listed.content.decode()
    assert f"<p>{PHQ9_SI_ALERT}</p>" in listed.content.decode()
    url = f"/alerts/{alert.pk}/acknowledge/"

    no_note = nurse.post(url, {"note": " "})

    assert no_note.status_code == 400
    assert "say what was done (for example: safety plan reviewed)" in no_note.content.decode()
    assert Alert.objects.get().acknowledged_at is None

    done = nurse.post(url, {"note": ACK_NOTE})

    assert done.status_code == 302
    assert done["Location"] == "/alerts/"
    assert Alert.objects.get().acknowledgement_note == ACK_NOTE
    after = nurse.get("/alerts/")
    assert list(after.context["alerts"]) == []
    assert "No open alerts" in after.content.decode()
    assert "Alert acknowledged." in after.content.decode()
