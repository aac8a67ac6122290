"""The chart as the clinical core sees it, and the core's judgement of it at a moment.

Times become minutes from the first dose (before any dose: from ``now``, so every pre-dose
entry is at or before 0). The rules themselves live in ``ketacare.clinical.safety``; this
module only translates rows into its session document and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ketacare.accounts.clinic_rules import version_settings
from ketacare.clinical.safety import SafetyAssessment, evaluate_document
from ketacare.clinical.safety.checklist import ChecklistFacts, checklist_findings
from ketacare.clinical.safety.document import (
    CadssReading,
    Confirmations,
    DoseGiven,
    MoaasReading,
    PredoseFacts,
    SessionDocument,
)
from ketacare.clinical.safety.models import (
    AcknowledgedAlert,
    Alert,
    PredoseFinding,
    SameDayScreen,
    SessionEvent,
    VitalsReading,
)
from ketacare.clinical.safety.predose import ORDER

from .chart import Chart
from .models import Decision, Dose, Observation, PredoseCheck

#: Chart event codes the core's rules read, by the core's own code.
CORE_EVENT_CODES = {"vomiting": "emesis", "hypertensive_symptoms": "hypertensive_symptoms"}


#: The clinical core judges a session within a day of its first dose (its ``t_min`` runs
#: from -1440 to 1440 minutes).
DAY_MIN = 1440.0


def minutes(at: datetime, zero: datetime) -> float:
    return round((at - zero).total_seconds() / 60.0, 2)


def _t(at: datetime, zero: datetime) -> float:
    """Minutes from minute 0, an entry of the day before it counted at the day's start."""
    return max(-DAY_MIN, minutes(at, zero))


def judged_at(chart: Chart, now: datetime) -> datetime:
    """The moment a session is judged at: now while it is open; a discharged one as it
    stood at its discharge; and never more than a day after its first dose."""
    session = chart.session
    if session.discharged_at is not None:
        now = min(now, session.discharged_at)
    if session.first_dose_at is not None:
        now = min(now, session.first_dose_at + timedelta(minutes=DAY_MIN))
    return now


def zero_of(chart: Chart, now: datetime) -> datetime:
    """Minute 0: the first dose, or ``now`` while nothing has been given."""
    return chart.session.first_dose_at or now


@dataclass(frozen=True)
class Segment:
    """A stretch of one dose: a bolus (``over_min`` 0) or a constant-rate stretch."""

    start_t_min: float
    dose_mg: float
    over_min: float
    route: str


def dose_segments(chart: Chart, dose: Dose, zero: datetime, now: datetime) -> list[Segment]:
    """What a dose delivered: a bolus, or each stretch of an infusion at one rate. A running
    infusion counts up to ``now`` only (``curve`` continues it), and never past its charted
    dose: the pump is programmed with it as the volume to be infused, and stops there."""
    start = minutes(dose.measured_at, zero)
    if dose.kind != Dose.Kind.INFUSION:
        return [Segment(start, float(dose.dose_mg), 0.0, dose.route)]
    end = minutes(dose.ended_at or now, zero)
    points = [(start, float(dose.rate_mg_per_h or 0))]
    points += [
        (minutes(change.measured_at, zero), float(change.rate_mg_per_h))
        for change in chart.rate_changes.get(dose.pk, [])
    ]
    segments = []
    left = float(dose.dose_mg) if dose.ended_at is None else float("inf")
    for index, (t, rate) in enumerate(points):
        until = min(points[index + 1][0] if index + 1 < len(points) else end, end)
        if until > t and rate > 0 and left > 0:
            full = rate * (until - t) / 60.0
            mg, over = (full, until - t) if full <= left else (left, left / rate * 60.0)
            left -= mg
            segments.append(Segment(t, mg, over, dose.route))
    return segments


def given_mg(chart: Chart, dose: Dose, now: datetime) -> Decimal:
    """The mg a dose has delivered so far."""
    zero = zero_of(chart, now)
    total = sum(segment.dose_mg for segment in dose_segments(chart, dose, zero, now))
    return Decimal(str(round(total, 2)))


def _screen(check: PredoseCheck, zero: datetime) -> SameDayScreen | None:
    screen = check.same_day_screen
    if not screen:
        return None
    taken = datetime.fromisoformat(screen["taken_at"]) if "taken_at" in screen else None
    t_min = min(0.0, minutes(taken, zero)) if taken else min(0.0, minutes(check.measured_at, zero))
    return SameDayScreen(
        t_min=max(t_min, -1440.0),
        cssrs_answers=screen.get("cssrs_answers"),
        phq9_item9=screen.get("phq9_item9"),
    )


def _predose_facts(check: PredoseCheck | None, zero: datetime) -> PredoseFacts:
    if check is None:
        return PredoseFacts()
    return PredoseFacts(
        escort_present=check.escort_present,
        hours_since_solids=(
            float(check.hours_since_solids) if check.hours_since_solids is not None else None
        ),
        hours_since_clear_fluids=(
            float(check.hours_since_clear_fluids)
            if check.hours_since_clear_fluids is not None
            else None
        ),
        same_day_screen=_screen(check, zero),
        concomitant_drug_classes=list(check.concomitant_drug_classes),
    )


@dataclass(frozen=True)
class Confirmed:
    """What the clinician confirms at discharge (the live view assumes none yet)."""

    dissociation_resolved: bool = False
    ambulating: bool = False
    clinician_assessed_ready: bool = False


