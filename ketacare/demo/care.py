"""Demo patients at every stage from intake to a signed plan and its follow-up, through the real
services, each step on its own day.

Of the demo clinic's 40 patients: the first 10 were screened at their first visit months ago,
had a plan drafted and signed within the week, and have had PHQ-9 and GAD-7 scored at visits
since (weekly through induction, then every four weeks); the next 6 were screened recently and
have a draft plan; the next 10 were screened recently; the rest have no intake yet. One
screened patient answered PHQ-9 item 9 positively, so the alerts page has an open alert to work
through; one treated patient did at a follow-up and the nurse acknowledged it the next day.
One treated patient's plan has a second, signed version.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.utils import timezone

from ketacare.accounts.permissions import Perm
from ketacare.alerts import services as alerts
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.intake import History
from ketacare.lib.errors import FieldErrors
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.outcomes.services import response_record
from ketacare.patients.access import get_patient_for_user
from ketacare.patients.models import Patient
from ketacare.screening.chart import chart_facts
from ketacare.screening.queries import latest_screening
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as plans
from ketacare.treatment.choices import choice_for

from .history import ChartPlan
from .scores import followup_answers, remaining_after
from .state import SeedState
from .timeline import Timeline, local

SIGNED, DRAFTED, SCREENED = 10, 6, 10
SI_PATIENT_INDEX = 18  # 0-based: a screened-only patient with a positive PHQ-9 item 9
# 0-based: the signed and the draft Spravato plan (when the screening opens Spravato).
SPRAVATO_SIGNED, SPRAVATO_DRAFT = 0, 13
#: Follow-ups after signing: weekly through induction, then every four weeks.
WEEKLY_FOLLOWUPS, FOLLOWUP_EVERY_DAYS, MAX_FOLLOWUPS = 6, 28, 12
#: The follow-up (1-based) at which the first-treated patient answers PHQ-9 item 9 positively.
ALERT_FOLLOWUP = 2
ACK_NOTE = "Called the patient: passive thoughts, no plan or intent. Safety plan reviewed."
REVISION_FOLLOWUP = 4
REVISION_REASON = "Partial response at week 4: sleep and exercise plan added to the course."

HISTORY = tuple(History.model_fields)
# Protocols to try for each indication group, in the order a prescriber would.
PROTOCOLS = {
    "F3": ("depression-iv-induction", "esketamine-trd-induction", "depression-im"),
    "F43": ("ptsd-iv-induction",),
    "G90": ("crps-iv-10-day", "pain-iv-outpatient-4h"),
    "M79": ("pain-iv-outpatient-4h",),
    "F41": ("depression-sublingual-troche-home", "depression-iv-induction"),
    "F42": ("depression-iv-induction",),
}
INTEGRATIVE = [
    {
        "kind": "integration",
        "description": "Integration session within 48 hours of each treatment",
        "frequency": "after each treatment",
    },
    {"kind": "talk_therapy", "description": "CBT with the clinic therapist", "frequency": "weekly"},
    {
        "kind": "lifestyle",
        "description": "Sleep and exercise plan",
        "frequency": "reviewed monthly",
    },
]


def _scales(
    rng: random.Random, diagnoses: list[str], suicidal: bool
) -> dict[str, list[int | None]]:
    phq9: list[int | None] = [rng.randint(1, 3) for _ in range(8)]
    phq9 += [1 if suicidal else 0, rng.randint(1, 2)]
    scales: dict[str, list[int | None]] = {
        "phq9": phq9,
        "gad7": [rng.randint(0, 3) for _ in range(7)],
        "cssrs_screener": [1, 0, None, None, None, 0, None]
        if suicidal
        else [0, 0, None, None, None, 0, None],
        # The substance-use screen a controlled substance needs (AUDIT-C, DAST-10): fixed
        # answers, drawing nothing, so every other drawn value stays as it was.
        "audit_c": [1, 0, 0],
        "dast10": [0] * 10,
    }
    if any(code.startswith("F43") for code in diagnoses):
        scales["pcl5"] = [rng.randint(1, 4) for _ in range(20)]
    if any(code.startswith(("G90", "M79")) for code in diagnoses):
        scales["pain_nrs"] = [rng.randint(5, 9)]
    return scales


def _draw_intake(rng: random.Random, diagnoses: list[str], suicidal: bool) -> dict[str, Any]:
    """The intake's vitals and answers, drawn in the order the demo always drew them."""
    systolic = rng.randint(112, 138)
    vitals = {
        "systolic": systolic,
        "diastolic": systolic - rng.randint(35, 50),
        "heart_rate": rng.randint(60, 88),
        "spo2": rng.randint(96, 99),
    }
    home_sitter = rng.random() < 0.6
    return {
        "vitals": vitals,
        "home_sitter": home_sitter,
        "scales": _scales(rng, diagnoses, suicidal),
    }


