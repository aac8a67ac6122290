"""The same-day screen from the patient's own questionnaire today, and the care team's alert
when the screen asked at the chair is positive."""

from __future__ import annotations

import pytest

from ketacare.alerts.models import Alert
from ketacare.lib.errors import FieldErrors
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.outcomes.services import response_record
from ketacare.sessions.models import PredoseCheck

from .world import open_chair


@pytest.mark.django_db
def test_a_portal_screen_is_todays_phq9(day, clock) -> None:
    chair = open_chair(day, clock)
    cast = chair.cast
    response_record(
        cast.actor(cast.nurse),
        cast.dan,
        instrument_id="phq9",
        answers=[0, 1, 0, 1, 0, 0, 1, 0, 0, 1],
        context="clinic",
    )
    chair.vitals(-3)
    check, view = chair.predose(same_day_screen={"source": "portal"})
    assert {k: v for k, v in check.same_day_screen.items() if k != "taken_at"} == {
        "source": "portal",
        "response_id": check.same_day_screen["response_id"],
        "phq9_item9": 0,
    }
    assert view.judgement.predose == "proceed"


@pytest.mark.django_db
def test_no_questionnaire_today_is_refused_naming_the_source(day, clock) -> None:
    chair = open_chair(day, clock)
    # The intake's questionnaires were last week, not this morning.
    QuestionnaireResponse.objects.update(administered_at=chair.at(-7 * 24 * 60))
    chair.at(-4)
    with pytest.raises(FieldErrors) as refused:
        chair.predose(same_day_screen={"source": "portal"})
    assert refused.value.errors == {
        "same_day_screen.source": "the patient has no PHQ-9 or C-SSRS screener from today: "
        "ask it now"
    }
    assert PredoseCheck.objects.count() == 0


@pytest.mark.django_db
def test_a_positive_screen_at_the_chair_alerts_the_care_team(day, clock) -> None:
    chair = open_chair(day, clock)
    chair.vitals(-3)
    check, view = chair.predose(same_day_screen={"source": "now", "phq9_item9": 2})
    assert view.judgement.predose == "prescriber_review"
    alert = Alert.objects.get(patient=chair.cast.dan)
    assert (alert.kind, alert.severity, alert.source_id) == ("suicidality", "high", str(check.pk))
    assert alert.message.startswith("At the chair, before dosing: Same-day screen positive")
