"""Discharge: refused naming each unmet criterion (nothing written), passed by a prescriber's
override (kept in the checks), never with an infusion running; it completes the appointment
and drafts the note from the chart."""

from __future__ import annotations

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors, NotYet
from ketacare.scheduling.models import Appointment
from ketacare.sessions import discharge, services
from ketacare.sessions.models import Decision, Discharge, Phase, SessionNote

from .steps import CONFIRMED, discharged, dosed, ready
from .world import Chair, infusion, open_chair


def _discharge(chair: Chair, **confirmed):
    return discharge.discharge_record(
        chair.nurse, chair.session.pk, left_with_name="Dana Dawson", **confirmed
    )


def _nothing_written(chair: Chair) -> None:
    session = chair.refresh()
    assert (session.phase, session.discharged_at) == (Phase.OBSERVING, None)
    assert not Discharge.objects.exists()
    assert not SessionNote.objects.exists()
    assert Appointment.objects.get(pk=chair.appointment.pk).status == "checked_in"
    assert not AuditEvent.objects.filter(action="session.discharge").exists()


@pytest.mark.django_db
def test_discharge_is_refused_naming_each_unmet_criterion(day, clock) -> None:
    chair = open_chair(day, clock)
    dosed(chair)
    chair.vitals(50)
    with pytest.raises(NotYet) as refused:
        _discharge(chair)
    assert refused.value.conflicts == {
        "observation_time": "10 of 60 min observed since dosing ended.",
        "dissociation_resolved": "Dissociation not yet confirmed resolved.",
        "ambulating": "Safe walking not yet confirmed.",
        "clinician_assessed_ready": (
            "A clinician has not yet assessed stability and readiness to leave."
        ),
    }
    _nothing_written(chair)
    assert (
        AuditEvent.objects.filter(
            action="write.refused", data__attempted="session.discharge"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_the_confirmations_alone_do_not_shorten_the_observation(day, clock) -> None:
    chair = open_chair(day, clock)
    dosed(chair)
    chair.vitals(50)
    with pytest.raises(NotYet) as refused:
        _discharge(chair, **CONFIRMED)
    assert list(refused.value.conflicts) == ["observation_time"]
    _nothing_written(chair)


@pytest.mark.django_db
def test_a_prescribers_override_lets_discharge_pass_and_is_kept(day, clock) -> None:
    chair = open_chair(day, clock)
    dosed(chair)
    chair.vitals(50)
    chair.at(51)
    services.decision_record(
        chair.prescriber,
        chair.session.pk,
        kind=Decision.Kind.CRITERION_OVERRIDE,
        subject="observation_time",
        reason="fully alert at 10 min; ride waiting",
    )
    row = _discharge(chair, **CONFIRMED)
    checks = {c["code"]: (c["met"], c["overridden"]) for c in row.checks}
    assert checks == {
        "observation_time": (False, True),
        "sedation_resolved": (True, False),
        "bp_near_baseline": (True, False),
        "heart_rate_acceptable": (True, False),
        "spo2_acceptable": (True, False),
        "dissociation_resolved": (True, False),
        "ambulating": (True, False),
        "escort_present": (True, False),
        "clinician_assessed_ready": (True, False),
        "no_unresolved_stop": (True, False),
        "alerts_acknowledged": (True, False),
    }
    assert AuditEvent.objects.get(action="session.discharge").data["overridden"] == [
        "observation_time"
    ]
    note = SessionNote.objects.get(session=chair.session)
    assert "Criteria overridden by the prescriber: observation_time." in note.body.splitlines()


@pytest.mark.django_db
def test_no_discharge_while_an_infusion_runs_or_before_any_dose(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    with pytest.raises(Conflict) as no_dose:
        _discharge(chair, **CONFIRMED)
    assert no_dose.value.message == "no dose was charted: close the appointment instead"
    infusion(chair, 0)
    chair.at(90)
    with pytest.raises(Conflict) as running:
        _discharge(chair, **CONFIRMED)
    assert running.value.message == "an infusion is still running: chart its end first"
    assert not Discharge.objects.exists()
    assert chair.refresh().phase == Phase.DOSING


@pytest.mark.django_db
def test_bad_discharge_input_is_refused(day, clock) -> None:
    chair = open_chair(day, clock)
    ready(chair)
    with pytest.raises(FieldErrors) as refused:
        discharge.discharge_record(
            chair.nurse,
            chair.session.pk,
            left_with_name=" D ",
            left_with_relation="x" * 81,
            ready_without_rule_min=2000,
            **CONFIRMED,
        )
    assert refused.value.errors == {
        "left_with_name": "who the patient leaves with: 2-200 characters",
        "left_with_relation": "at most 80 characters",
        "ready_without_rule_min": "minutes after the first dose, 0-1440",
    }
    _nothing_written(chair)


@pytest.mark.django_db
def test_discharge_closes_the_session_completes_the_appointment_and_drafts_the_note(
    day, clock
) -> None:
    chair = open_chair(day, clock)
    row = discharged(chair)
    session = chair.refresh()
    assert (session.phase, session.discharged_at, row.discharged_at) == (
        Phase.DISCHARGED,
        chair.at(100),
        chair.at(100),
    )
    assert (row.left_with_name, row.left_with_relation, row.discharged_by_label) == (
        "Dana Dawson",
        "sister",
        chair.nurse.label,
    )
    assert Appointment.objects.get(pk=chair.appointment.pk).status == "completed"
    note = SessionNote.objects.get(session=session)
    assert (note.version, note.signed_at) == (1, None)
    calm = "BP 122/78, HR 72, SpO2 98%, RR 14"
    assert note.body == "\n".join(
        [
            "Treatment session 2026-03-02 at Harbor Ketamine Clinic: depression-iv-induction "
            "(plan v1, protocol v1).",
            "Weight today 82.5 kg.",
            "Pre-dose decision: proceed.",
            "",
            "Doses:",
            "- Infusion 41.3 mg Ketamine HCl injection 50 mg/mL, 10 mL vial (lot KV-2411) at "
            "62 mg/h, 09:00-09:40.",
            "",
            "Vital signs:",
            *(
                f"- {hhmm}: {calm}"
                for hhmm in ("08:57", "09:10", "09:20", "09:30", "09:40", "09:55", "10:10")
            ),
            f"- 10:25: {calm}",
            f"- 10:40: {calm}",
            "",
            "Sedation and dissociation:",
            "- 09:30: MOAA/S 5",
            "- 10:40: MOAA/S 5",
            "- 10:40: CADSS 0",
            "",
            "Events:",
            "- None.",
            "",
            f"Discharged 10:40 by {chair.nurse.label}, with Dana Dawson (sister).",
            "",
        ]
    )