def session_document(
    chart: Chart, now: datetime, confirmed: Confirmed | None = None, *, cleared: bool = False
) -> SessionDocument:
    zero = zero_of(chart, now)
    confirmed = confirmed or Confirmed()
    doses: list[DoseGiven] = []
    for dose in chart.doses:
        start = minutes(dose.measured_at, zero)
        delivered = sum(s.dose_mg for s in dose_segments(chart, dose, zero, now))
        running = dose.kind == Dose.Kind.INFUSION and dose.ended_at is None
        end = None
        if dose.kind == Dose.Kind.INFUSION and dose.ended_at is not None:
            end = minutes(dose.ended_at, zero)
        doses.append(
            DoseGiven(
                t_min=start,
                dose_mg=round(min(delivered, 600.0), 2),
                end_t_min=end,
                in_progress=running,
            )
        )
    vitals = [
        VitalsReading(
            t_min=_t(v.measured_at, zero),
            systolic_mmhg=v.systolic_mmhg,
            diastolic_mmhg=v.diastolic_mmhg,
            heart_rate_bpm=v.heart_rate_bpm,
            spo2_percent=v.spo2_percent,
            respiratory_rate_per_min=v.respiratory_rate_per_min,
        )
        for v in chart.vitals
    ]
    observations = chart.observations
    return SessionDocument(
        protocol_id=chart.session.protocol_id,
        drug=chart.session.drug,  # type: ignore[arg-type]
        now_t_min=minutes(now, zero),
        predose=_predose_facts(chart.latest_predose, zero),
        doses=doses,
        vitals=vitals,
        moaas=[
            MoaasReading(t_min=_t(o.measured_at, zero), score=o.score)
            for o in observations
            if o.instrument == Observation.Instrument.MOAAS
        ],
        cadss=[
            CadssReading(t_min=_t(o.measured_at, zero), total=o.score)
            for o in observations
            if o.instrument == Observation.Instrument.CADSS
        ],
        events=[
            SessionEvent(code=CORE_EVENT_CODES[e.code], t_min=_t(e.measured_at, zero))  # type: ignore[arg-type]
            for e in chart.events
            if e.code in CORE_EVENT_CODES
        ],
        acknowledged_alerts=[
            AcknowledgedAlert(code=a.code, t_min=a.alert_t_min) for a in chart.acknowledgements
        ],
        confirmations=Confirmations(
            dissociation_resolved=confirmed.dissociation_resolved,
            ambulating=confirmed.ambulating,
            clinician_assessed_ready=confirmed.clinician_assessed_ready,
            prescriber_cleared_after_stop=cleared,
        ),
    )


def checklist_of(chart: Chart) -> list[PredoseFinding]:
    check = chart.latest_predose
    if check is None:
        return []
    return checklist_findings(
        ChecklistFacts(
            drug=chart.session.drug,  # type: ignore[arg-type]
            identity_confirmed=check.identity_confirmed,
            consent_confirmed=check.consent_confirmed,
            pregnancy=check.pregnancy,  # type: ignore[arg-type]
            rems_patient_enrolled=check.rems_patient_enrolled,
            rems_prescriber_on_site=check.rems_prescriber_on_site,
            rems_pulse_oximeter=check.rems_pulse_oximeter,
        )
    )


@dataclass(frozen=True)
class Judgement:
    """The core's assessment with the chair's checklist merged into the pre-dose decision;
    ``open_stops`` are the stops no prescriber has cleared since they fired."""

    assessment: SafetyAssessment
    predose: str
    predose_findings: tuple[PredoseFinding, ...]
    open_stops: tuple[Alert, ...]
    zero: datetime
    now: datetime

    @property
    def now_t_min(self) -> float:
        return minutes(self.now, self.zero)


def _open_stops(chart: Chart, assessment: SafetyAssessment, zero: datetime) -> tuple[Alert, ...]:
    cleared = [minutes(d.decided_at, zero) for d in chart.decisions_of(Decision.Kind.STOP_CLEARED)]
    last_clear = max(cleared, default=None)
    return tuple(
        alert
        for alert in assessment.alerts
        if alert.level == "stop" and (last_clear is None or alert.t_min > last_clear)
    )


#: The core judges a session up to a day after its first dose (``SessionDocument``'s
#: ``now_t_min`` range): a session read later (last week's) is judged as it stood then.
JUDGED_WITHIN_MIN = 1440.0


def judge(chart: Chart, now: datetime, confirmed: Confirmed | None = None) -> Judgement:
    """The safety picture of the chart at ``now``: judged once, and again with the stop
    cleared when a prescriber cleared every stop that fired."""
    settings = version_settings(chart.session.settings_version)
    now = judged_at(chart, now)
    zero = zero_of(chart, now)
    now = min(now, zero + timedelta(minutes=JUDGED_WITHIN_MIN))
    assessment = evaluate_document(session_document(chart, now, confirmed), settings)
    open_stops = _open_stops(chart, assessment, zero)
    if assessment.stop_dosing and not open_stops:
        assessment = evaluate_document(
            session_document(chart, now, confirmed, cleared=True), settings
        )
    findings = (*assessment.predose_findings, *checklist_of(chart))
    decision = max((f.decision for f in findings), key=ORDER.index, default="proceed")
    return Judgement(assessment, decision, findings, open_stops, zero, now)