def _today(patient: Patient) -> date:
    return timezone.localdate(timezone=patient.clinic.tz)


def _intake(state: SeedState, index: int, drawn: dict[str, Any]) -> None:
    patient = state.patients[index]
    facts = chart_facts(patient, _today(patient))
    latest = facts.latest
    assert latest is not None
    intake_submit(
        state.actors["nurse"],
        patient.pk,
        fields={
            "weight_kg": float(latest.weight_kg),
            "height_cm": float(latest.height_cm or 170),
            "pregnant": False,
            "breastfeeding": False,
            "diagnoses": facts.diagnoses,
            "medication_trials": facts.trials,
            "history": dict.fromkeys(HISTORY, False),
            "recent_suicide_attempt_days": None,
            "concomitant_drug_classes": facts.ongoing_classes,
            "vitals": drawn["vitals"],
            "home_sitter_available": drawn["home_sitter"],
        },
        scales=drawn["scales"],
        notes="Baseline intake.",
    )


def _spravato_open(patient: Patient, age: int) -> bool:
    from ketacare.clinical import get_protocol

    screening = latest_screening(patient)
    return (
        screening is not None
        and choice_for(get_protocol("esketamine-trd-induction"), screening, age).open
    )


def _draft(prescriber: Any, patient: Patient, age: int, *, spravato: bool = False) -> Any:
    screening = latest_screening(patient)
    assert screening is not None
    diagnoses = screening.intake.document["diagnoses"]
    group = next(
        (prefix for code in diagnoses for prefix in PROTOCOLS if code.startswith(prefix)), "F3"
    )
    from ketacare.clinical import get_protocol

    candidates = ("esketamine-trd-induction",) if spravato else PROTOCOLS[group]
    for protocol_id in candidates:
        choice = choice_for(get_protocol(protocol_id), screening, age)
        if not choice.open and choice.decision == "not_eligible":
            continue
        reason = (
            "" if choice.open else "Reviewed with the patient: benefits outweigh the flagged risks."
        )
        try:
            return plans.plan_create(
                prescriber,
                patient.pk,
                protocol_id=protocol_id,
                override_reason=reason,
                integrative_items=INTEGRATIVE[:2],
                course_note="Reassess with PHQ-9 before each session.",
            )
        except (FieldErrors, ClinicalInputError):
            continue
    return None


def _plan(state: SeedState, index: int, *, spravato: bool, sign_later: bool) -> None:
    """Draft the plan; a Spravato plan to be signed gets its REMS enrolment on file first (the
    draft one goes without, so its prior-authorisation checklist names what is missing)."""
    patient = state.patients[index]
    today = _today(patient)
    age = patient.age_on(today)
    spravato = spravato and _spravato_open(patient, age)
    if spravato and sign_later:
        state.part(
            "frontdesk",
            index,
            "consents",
            {
                "kind": "spravato_rems_enrollment",
                "status": "given",
                "signed_on": today,
                "form_version": "REMS Patient Enrollment Form",
            },
        )
    state.plans[index] = _draft(state.actors["prescriber"], patient, age, spravato=spravato)


def _sign(state: SeedState, index: int) -> None:
    plan = state.plans.get(index)
    if plan is not None:
        state.plans[index] = plans.plan_sign(state.actors["prescriber"], plan.pk)


def _revise(state: SeedState, index: int) -> None:
    """A new version of the signed plan, with the reason and the added care item."""
    plan = state.plans.get(index)
    if plan is None:
        return
    prescriber = state.actors["prescriber"]
    draft = plans.plan_revise(prescriber, plan.pk, reason=REVISION_REASON)
    state.plans[index] = plans.plan_update(
        prescriber, draft.pk, expected_version=draft.version, integrative_items=INTEGRATIVE
    )


def _score(
    state: SeedState, index: int, visit: int, instrument_id: str, answers: list[int | None]
) -> None:
    nurse = state.actors["nurse"]
    # The nurse opens the chart once and scores each questionnaire of the visit on it.
    if visit % 2 == 0 or index not in state.charts:
        state.charts[index] = get_patient_for_user(
            nurse.membership, state.patients[index].pk, perm=Perm.INTAKE_RECORD
        )
    patient = state.charts[index]
    state.responses[(index, visit)] = response_record(
        nurse,
        patient,
        instrument_id=instrument_id,
        answers=answers,
        context=QuestionnaireResponse.Context.CLINIC,
    )


