"""Charting at the chair: vital signs (impossible refused, unusual flagged), late entries in
their measured place, MOAA/S and CADSS, events, acknowledgements, and nothing after
discharge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, FieldErrors
from ketacare.sessions import charting
from ketacare.sessions.chart import load_chart
from ketacare.sessions.models import Acknowledgement, Event, Observation, VitalSign

from .steps import discharged
from .world import CALM, Chair, infusion, open_chair

ALL_23 = [str(item) for item in range(1, 24)]


def _vitals(chair: Chair, **values):
    return charting.vitals_record(chair.nurse, chair.session.pk, **values)


IMPOSSIBLE = [
    (
        {"systolic_mmhg": 400, "diastolic_mmhg": 80},
        {"systolic_mmhg": "400 is outside the allowed range 40-300 mmHg"},
    ),
    (
        {"systolic_mmhg": 120},
        {"systolic_mmhg": "blood pressure needs both systolic_mmhg and diastolic_mmhg"},
    ),
    (
        {"systolic_mmhg": 80, "diastolic_mmhg": 90},
        {"systolic_mmhg": "diastolic_mmhg 90 must be below systolic_mmhg 80"},
    ),
    (
        {"spo2_percent": 101, "heart_rate_bpm": 5, "respiratory_rate_per_min": 90},
        {
            "heart_rate_bpm": "5 is outside the allowed range 20-250 beats/min",
            "spo2_percent": "101 is outside the allowed range 50-100 %",
            "respiratory_rate_per_min": "90 is outside the allowed range 0-80 breaths/min",
        },
    ),
    (
        {"temperature_c": 50, "pain_nrs": 11, "mood": 3},
        {
            "temperature_c": "must be 30.0-43.0 °C",
            "pain_nrs": "must be a whole number 0-10",
            "mood": "unknown field",
        },
    ),
    ({}, {"vitals": "give at least one vital sign"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "errors"), IMPOSSIBLE)
def test_impossible_vitals_are_refused_naming_field_and_range(day, clock, values, errors):
    chair = open_chair(day, clock)
    with pytest.raises(FieldErrors) as refused:
        _vitals(chair, **values)
    assert refused.value.errors == errors
    assert not VitalSign.objects.exists()
    assert (
        AuditEvent.objects.filter(action="write.refused", data__attempted="session.vitals").count()
        == 1
    )


@pytest.mark.django_db
def test_unusual_vitals_are_saved_and_flagged(day, clock) -> None:
    chair = open_chair(day, clock)
    vital, _ = _vitals(
        chair, heart_rate_bpm=160, spo2_percent=75, respiratory_rate_per_min=40, temperature_c=38.6
    )
    assert VitalSign.objects.get(pk=vital.pk).flags == [
        "heart_rate_bpm: heart_rate_bpm 160 is unusual (typical 40-150 beats/min); confirm it",
        "spo2_percent: spo2_percent 75 is unusual (typical 85-100 %); confirm it",
        "respiratory_rate_per_min: respiratory_rate_per_min 40 is unusual (typical 8-30 "
        "breaths/min); confirm it",
        "temperature_c: 38.6 °C is outside the usual 35.5-38.0 °C",
    ]
    calm, _ = _vitals(chair, **CALM)
    assert calm.flags == []


@pytest.mark.django_db
def test_a_late_entry_is_marked_and_lands_at_its_measured_time(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.vitals(10)
    chair.vitals(20, systolic_mmhg=130, diastolic_mmhg=80)
    now = chair.at(22)
    late, _ = _vitals(
        chair, measured_at=now - timedelta(minutes=10), systolic_mmhg=150, diastolic_mmhg=95
    )
    on_time, _ = _vitals(chair, measured_at=now - timedelta(minutes=4), heart_rate_bpm=80)
    assert (late.late, late.measured_at, late.entered_at) == (True, chair.at(12), chair.at(22))
    assert on_time.late is False
    chart = load_chart(chair.refresh())
    assert [(v.measured_at - chair.at(0)).total_seconds() / 60 for v in chart.vitals] == [
        -3,
        10,
        12,
        18,
        20,
    ]
    assert [v.systolic_mmhg for v in chart.vitals] == [122, 122, 150, None, 130]


@pytest.mark.django_db
def test_a_measured_time_outside_the_session_is_refused(day, clock) -> None:
    """From 30 minutes before the session opened (08:55) to now, with 2 minutes' grace."""
    chair = open_chair(day, clock)
    now = chair.at(0)
    for measured in (chair.at(-36), now + timedelta(minutes=3)):
        chair.at(0)
        with pytest.raises(FieldErrors) as refused:
            _vitals(chair, measured_at=measured, **CALM)
        assert refused.value.errors == {
            "measured_at": "must be between 08:25 (30 min before the session opened) and now "
            "(09:00)"
        }
    chair.at(0)
    grace, _ = _vitals(chair, measured_at=now + timedelta(minutes=2), **CALM)
    earliest, _ = _vitals(chair, measured_at=chair.at(-35), **CALM)
    assert VitalSign.objects.count() == 2


