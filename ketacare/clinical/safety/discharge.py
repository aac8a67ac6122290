"""Discharge checks: each criterion of the session's plan, met or not, with its reason.

Discharge is allowed only when every check is met; the software advises and the clinician's
own assessment is itself one of the checks (``clinician_assessed_ready``).
"""

from __future__ import annotations

from collections.abc import Callable

from ketacare.clinical.safety.models import Alert, DischargeCheck, SessionFacts, VitalsReading
from ketacare.clinical.safety.plan import Plan
from ketacare.clinical.safety.timeline import Timeline
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite
from ketacare.clinical.vocabulary import DischargeCriterion


class _Checker:
    def __init__(
        self,
        timeline: Timeline,
        facts: SessionFacts,
        settings: ClinicSettings,
        plan: Plan,
        alerts: list[Alert],
    ) -> None:
        self.timeline = timeline
        self.facts = facts
        self.s = settings
        self.plan = plan
        self.alerts = alerts

    def _check(
        self, code: DischargeCriterion, met: bool, message: str, *sources: str
    ) -> DischargeCheck:
        return DischargeCheck(code=code, met=met, message=message, source=cite(*sources))

    def _recent(self, present: Callable[[VitalsReading], bool]) -> VitalsReading | None:
        """The latest post-dose reading with the value, if it is recent enough."""
        reading = Timeline.last(self.timeline.after_dose, present)
        if (
            reading is None
            or self.facts.now_t_min - reading.t_min > self.s.discharge_vitals_max_age_min
        ):
            return None
        return reading

    def _missing(self, code: DischargeCriterion, what: str) -> DischargeCheck:
        return self._check(
            code,
            False,
            f"No {what} in the last {self.s.discharge_vitals_max_age_min} min: record one "
            "before discharge.",
            "spravato-rems",
            "ketacare-placeholder",
        )

    def observation_time(self) -> DischargeCheck:
        start = 0.0 if self.plan.observation_from == "first_dose" else self.facts.dose_end_t_min
        elapsed = self.facts.now_t_min - start
        needed = self.plan.min_observation_min
        since = "the first dose" if self.plan.observation_from == "first_dose" else "dosing ended"
        return self._check(
            "observation_time",
            elapsed >= needed,
            f"{elapsed:g} of {needed} min observed since {since}.",
            self.plan.observation_source,
        )

    def sedation_resolved(self) -> DischargeCheck:
        reading = Timeline.last(self.timeline.after_dose, lambda r: r.moaas is not None)
        if reading is None or reading.moaas is None:
            return self._check(
                "sedation_resolved",
                False,
                "No MOAA/S recorded after dosing.",
                "clinic-rules-design",
            )
        needed = self.s.discharge_min_moaas
        return self._check(
            "sedation_resolved",
            reading.moaas >= needed,
            f"Latest MOAA/S {reading.moaas} (needs {needed}).",
            "clinic-rules-design",
        )

    def bp_near_baseline(self) -> DischargeCheck:
        reading = self._recent(lambda r: r.has_bp)
        if reading is None or reading.systolic_mmhg is None or reading.diastolic_mmhg is None:
            return self._missing("bp_near_baseline", "blood pressure")
        s = self.s
        limit_s, limit_d = s.predose_review_systolic_mmhg, s.predose_review_diastolic_mmhg
        baseline = self.timeline.baseline_bp
        if baseline is not None and baseline.systolic_mmhg and baseline.diastolic_mmhg:
            limit_s = max(limit_s, baseline.systolic_mmhg + s.discharge_bp_margin_systolic_mmhg)
            limit_d = max(limit_d, baseline.diastolic_mmhg + s.discharge_bp_margin_diastolic_mmhg)
        # Whatever the baseline, a severely raised BP never passes (AAGBI/BHS, ACC/AHA).
        limit_s = min(limit_s, s.discharge_max_systolic_mmhg)
        limit_d = min(limit_d, s.discharge_max_diastolic_mmhg)
        value = f"{reading.systolic_mmhg}/{reading.diastolic_mmhg} mmHg"
        if reading.systolic_mmhg <= s.stop_systolic_low_mmhg:
            return self._check(
                "bp_near_baseline",
                False,
                f"Latest BP {value}: systolic at or below {s.stop_systolic_low_mmhg}.",
                "news2-rcp-2017",
            )
        met = reading.systolic_mmhg <= limit_s and reading.diastolic_mmhg <= limit_d
        return self._check(
            "bp_near_baseline",
            met,
            f"Latest BP {value} (limit {limit_s}/{limit_d}).",
            "clinic-rules-design",
            "ketacare-placeholder",
            "padss-chung-1995",
            "aagbi-bhs-2016",
        )

    def heart_rate_acceptable(self) -> DischargeCheck:
        reading = self._recent(lambda r: r.heart_rate_bpm is not None)
        if reading is None or reading.heart_rate_bpm is None:
            return self._missing("heart_rate_acceptable", "heart rate")
        limit, low = self.s.alert_heart_rate_bpm, self.s.stop_heart_rate_low_bpm
        if reading.heart_rate_bpm <= low:
            return self._check(
                "heart_rate_acceptable",
                False,
                f"Latest heart rate {reading.heart_rate_bpm}/min is at or below {low}/min.",
                "news2-rcp-2017",
            )
        return self._check(
            "heart_rate_acceptable",
            reading.heart_rate_bpm <= limit,
            f"Latest heart rate {reading.heart_rate_bpm}/min (limit {limit}/min).",
            "news2-rcp-2017",
        )

    def spo2_acceptable(self) -> DischargeCheck:
        reading = self._recent(lambda r: r.spo2_percent is not None)
        if reading is None or reading.spo2_percent is None:
            return self._missing("spo2_acceptable", "SpO2")
        limit = self.s.alert_spo2_percent
        return self._check(
            "spo2_acceptable",
            reading.spo2_percent >= limit,
            f"Latest SpO2 {reading.spo2_percent}% (needs {limit}%).",
            "news2-rcp-2017",
        )

    def _fact(self, code: DischargeCriterion, value: bool, yes: str, no: str) -> DischargeCheck:
        return self._check(code, value, yes if value else no, "clinic-rules-design")

    def dissociation_resolved(self) -> DischargeCheck:
        return self._fact(
            "dissociation_resolved",
            self.facts.dissociation_resolved,
            "Dissociation resolved.",
            "Dissociation not yet confirmed resolved.",
        )

    def ambulating(self) -> DischargeCheck:
        return self._fact(
            "ambulating", self.facts.ambulating, "Walks safely.", "Safe walking not yet confirmed."
        )

    def escort_present(self) -> DischargeCheck:
        if not self.s.discharge_requires_escort:
            return self._check(
                "escort_present",
                True,
                "Escort not required by clinic setting.",
                "clinic-rules-design",
            )
        return self._check(
            "escort_present",
            self.facts.escort_present,
            "Escort present." if self.facts.escort_present else "No escort (ride home) present.",
            "clinic-rules-design",
            "sanacora-2017-unverified",
        )

    def clinician_assessed_ready(self) -> DischargeCheck:
        ready = self.facts.clinician_assessed_ready
        return self._check(
            "clinician_assessed_ready",
            ready,
            "Clinician assessed the patient as stable and ready to leave."
            if ready
            else "A clinician has not yet assessed stability and readiness to leave.",
            "spravato-pi",
            "spravato-rems",
        )

    def no_unresolved_stop(self) -> DischargeCheck:
        stops = [alert for alert in self.alerts if alert.level == "stop"]
        if not stops:
            return self._check(
                "no_unresolved_stop", True, "No stop rule fired.", "clinic-rules-design"
            )
        cleared = self.facts.prescriber_cleared_after_stop
        codes = ", ".join(sorted({alert.code for alert in stops}))
        return self._check(
            "no_unresolved_stop",
            cleared,
            f"Stop rule(s) fired ({codes}); "
            + ("the prescriber cleared the patient." if cleared else "needs the prescriber."),
            "clinic-rules-design",
        )

    def alerts_acknowledged(self) -> DischargeCheck:
        seen = {(ack.code, ack.t_min) for ack in self.facts.acknowledged_alerts}
        open_alerts = [
            alert
            for alert in self.alerts
            if alert.level == "alert" and (alert.code, alert.t_min) not in seen
        ]
        return self._check(
            "alerts_acknowledged",
            not open_alerts,
            "Every alert acknowledged."
            if not open_alerts
            else "Not yet acknowledged: "
            + "; ".join(f"{alert.code} at minute {alert.t_min:g}" for alert in open_alerts)
            + ".",
            "clinic-rules-design",
        )

    def bp_at_40_min(self) -> DischargeCheck:
        tolerance = self.plan.bp_check_tolerance_min
        missing = [
            check
            for check in self.plan.bp_checks_min
            if check > 0
            and not any(
                r.has_bp and abs(r.t_min - check) <= tolerance for r in self.timeline.after_dose
            )
        ]
        return self._check(
            "bp_at_40_min",
            not missing,
            "BP recorded about 40 min after dosing."
            if not missing
            else f"No BP within {tolerance} min of minute {missing[0]} after dosing.",
            "spravato-pi",
            "spravato-rems",
        )

    def pulse_oximetry_recorded(self) -> DischargeCheck:
        recorded = any(r.spo2_percent is not None for r in self.timeline.after_dose)
        return self._check(
            "pulse_oximetry_recorded",
            recorded,
            "Pulse oximetry recorded during monitoring."
            if recorded
            else "No pulse oximetry after dosing (required at every session).",
            "spravato-rems",
        )


def discharge_checks(
    timeline: Timeline,
    facts: SessionFacts,
    settings: ClinicSettings,
    plan: Plan,
    alerts: list[Alert],
) -> list[DischargeCheck]:
    checker = _Checker(timeline, facts, settings, plan, alerts)
    methods: dict[DischargeCriterion, Callable[[], DischargeCheck]] = {
        "observation_time": checker.observation_time,
        "sedation_resolved": checker.sedation_resolved,
        "bp_near_baseline": checker.bp_near_baseline,
        "heart_rate_acceptable": checker.heart_rate_acceptable,
        "spo2_acceptable": checker.spo2_acceptable,
        "dissociation_resolved": checker.dissociation_resolved,
        "ambulating": checker.ambulating,
        "escort_present": checker.escort_present,
        "clinician_assessed_ready": checker.clinician_assessed_ready,
        "no_unresolved_stop": checker.no_unresolved_stop,
        "bp_at_40_min": checker.bp_at_40_min,
        "pulse_oximetry_recorded": checker.pulse_oximetry_recorded,
        "alerts_acknowledged": checker.alerts_acknowledged,
    }
    return [methods[code]() for code in plan.criteria]