def _acknowledge(state: SeedState, index: int, visit: int) -> None:
    for alert in alerts.raised_by([state.responses[(index, visit)]]):
        alerts.alert_acknowledge(state.actors["nurse"], alert.pk, note=ACK_NOTE)


def _followup_days(signed: date, yesterday: date, clock: random.Random) -> list[date]:
    days = []
    for visit in range(1, MAX_FOLLOWUPS + 1):
        if visit <= WEEKLY_FOLLOWUPS:
            day = signed + timedelta(days=7 * visit + clock.randint(0, 1))
        else:
            day = signed + timedelta(
                days=7 * WEEKLY_FOLLOWUPS + FOLLOWUP_EVERY_DAYS * (visit - WEEKLY_FOLLOWUPS)
            )
        if day > yesterday:
            break
        days.append(day)
    return days


def _plan_treated(
    clock: random.Random,
    timeline: Timeline,
    state: SeedState,
    i: int,
    chart: ChartPlan,
    drawn: dict[str, Any],
    yesterday: date,
    *,
    alert: bool,
    revise: bool,
) -> None:
    """Plan drafted 2-6 days after the intake, signed 0-2 days later, then follow-ups."""
    tz, index = chart.locale.tz, chart.index
    drafted = chart.first_visit + timedelta(days=clock.randint(2, 6))
    signed = drafted + timedelta(days=clock.randint(0, 2))
    timeline.add(
        local(drafted, tz, 14, 0),
        partial(_plan, state, index, spravato=i == SPRAVATO_SIGNED, sign_later=True),
    )
    timeline.add(local(signed, tz, 16, 30), partial(_sign, state, index))
    speed = clock.uniform(0.07, 0.14)
    for visit, day in enumerate(_followup_days(signed, yesterday, clock), start=1):
        remaining = remaining_after(visit, speed)
        positive = alert and visit == ALERT_FOLLOWUP and day < yesterday
        phq9 = followup_answers(clock, drawn["scales"]["phq9"], remaining, item_9=int(positive))
        gad7 = followup_answers(clock, drawn["scales"]["gad7"], remaining)
        timeline.add(local(day, tz, 10, 0), partial(_score, state, index, visit * 2, "phq9", phq9))
        timeline.add(
            local(day, tz, 10, 5), partial(_score, state, index, visit * 2 + 1, "gad7", gad7)
        )
        if positive:
            next_day = local(day + timedelta(days=1), tz, 9, 30)
            timeline.add(next_day, partial(_acknowledge, state, index, visit * 2))
        if revise and visit == REVISION_FOLLOWUP and day < yesterday:
            timeline.add(local(day, tz, 15, 0), partial(_revise, state, index))
            timeline.add(local(day + timedelta(days=1), tz, 16, 30), partial(_sign, state, index))


def plan_care(
    rng: random.Random,
    clock: random.Random,
    timeline: Timeline,
    state: SeedState,
    charts: list[ChartPlan],
    today: date,
) -> None:
    """Schedule the intakes, plans and follow-ups. The treated patients were screened at their
    first visit; the others at their latest weight, within the last two months."""
    yesterday = today - timedelta(days=1)
    earliest = sorted(range(SIGNED), key=lambda i: (charts[i].first_visit, i))
    alert_on, revise_on = earliest[0], earliest[1]
    for i, chart in enumerate(charts[: SIGNED + DRAFTED + SCREENED]):
        drawn = _draw_intake(rng, chart.diagnoses, suicidal=i == SI_PATIENT_INDEX)
        tz, index = chart.locale.tz, chart.index
        if i < SIGNED:
            timeline.add(local(chart.first_visit, tz, 11, 0), partial(_intake, state, index, drawn))
            _plan_treated(
                clock,
                timeline,
                state,
                i,
                chart,
                drawn,
                yesterday,
                alert=i == alert_on,
                revise=i == revise_on,
            )
            continue
        screened = chart.measurement_days[-1]
        timeline.add(local(screened, tz, 10, 0), partial(_intake, state, index, drawn))
        if i < SIGNED + DRAFTED:
            drafted = min(screened + timedelta(days=clock.randint(1, 4)), yesterday)
            timeline.add(
                local(drafted, tz, 15, 0),
                partial(_plan, state, index, spravato=i == SPRAVATO_DRAFT, sign_later=False),
            )
