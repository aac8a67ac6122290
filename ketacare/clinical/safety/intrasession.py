"""Alert and stop rules over the readings after the first dose.

Blood pressure (``academic-clinic-bp-rule``, clinic settings): a reading above the repeat
threshold (default 180/110) is an alert to recheck; consecutive readings above it spanning the
repeat interval (default "two readings 5 minutes apart") stop dosing, and so does a single
reading above the single-reading threshold (default 200/120). A rise from baseline of at least
40 systolic or 25 diastolic alerts (the label's reported rise). Heart rate above the alert
threshold alerts; above the stop threshold for the sustained time stops. SpO2 and MOAA/S
alert and stop at their thresholds; MOAA/S at or below ``stop_moaas_max`` (default 2) is deep
sedation and stops dosing (ASA continuum), MOAA/S 0 is loss of consciousness. Low systolic BP,
low heart rate and low or high respiratory rate alert and stop at the NEWS2 bands. Hypertensive
symptoms stop dosing and need emergency assessment (label; ``yip-2022``); vomiting is an alert
(aspiration risk: protect the airway).
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
                    "news2-rcp-2017",
                )
            )
    return alerts


def _low_side(timeline: Timeline, s: ClinicSettings) -> list[Alert]:
    """Hypotension and bradycardia (NEWS2 single-parameter bands)."""
    alerts: list[Alert] = []
    for reading in timeline.after_dose:
        t, sbp, rate = reading.t_min, reading.systolic_mmhg, reading.heart_rate_bpm
        if sbp is not None and sbp <= s.stop_systolic_low_mmhg:
            alerts.append(
                _alert(
                    "hypotension_stop",
                    "stop",
                    t,
                    f"Systolic BP {sbp} mmHg is at or below {s.stop_systolic_low_mmhg}: stop "
                    "dosing, lay the patient flat, call the prescriber.",
                    "news2-rcp-2017",
                )
            )
        elif sbp is not None and sbp <= s.alert_systolic_low_mmhg:
            alerts.append(
                _alert(
                    "hypotension",
                    "alert",
                    t,
                    f"Systolic BP {sbp} mmHg is at or below {s.alert_systolic_low_mmhg}: recheck "
                    "and assess.",
                    "news2-rcp-2017",
                )
            )
        if rate is not None and rate <= s.stop_heart_rate_low_bpm:
            alerts.append(
                _alert(
                    "bradycardia_stop",
                    "stop",
                    t,
                    f"Heart rate {rate}/min is at or below {s.stop_heart_rate_low_bpm}/min: stop "
                    "dosing, call the prescriber.",
                    "news2-rcp-2017",
                )
            )
        elif rate is not None and rate <= s.alert_heart_rate_low_bpm:
            alerts.append(
                _alert(
                    "bradycardia",
                    "alert",
                    t,
                    f"Heart rate {rate}/min is at or below {s.alert_heart_rate_low_bpm}/min: "
                    "recheck and assess.",
                    "news2-rcp-2017",
                )
            )
    return alerts


def _breathing(timeline: Timeline, s: ClinicSettings) -> list[Alert]:
    """Respiratory rate low (respiratory depression, a boxed warning) or high."""
    alerts: list[Alert] = []
    for reading in timeline.after_dose:
        rate, t = reading.respiratory_rate_per_min, reading.t_min
        if rate is None:
            continue
        level: AlertLevel
        if rate <= s.stop_respiratory_rate_low_per_min:
            code, level = "respiratory_rate_low_stop", "stop"
            text = (
                f"at or below {s.stop_respiratory_rate_low_per_min}/min: stop dosing, support "
                "the airway, call the prescriber."
            )
        elif rate >= s.stop_respiratory_rate_high_per_min:
            code, level = "respiratory_rate_high_stop", "stop"
            text = f"at or above {s.stop_respiratory_rate_high_per_min}/min: stop dosing, assess."
        elif rate <= s.alert_respiratory_rate_low_per_min:
            code, level = "respiratory_rate_low", "alert"
            text = f"at or below {s.alert_respiratory_rate_low_per_min}/min: assess breathing."
        elif rate >= s.alert_respiratory_rate_high_per_min:
            code, level = "respiratory_rate_high", "alert"
            text = f"at or above {s.alert_respiratory_rate_high_per_min}/min: assess breathing."
        else:
            continue
        alerts.append(
            _alert(code, level, t, f"Respiratory rate {rate}/min is {text}", "news2-rcp-2017")
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
                        "news2-rcp-2017",
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
            elif reading.moaas <= s.stop_moaas_max:
                alerts.append(
                    _alert(
                        "deep_sedation",
                        "stop",
                        t,
                        f"MOAA/S {reading.moaas} (at or below {s.stop_moaas_max}): deep "
                        "sedation, stop dosing, support the airway, call the prescriber.",
                        "asa-sedation-continuum",
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


def _hypertensive_symptoms(t_min: float) -> Alert:
    return _alert(
        "hypertensive_symptoms",
        "stop",
        t_min,
        "Symptoms of hypertensive crisis (chest pain, severe headache, neurological "
        "signs): stop dosing and arrange emergency assessment.",
        "spravato-pi",
        "yip-2022",
    )


def _symptoms(facts: SessionFacts) -> list[Alert]:
    alerts: list[Alert] = []
    for event in facts.events:
        if event.code == "hypertensive_symptoms":
            alerts.append(_hypertensive_symptoms(event.t_min))
        elif event.code == "emesis":
            alerts.append(
                _alert(
                    "emesis",
                    "alert",
                    event.t_min,
                    "Vomiting: aspiration risk; keep the airway clear (sit up or recovery "
                    "position) and assess sedation.",
                    "spravato-pi",
                    "asa-fasting-2017",
                )
            )
    if facts.hypertensive_symptoms and not any(
        event.code == "hypertensive_symptoms" for event in facts.events
    ):
        alerts.append(_hypertensive_symptoms(facts.now_t_min))
    return alerts


def session_alerts(timeline: Timeline, facts: SessionFacts, s: ClinicSettings) -> list[Alert]:
    """Every alert and stop over the post-dose readings, in time order."""
    alerts = [
        *_blood_pressure(timeline, s),
        *_heart_rate(timeline, s),
        *_low_side(timeline, s),
        *_breathing(timeline, s),
        *_oxygen_and_sedation(timeline, s),
        *_symptoms(facts),
    ]
    return sorted(alerts, key=lambda alert: alert.t_min)