@pytest.mark.django_db
def test_moaas_by_score_and_cadss_by_its_23_items(day, clock) -> None:
    chair = open_chair(day, clock)
    moaas, _ = charting.observation_record(
        chair.nurse, chair.session.pk, instrument="moaas", score_value=4
    )
    assert (moaas.score, moaas.answers, moaas.instrument_version) == (4, None, 1)
    answers = {item: int(item) % 5 for item in ALL_23}
    cadss, _ = charting.observation_record(
        chair.nurse, chair.session.pk, instrument="cadss", answers=answers
    )
    # 4 x (1+2+3+4+0) + (1+2+3) for items 1-23.
    assert (cadss.score, cadss.answers) == (46, answers)
    every_four, _ = charting.observation_record(
        chair.nurse, chair.session.pk, instrument="cadss", answers=dict.fromkeys(ALL_23, 4)
    )
    assert every_four.score == 92


OBSERVATION_ERRORS = [
    (
        {"instrument": "cadss", "answers": dict.fromkeys(ALL_23[:-1], 1)},
        {
            "answers": "CADSS item 23 unanswered; All 23 items are required: a CADSS with an "
            "unrated item is not scored (never counted as 0). There are no official severity "
            "bands; the total and the CADSS-6 subscale are reported."
        },
    ),
    (
        {"instrument": "cadss", "answers": {**dict.fromkeys(ALL_23, 1), "5": 9}},
        {"answers.5": "9 is not an allowed answer for CADSS item 5 (Item 5); allowed: 0-4"},
    ),
    ({"instrument": "moaas", "score_value": 6}, {"score": "must be 0-5 for MOAA/S"}),
    ({"instrument": "cadss", "score_value": 93}, {"score": "must be 0-92 for CADSS"}),
    (
        {"instrument": "moaas", "score_value": 5, "answers": {"1": 5}},
        {"score": "give the item answers or the total, not both"},
    ),
    ({"instrument": "moaas"}, {"score": "give the item answers or the total"}),
    ({"instrument": "bis", "score_value": 60}, {"instrument": "one of: moaas, cadss"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("arguments", "errors"), OBSERVATION_ERRORS)
def test_a_bad_rating_is_refused(day, clock, arguments, errors) -> None:
    chair = open_chair(day, clock)
    with pytest.raises(FieldErrors) as refused:
        charting.observation_record(chair.nurse, chair.session.pk, **arguments)
    assert refused.value.errors == errors
    assert not Observation.objects.exists()


def _event(chair: Chair, **arguments):
    return charting.event_record(chair.nurse, chair.session.pk, **arguments)


@pytest.mark.django_db
def test_events_need_known_codes_and_a_serious_one_an_adverse_event_described(day, clock):
    chair = open_chair(day, clock)
    with pytest.raises(FieldErrors) as unknown:
        _event(chair, kind="x", code="y", severity="z", outcome="w")
    assert unknown.value.errors == {
        "kind": "one of: side_effect, adverse_event",
        "code": "one of: nausea, vomiting, headache, dizziness, dissociation, anxiety, "
        "hypertension, hypertensive_symptoms, sedation, respiratory_depression, dysgeusia, "
        "vertigo, paresthesia, other",
        "severity": "one of: mild, moderate, severe",
        "outcome": "one of: ongoing, resolved, resolved_with_treatment, transferred",
    }
    with pytest.raises(FieldErrors) as serious:
        _event(
            chair,
            kind="side_effect",
            code="nausea",
            severity="severe",
            outcome="ongoing",
            serious=True,
        )
    assert serious.value.errors == {
        "description": "describe what happened, in 3-2000 characters",
        "serious": "a serious event is charted as an adverse event",
    }
    with pytest.raises(FieldErrors) as other:
        _event(chair, kind="side_effect", code="other", severity="mild", outcome="ongoing")
    assert other.value.errors == {"description": "describe what happened, in 3-2000 characters"}
    assert not Event.objects.exists()
    chair.at(20)
    event, _ = _event(
        chair,
        kind="adverse_event",
        code="respiratory_depression",
        severity="severe",
        outcome="transferred",
        serious=True,
        description="RR 6, SpO2 84% despite oxygen; EMS called",
    )
    nausea, _ = _event(
        chair, kind="side_effect", code="nausea", severity="mild", outcome="resolved"
    )
    assert (event.kind, event.serious, event.resolved_at) == ("adverse_event", True, None)
    assert nausea.resolved_at == chair.at(20)


@pytest.mark.django_db
def test_an_alert_is_acknowledged_once_and_only_a_real_open_one(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    _, view = chair.vitals(10, systolic_mmhg=185, diastolic_mmhg=100)
    alerts = [(a.code, a.level, a.t_min) for a in view.open_alerts]
    assert alerts == [("bp_elevated_recheck", "alert", 10.0)]
    chair.at(11)
    with pytest.raises(FieldErrors) as no_such:
        charting.alert_acknowledge(
            chair.nurse, chair.session.pk, code="bp_elevated_recheck", t_min=5
        )
    assert no_such.value.errors == {"code": "no open alert with this code at this minute"}
    ack, view = charting.alert_acknowledge(
        chair.nurse,
        chair.session.pk,
        code="bp_elevated_recheck",
        t_min=10.0,
        note="rechecking in 5",
    )
    assert (ack.code, ack.alert_t_min, ack.note) == ("bp_elevated_recheck", 10.0, "rechecking in 5")
    assert view.open_alerts == []
    with pytest.raises(FieldErrors) as twice:
        charting.alert_acknowledge(
            chair.nurse, chair.session.pk, code="bp_elevated_recheck", t_min=10.0
        )
    assert twice.value.errors == {"code": "this alert is already acknowledged"}
    assert Acknowledgement.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_charted_after_discharge(day, clock) -> None:
    chair = open_chair(day, clock)
    discharged(chair)
    chair.at(110)
    writes = [
        lambda: _vitals(chair, **CALM),
        lambda: charting.observation_record(
            chair.nurse, chair.session.pk, instrument="moaas", score_value=5
        ),
        lambda: _event(
            chair, kind="side_effect", code="nausea", severity="mild", outcome="ongoing"
        ),
    ]
    counts = (VitalSign.objects.count(), Observation.objects.count(), Event.objects.count())
    for write in writes:
        with pytest.raises(Conflict) as refused:
            write()
        assert refused.value.message == (
            "the patient was discharged: nothing more is charted on this session; add an "
            "addendum to its note instead"
        )
    assert (VitalSign.objects.count(), Observation.objects.count(), Event.objects.count()) == counts
