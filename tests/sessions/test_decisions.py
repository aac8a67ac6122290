"""The prescriber's decisions at the chair: only a prescriber decides, always with a reason,
and each kind only where it applies."""

from __future__ import annotations

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotPermitted
from ketacare.sessions import services
from ketacare.sessions.models import Decision

from .world import Chair, infusion, open_chair

DISCHARGE_CODES = (
    "observation_time, sedation_resolved, bp_near_baseline, heart_rate_acceptable, "
    "spo2_acceptable, dissociation_resolved, ambulating, escort_present, "
    "clinician_assessed_ready, no_unresolved_stop, alerts_acknowledged"
)


def _decide(chair: Chair, kind: str, *, actor=None, reason: str = "seen and reviewed", **kwargs):
    return services.decision_record(
        actor or chair.prescriber, chair.session.pk, kind=kind, reason=reason, **kwargs
    )


def _hold(chair: Chair) -> None:
    chair.vitals(-3, systolic_mmhg=150, diastolic_mmhg=85)
    chair.at(-1)
    chair.predose()


@pytest.mark.django_db
def test_only_a_prescriber_decides(day, clock) -> None:
    chair = open_chair(day, clock)
    _hold(chair)
    with pytest.raises(NotPermitted):
        _decide(chair, Decision.Kind.PREDOSE_RELEASE, actor=chair.nurse)
    assert not Decision.objects.exists()
    (refusal,) = AuditEvent.objects.filter(
        action="write.refused", data__attempted="session.decision"
    )
    assert (refusal.actor_id, refusal.data["refused"]) == (
        chair.cast.nurse.user_id,
        "NotPermitted",
    )


@pytest.mark.django_db
def test_a_release_is_recorded_with_its_reason_and_audited(day, clock) -> None:
    chair = open_chair(day, clock)
    _hold(chair)
    decision, view = _decide(
        chair, Decision.Kind.PREDOSE_RELEASE, reason="  his   usual BP;  benefit outweighs "
    )
    row = Decision.objects.get()
    assert (row.kind, row.reason, row.decided_by_id, row.decided_by_label) == (
        "predose_release",
        "his usual BP; benefit outweighs",
        chair.cast.prescriber.user_id,
        chair.prescriber.label,
    )
    event = AuditEvent.objects.get(action="session.decision")
    assert (event.data, event.reason) == (
        {"session": chair.session.pk, "kind": "predose_release", "subject": ""},
        "his usual BP; benefit outweighs",
    )


@pytest.mark.django_db
def test_a_release_or_decline_needs_a_hold(day, clock) -> None:
    chair = open_chair(day, clock)
    with pytest.raises(Conflict) as no_check:
        _decide(chair, Decision.Kind.PREDOSE_DECLINE)
    assert no_check.value.message == "chart the pre-dose checklist first"
    chair.vitals(-3)
    chair.predose()
    for kind in (Decision.Kind.PREDOSE_RELEASE, Decision.Kind.PREDOSE_DECLINE):
        with pytest.raises(Conflict) as go:
            _decide(chair, kind)
        assert go.value.message == "the pre-dose decision is go: there is no hold to decide"
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_a_reason_is_required_and_the_kind_must_be_known(day, clock) -> None:
    chair = open_chair(day, clock)
    _hold(chair)
    with pytest.raises(FieldErrors) as refused:
        _decide(chair, "override_everything", reason=" ok ")
    assert refused.value.errors == {
        "kind": "one of: predose_release, predose_decline, dose_order, stop_cleared, "
        "criterion_override",
        "reason": "say why, in 3-1000 characters",
    }
    with pytest.raises(FieldErrors) as long:
        _decide(chair, Decision.Kind.PREDOSE_RELEASE, reason="x" * 1001)
    assert long.value.errors == {"reason": "say why, in 3-1000 characters"}
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_a_dose_order_names_a_dose_within_range(day, clock) -> None:
    chair = open_chair(day, clock)
    _hold(chair)
    cases = [
        ({}, {"detail": "name the dose ordered: dose_mg, rate_mg_per_h, or both"}),
        ({"dose_mg": 0}, {"detail.dose_mg": "must be above 0 and at most 600"}),
        ({"rate_mg_per_h": "fast"}, {"detail.rate_mg_per_h": "must be above 0 and at most 600"}),
        (
            {"dose_mg": 601, "rate_mg_per_h": 700},
            {
                "detail.dose_mg": "must be above 0 and at most 600",
                "detail.rate_mg_per_h": "must be above 0 and at most 600",
            },
        ),
        ({"dose_mg": 50, "devices": 3}, {"detail": "unknown field(s): devices"}),
    ]
    for detail, errors in cases:
        with pytest.raises(FieldErrors) as refused:
            _decide(chair, Decision.Kind.DOSE_ORDER, detail=detail)
        assert refused.value.errors == errors, detail
    order, _ = _decide(
        chair, Decision.Kind.DOSE_ORDER, detail={"dose_mg": "50", "rate_mg_per_h": 75}
    )
    assert Decision.objects.get().detail == {"dose_mg": 50.0, "rate_mg_per_h": 75.0}
    assert AuditEvent.objects.get(action="session.decision").data == {
        "session": chair.session.pk,
        "kind": "dose_order",
        "subject": "",
        "dose_mg": 50.0,
        "rate_mg_per_h": 75.0,
    }


@pytest.mark.django_db
def test_a_stop_is_cleared_only_when_one_is_open(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.at(5)
    with pytest.raises(Conflict) as none_open:
        _decide(chair, Decision.Kind.STOP_CLEARED)
    assert none_open.value.message == "no stop is open"
    chair.vitals(10, systolic_mmhg=185, diastolic_mmhg=100)
    chair.vitals(16, systolic_mmhg=186, diastolic_mmhg=100)
    chair.at(20)
    _, view = _decide(chair, Decision.Kind.STOP_CLEARED, reason="recheck 150/90")
    assert view.judgement.open_stops == ()
    with pytest.raises(Conflict):
        _decide(chair, Decision.Kind.STOP_CLEARED)
    assert Decision.objects.filter(kind="stop_cleared").count() == 1
    # A stop that fires after the clearance is open again.
    chair.vitals(25, systolic_mmhg=205, diastolic_mmhg=100)
    chair.at(26)
    _, view = _decide(chair, Decision.Kind.STOP_CLEARED, reason="recheck 160/95")
    assert Decision.objects.filter(kind="stop_cleared").count() == 2


@pytest.mark.django_db
def test_a_criterion_override_names_a_criterion_of_the_protocol(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    with pytest.raises(FieldErrors) as refused:
        _decide(chair, Decision.Kind.CRITERION_OVERRIDE, subject="bp_at_40_min")
    assert refused.value.errors == {
        "subject": "the discharge criterion overridden, one of: " + DISCHARGE_CODES
    }
    decision, _ = _decide(
        chair, Decision.Kind.CRITERION_OVERRIDE, subject="escort_present", reason="taxi booked"
    )
    assert (decision.kind, decision.subject) == ("criterion_override", "escort_present")
