"""Treatment plans: protocol choice against the screening, dose and curve, signing, versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.accounts import settings_versions
from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted
from ketacare.pk import Patient as PkPatient
from ketacare.pk import Regimen, simulate, uniform_grid
from ketacare.screening.queries import latest_screening
from ketacare.screening.services import intake_submit
from ketacare.treatment import services
from ketacare.treatment.models import TreatmentPlan
from tests.candidacy import fields, give_trials, scales
from tests.conftest import Cast
from tests.screening.test_intake import DAN_AGE


def _kamp(dose_mg: float):  # type: ignore[no-untyped-def]
    return simulate(
        "kamp2020",
        Regimen.single("iv", dose_mg=dose_mg, over_min=40),
        PkPatient(weight_kg=82.5, age_years=DAN_AGE, sex="male"),
        uniform_grid(until_min=220, step_min=1),
    )


@pytest.fixture
def screened(cast: Cast) -> Cast:
    give_trials(cast)
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    return cast


def test_an_eligible_protocol_gives_the_dose_and_this_patients_curve(screened: Cast) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber),
        cast.dan.pk,
        protocol_id="depression-iv-induction",
        integrative_items=[
            {
                "kind": "integration",
                "description": "Integration session after each infusion",
                "frequency": "weekly",
            }
        ],
    )
    plan = TreatmentPlan.objects.get(pk=plan.pk)
    assert plan.status == "draft"
    # 0.5 mg/kg x 82.5 kg = 41.25 mg (Sanacora 2017), given to 0.1 mg.
    assert plan.dose_mg == Decimal("41.30")
    assert plan.dose["duration_min"] == 40
    assert plan.dose["rate_mg_per_h"] == 62.0
    assert plan.screening_decision == "eligible"
    assert plan.override_reason == ""
    expected = _kamp(41.3)
    assert plan.curve["model"] == "kamp2020"
    assert len(plan.curve["t_min"]) == 221
    assert plan.curve["cmax_ng_per_ml"] == round(expected.cmax_ng_per_ml, 1)
    assert plan.curve["conc_ng_per_ml"][40] == round(float(expected.conc_ng_per_ml[40]), 2)
    assert [b["name"] for b in plan.curve["bands"]] == ["analgesia", "dissociation", "anaesthesia"]
    assert [(p["protocol"], p["phase"]) for p in plan.course] == [
        ("depression-iv-induction", "induction"),
        ("depression-iv-maintenance", "maintenance"),
    ]
    assert plan.course[0]["sessions"] == 6
    assert plan.integrative_items == [
        {
            "kind": "integration",
            "description": "Integration session after each infusion",
            "frequency": "weekly",
        }
    ]
    assert AuditEvent.objects.filter(action="plan.create", patient_id=cast.dan.pk).count() == 1


def test_a_protocol_the_screening_does_not_open_needs_a_reason(cast: Cast) -> None:
    # No medication trials: not treatment-resistant, so Spravato's TRD indication is not met.
    intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(medication_trials=[]), scales=scales()
    )
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            cast.actor(cast.prescriber), cast.dan.pk, protocol_id="esketamine-trd-induction"
        )
    assert list(caught.value.errors) == ["override_reason"]
    assert caught.value.errors["override_reason"].startswith(
        "required: the screening says not eligible for Esketamine (Spravato) nasal spray ("
    )
    assert TreatmentPlan.objects.count() == 0
    plan = services.plan_create(
        cast.actor(cast.prescriber),
        cast.dan.pk,
        protocol_id="esketamine-trd-induction",
        override_reason="Two failed trials documented by the referring "
        "psychiatrist; records requested",
    )
    assert plan.screening_decision == "not_eligible"
    assert plan.override_reason.startswith("Two failed trials documented")
    assert (plan.dose_mg, plan.dose["devices"]) == (Decimal("56.00"), 2)
    assert plan.curve["model"] == "perez_ruixo2021"
    assert plan.curve["bands"] == []
    assert AuditEvent.objects.filter(action="plan.create").get().reason == plan.override_reason


def test_a_protocol_for_another_age_is_refused_by_the_dose_rules(screened: Cast) -> None:
    cast = screened
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            cast.actor(cast.prescriber),
            cast.dan.pk,
            protocol_id="esketamine-trd-induction-65-plus",
            override_reason="trying the lower start",
        )
    assert caught.value.errors == {
        "age_years": (
            f"{DAN_AGE} is outside protocol esketamine-trd-induction-65-plus's ages 65+; "
            "use esketamine-trd-induction"
        )
    }
    assert TreatmentPlan.objects.count() == 0


def test_without_a_screening_every_protocol_needs_a_reason(cast: Cast) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
        )
    assert "no intake has been screened" in caught.value.errors["override_reason"]


def test_a_dose_outside_the_protocol_is_refused(screened: Cast) -> None:
    cast = screened
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            cast.actor(cast.prescriber),
            cast.dan.pk,
            protocol_id="depression-iv-induction",
            dose_mg=120,
        )
    assert list(caught.value.errors) == ["dose_mg"]
    assert TreatmentPlan.objects.count() == 0


def test_no_weight_on_the_chart_is_refused(screened: Cast) -> None:
    cast = screened
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            cast.actor(cast.prescriber),
            cast.zoe.pk,
            protocol_id="depression-iv-induction",
            override_reason="urgent",
        )
    assert caught.value.errors == {
        "weight_kg": "no weight on the chart: record the patient's weight first"
    }


def test_an_unknown_protocol_is_named(screened: Cast) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            screened.actor(screened.prescriber),
            screened.dan.pk,
            protocol_id="depression-iv-forever",
        )
    assert list(caught.value.errors) == ["protocol"]


def test_adjusting_a_draft_recalculates_dose_and_curve(screened: Cast) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    plan = services.plan_update(
        cast.actor(cast.prescriber), plan.pk, expected_version=1, dose_mg=50
    )
    assert plan.dose_mg == Decimal("50.00")
    assert plan.version == 2
    assert plan.curve["cmax_ng_per_ml"] == round(_kamp(50.0).cmax_ng_per_ml, 1)
    event = AuditEvent.objects.filter(action="plan.update").get()
    assert event.changes == {"dose_mg": ["41.30", 50.0]}


def test_signing_locks_the_plan(screened: Cast) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    signed = services.plan_sign(cast.actor(cast.prescriber), plan.pk)
    assert signed.status == "signed"
    assert signed.signed_by_label == "Dr Bob Prescriber <bob@example.com> (prescriber)"
    with pytest.raises(Conflict, match="this plan is already signed"):
        services.plan_sign(cast.actor(cast.prescriber), plan.pk)
    with pytest.raises(Conflict, match="start a new version to change it"):
        services.plan_update(
            cast.actor(cast.prescriber), plan.pk, expected_version=signed.version, dose_mg=30
        )
    assert TreatmentPlan.objects.get(pk=plan.pk).dose_mg == Decimal("41.30")
    assert AuditEvent.objects.filter(action="plan.sign").count() == 1


def test_a_nurse_cannot_sign(screened: Cast) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    with pytest.raises(NotPermitted):
        services.plan_sign(cast.actor(cast.nurse), plan.pk)
    assert TreatmentPlan.objects.get(pk=plan.pk).status == "draft"


def test_a_change_to_a_signed_plan_is_a_new_version_with_its_reason(screened: Cast) -> None:
    cast = screened
    prescriber = cast.actor(cast.prescriber)
    plan = services.plan_create(prescriber, cast.dan.pk, protocol_id="depression-iv-induction")
    services.plan_sign(prescriber, plan.pk)
    with pytest.raises(FieldErrors):
        services.plan_revise(prescriber, plan.pk, reason="  ")
    draft = services.plan_revise(prescriber, plan.pk, reason="Dissociation too strong at 0.5 mg/kg")
    assert (draft.plan_version, draft.status, draft.previous_id) == (2, "draft", plan.pk)
    with pytest.raises(Conflict, match="already being drafted"):
        services.plan_revise(prescriber, plan.pk, reason="again")
    services.plan_update(prescriber, draft.pk, expected_version=1, dose_mg=33)
    signed_version = TreatmentPlan.objects.get(pk=plan.pk).version
    services.plan_sign(prescriber, draft.pk)
    superseded = TreatmentPlan.objects.get(pk=plan.pk)
    # Superseding is a change of the old plan: a new edit version, like any other.
    assert (superseded.status, superseded.version) == ("superseded", signed_version + 1)
    assert TreatmentPlan.objects.get(pk=draft.pk).status == "signed"
    assert TreatmentPlan.objects.get(pk=plan.pk).dose_mg == Decimal("41.30")


def test_suicidal_ideation_protocols_need_the_suicidal_ideation_diagnosis(screened: Cast) -> None:
    cast = screened
    from ketacare.clinical import get_protocol
    from ketacare.treatment.choices import choice_for

    screening = latest_screening(cast.dan)
    for protocol_id in ("esketamine-mdsi", "suicidal-ideation-iv"):
        choice = choice_for(get_protocol(protocol_id), screening, DAN_AGE)
        assert choice.decision == "needs_prescriber_review"
        assert choice.reasons[-1]["message"] == (
            "this protocol is for depression with suicidal ideation (R45.851), which the "
            "intake's diagnoses (F33.2) do not include"
        )
    assert choice_for(get_protocol("depression-iv-induction"), screening, DAN_AGE).open is True


def test_a_concentration_gives_the_volume_and_the_pump_rate(screened: Cast) -> None:
    cast = screened
    prescriber = cast.actor(cast.prescriber)
    plan = services.plan_create(
        prescriber, cast.dan.pk, protocol_id="depression-iv-induction", concentration_mg_per_ml=10
    )
    # 41.3 mg at 10 mg/mL over 40 minutes.
    assert (plan.dose["volume_ml"], plan.dose["rate_ml_per_h"]) == (4.13, 6.2)
    plan = services.plan_update(prescriber, plan.pk, expected_version=1, concentration_mg_per_ml=50)
    assert (plan.dose["volume_ml"], plan.dose["concentration_mg_per_ml"]) == (0.83, 50)
    assert AuditEvent.objects.filter(action="plan.update").get().changes == {
        "concentration_mg_per_ml": [10, 50]
    }
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            prescriber,
            cast.dan.pk,
            protocol_id="esketamine-trd-induction",
            concentration_mg_per_ml=10,
        )
    assert list(caught.value.errors) == ["concentration_mg_per_ml"]


def test_refused_attempts_are_audited_and_write_nothing(screened: Cast) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    services.plan_sign(cast.actor(cast.prescriber), plan.pk)
    attempts = [
        (
            lambda: services.plan_sign(cast.actor(cast.nurse), plan.pk),
            "plan.sign",
            "NotPermitted",
        ),
        (lambda: services.plan_sign(cast.actor(cast.prescriber), plan.pk), "plan.sign", "Conflict"),
        (
            lambda: services.plan_update(
                cast.actor(cast.prescriber), plan.pk, expected_version=2, dose_mg=30
            ),
            "plan.update",
            "Conflict",
        ),
        (
            lambda: services.plan_create(
                cast.actor(cast.prescriber),
                cast.dan.pk,
                protocol_id="depression-iv-induction",
                dose_mg=500,
            ),
            "plan.create",
            "FieldErrors",
        ),
    ]
    before = TreatmentPlan.objects.values().get()
    for attempt, action, refusal in attempts:
        with pytest.raises((NotPermitted, Conflict, FieldErrors)):
            attempt()
        event = AuditEvent.objects.order_by("-id").first()
        assert event is not None
        assert (event.action, event.outcome) == ("write.refused", "refused")
        assert (event.data["attempted"], event.data["refused"]) == (action, refusal)
    assert TreatmentPlan.objects.values().get() == before
    assert AuditEvent.objects.filter(action="write.refused").count() == 4


def test_the_plan_uses_the_clinics_obesity_bmi_and_states_the_basis(screened: Cast) -> None:
    """``obesity_bmi_kg_per_m2`` (WHO TRS 894 class I, 30 by default) is the clinic's: at 25 the
    chart's BMI 25.5 counts, and the dose says the protocol keeps actual weight (Freeman 2020:
    no ketamine source gives another basis)."""
    cast = screened
    default = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    assert default.dose["bmi_kg_per_m2"] == 25.5
    assert default.dose["weight_basis_note"] == "actual body weight 82.5 kg (the protocol's basis)"
    settings_versions.settings_change(
        cast.actor(cast.owner),
        expected_version=1,
        changes={"obesity_bmi_kg_per_m2": 25.0},
        reason="our obesity clinic doses from BMI 25",
    )
    lowered = services.plan_create(
        cast.actor(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )
    assert lowered.dose["weight_basis_note"] == (
        "actual body weight 82.5 kg (the protocol's basis; BMI 25.5 >= 25, and its sources give "
        "no other basis for obesity)"
    )
    assert (lowered.dose["cap_note"], lowered.dose_mg) == (None, Decimal("41.30"))
