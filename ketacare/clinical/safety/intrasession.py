"""Alert and stop rules over the readings after the first dose.

Blood pressure (``academic-clinic-bp-rule``, clinic settings): a reading above the repeat
threshold (default 180/110) is an alert to recheck; consecutive readings above it spanning the
repeat interval (default "two readings 5 minutes apart") stop dosing, and so does a single
reading above the single-reading threshold (default 200/120). A rise from baseline of at least
40 systolic or 25 diastolic alerts (the label's reported rise). Heart rate above the alert
threshold alerts; above the stop threshold for the sustained time stops. SpO2 and MOAA/S
alert and stop at their thresholds; MOAA/S 0 is loss of consciousness. Hypertensive symptoms
stop dosing and need emergency assessment (label; ``yip-2022``).
"""

from __future__ import annotations

from ketacare.clinical.safety.models import Alert, AlertLevel, SessionFacts
from ketacare.clinical.safety.timeline import Timeline
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite


def _alert(code: str, level: AlertLevel, t_min: float, message: str, *sources: str) -> Alert:
    return Alert(code=code, level=level, t_min=t_min, message=message, source=cite(*sources))


def _blood_pressure(timeline: Timeline, s: ClinicSettings) -> list[Alert]:
    alerts: list[Alert] = []
    baseline = timeline.baseline_bp
    run_start: float | None = None
    run_stopped = False
    for reading in timeline.after_dose:
        if reading.systolic_mmhg is None or reading.diastolic_mmhg is None:
            continue
        sbp, dbp, t = reading.systolic_mmhg, reading.diastolic_mmhg, reading.t_min
        value = f"{sbp}/{dbp} mmHg"
        if sbp > s.stop_single_systolic_mmhg or dbp > s.stop_single_diastolic_mmhg:
            alerts.append(
                _alert(
                    "bp_stop_single",
                    "stop",
                    t,
                    f"Blood pressure {value} is above {s.stop_single_systolic_mmhg}/"
                    f"{s.stop_single_diastolic_mmhg}: stop dosing, call the prescriber.",
                    "academic-clinic-bp-rule",
                )
            )
            run_start = run_start if run_start is not None else t
            run_stopped = True
            continue
        if sbp > s.stop_repeat_systolic_mmhg or dbp > s.stop_repeat_diastolic_mmhg:
            if run_start is None:
                run_start, run_stopped = t, False
            if t - run_start >= s.stop_repeat_interval_min and not run_stopped:
                run_stopped = True
                alerts.append(
                    _alert(
                        "bp_stop_sustained",
                        "stop",
                        t,
                        f"Blood pressure {value}: above {s.stop_repeat_systolic_mmhg}/"
                        f"{s.stop_repeat_diastolic_mmhg} on readings "
                        f"{t - run_start:g} min apart: stop dosing, call the prescriber.",
                        "academic-clinic-bp-rule",
                    )
                )
            elif not run_stopped:
                alerts.append(
                    _alert(
                        "bp_elevated_recheck",
                        "alert",
                        t,
                        f"Blood pressure {value} is above {s.stop_repeat_systolic_mmhg}/"
                        f"{s.stop_repeat_diastolic_mmhg}: recheck in "
                        f"{s.stop_repeat_interval_min:g} min.",
                        "academic-clinic-bp-rule",
                    )
                )
            continue
        run_start, run_stopped = None, False
        if baseline is not None and baseline.systolic_mmhg and baseline.diastolic_mmhg:
            rise_s = sbp - baseline.systolic_mmhg
            rise_d = dbp - baseline.diastolic_mmhg
            if rise_s >= s.alert_systolic_rise_mmhg or rise_d >= s.alert_diastolic_rise_mmhg:
                alerts.append(
                    _alert(
                        "bp_rise_from_baseline",
                        "alert",
                        t,
                        f"Blood pressure {value} has risen {rise_s:+d}/{rise_d:+d} mmHg from "
                        f"baseline (alert at +{s.alert_systolic_rise_mmhg}/"
                        f"+{s.alert_diastolic_rise_mmhg}).",
                        "spravato-pi",
                    )
                )
    return alerts


