"""A session's chart with the core's judgement of it at one moment: what every page, answer
and board row shows (``open_alerts``, ``ready_for_discharge``, the next check due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ketacare.clinical.safety import Alert, NextCheck

from .assessment import Judgement, judge
from .chart import Chart, load_chart, load_charts
from .models import Phase, TreatmentSession

#: The checks a clinician confirms at the discharge itself: a chair is "ready for
#: discharge" when every other criterion is met.
CONFIRMED_AT_DISCHARGE = frozenset(
    {"dissociation_resolved", "ambulating", "clinician_assessed_ready"}
)


@dataclass(frozen=True)
class SessionView:
    chart: Chart
    judgement: Judgement

    @property
    def session(self) -> TreatmentSession:
        return self.chart.session

    @property
    def open_alerts(self) -> list[Alert]:
        """Alerts not yet acknowledged, and stops no prescriber has cleared."""
        seen = {(a.code, round(a.alert_t_min, 2)) for a in self.chart.acknowledgements}
        alerts = [
            a
            for a in self.judgement.assessment.alerts
            if a.level == "alert" and (a.code, round(a.t_min, 2)) not in seen
        ]
        return [*self.judgement.open_stops, *alerts]

    @property
    def ready_for_discharge(self) -> bool:
        if self.session.phase != Phase.OBSERVING:
            return False
        return all(
            check.met or check.code in CONFIRMED_AT_DISCHARGE
            for check in self.judgement.assessment.discharge_checks
        )

    @property
    def phase_label(self) -> str:
        if self.ready_for_discharge:
            return "Ready for discharge"
        return Phase(self.session.phase).label

    @property
    def minutes_since_first_dose(self) -> int | None:
        first = self.session.first_dose_at
        if first is None or self.session.phase == Phase.DISCHARGED:
            return None
        return int((self.judgement.now - first).total_seconds() // 60)

    @property
    def next_checks(self) -> list[NextCheck]:
        """The checks due, once dosing has started: before the first dose the core counts
        from ``now`` (minute 0 moves with the clock), so its schedule means nothing yet; the
        pre-dose checklist is the step then. None after discharge."""
        if self.session.phase in (Phase.PREDOSE, Phase.DISCHARGED):
            return []
        return list(self.judgement.assessment.next_checks)

    @property
    def next_check_at(self) -> datetime | None:
        checks = self.next_checks
        if not checks:
            return None
        due = min(c.due_t_min for c in checks)
        return self.judgement.zero + timedelta(minutes=due)

    @property
    def next_check(self) -> str:
        checks = self.next_checks
        if not checks:
            return ""
        return min(checks, key=lambda c: c.due_t_min).message


def view_of(session: TreatmentSession, now: datetime | None = None) -> SessionView:
    chart = load_chart(session)
    return SessionView(chart, judge(chart, now or timezone.now()))


def views_of(sessions: list[TreatmentSession], now: datetime) -> dict[int, SessionView]:
    """The views of several sessions, their charts read together."""
    charts = load_charts(sessions)
    return {pk: SessionView(chart, judge(chart, now)) for pk, chart in charts.items()}