def _heart_rate(timeline: Timeline, s: ClinicSettings) -> list[Alert]:
    alerts: list[Alert] = []
    run_start: float | None = None
    run_stopped = False
    for reading in timeline.after_dose:
        rate, t = reading.heart_rate_bpm, reading.t_min
        if rate is None:
            continue
        if rate > s.stop_heart_rate_bpm:
            if run_start is None:
                run_start, run_stopped = t, False
            if t - run_start >= s.stop_heart_rate_sustained_min and not run_stopped:
                run_stopped = True
                alerts.append(
                    _alert(
                        "tachycardia_sustained",
                        "stop",
                        t,
                        f"Heart rate {rate}/min above {s.stop_heart_rate_bpm}/min for "
                        f"{t - run_start:g} min: stop dosing, call the prescriber.",
                        "academic-clinic-bp-rule",
                    )
                )
                continue
        else:
            run_start, run_stopped = None, False
        if rate > s.alert_heart_rate_bpm and not run_stopped:
            alerts.append(
                _alert(
                    "heart_rate_high",
                    "alert",
                    t,
                    f"Heart rate {rate}/min is above {s.alert_heart_rate_bpm}/min.",
                    "sanacora-2017-unverified",
                )
            )
    return alerts


def _oxygen_and_sedation(timeline: Timeline, s: ClinicSettings) -> list[Alert]:
    alerts: list[Alert] = []
    for reading in timeline.after_dose:
        t = reading.t_min
        if reading.spo2_percent is not None:
            spo2 = reading.spo2_percent
            if spo2 < s.stop_spo2_percent:
                alerts.append(
                    _alert(
                        "spo2_stop",
                        "stop",
                        t,
                        f"SpO2 {spo2}% is below {s.stop_spo2_percent}%: stop dosing, support "
                        "the airway, call the prescriber.",
                        "ketacare-placeholder",
                        "spravato-rems",
                    )
                )
            elif spo2 < s.alert_spo2_percent:
                alerts.append(
                    _alert(
                        "spo2_low",
                        "alert",
                        t,
                        f"SpO2 {spo2}% is below {s.alert_spo2_percent}%: assess breathing.",
                        "ketacare-placeholder",
                        "spravato-rems",
                    )
                )
        if reading.moaas is not None:
            if reading.moaas == 0:
                alerts.append(
                    _alert(
                        "loss_of_consciousness",
                        "stop",
                        t,
                        "MOAA/S 0 (no response to a painful stimulus): loss of consciousness.",
                        "spravato-pi",
                        "moaas-1990",
                    )
                )
            elif reading.moaas <= s.moaas_notable_sedation_max:
                alerts.append(
                    _alert(
                        "notable_sedation",
                        "alert",
                        t,
                        f"MOAA/S {reading.moaas}: notable sedation (at or below "
                        f"{s.moaas_notable_sedation_max}); monitor breathing and SpO2.",
                        "moaas-sedation-threshold",
                    )
                )
    return alerts


def _symptoms(facts: SessionFacts) -> list[Alert]:
    if not facts.hypertensive_symptoms:
        return []
    return [
        _alert(
            "hypertensive_symptoms",
            "stop",
            facts.now_t_min,
            "Symptoms of hypertensive crisis (chest pain, severe headache, neurological "
            "signs): stop dosing and arrange emergency assessment.",
            "spravato-pi",
            "yip-2022",
        )
    ]


def session_alerts(timeline: Timeline, facts: SessionFacts, s: ClinicSettings) -> list[Alert]:
    """Every alert and stop over the post-dose readings, in time order."""
    alerts = [
        *_blood_pressure(timeline, s),
        *_heart_rate(timeline, s),
        *_oxygen_and_sedation(timeline, s),
        *_symptoms(facts),
    ]
    return sorted(alerts, key=lambda alert: alert.t_min)
