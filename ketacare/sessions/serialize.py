"""A session and its entries as JSON: one shape for the API and for the chair page's script."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .assessment import Judgement, given_mg
from .chart import Chart
from .dosing import dosing_blocked
from .models import (
    Acknowledgement,
    Decision,
    Discharge,
    Dose,
    Event,
    Observation,
    PredoseCheck,
    SessionNote,
    VitalSign,
)
from .view import SessionView


def _entry(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "measured_at": row.measured_at,
        "late": row.late,
        "entered_by": row.entered_by_label,
        "entered_at": row.entered_at,
    }


def vital_json(v: VitalSign) -> dict[str, Any]:
    return {
        **_entry(v),
        "systolic_mmhg": v.systolic_mmhg,
        "diastolic_mmhg": v.diastolic_mmhg,
        "heart_rate_bpm": v.heart_rate_bpm,
        "spo2_percent": v.spo2_percent,
        "respiratory_rate_per_min": v.respiratory_rate_per_min,
        "temperature_c": float(v.temperature_c) if v.temperature_c is not None else None,
        "pain_nrs": v.pain_nrs,
        "flags": v.flags,
    }


def observation_json(o: Observation) -> dict[str, Any]:
    return {
        **_entry(o),
        "instrument": o.instrument,
        "instrument_version": o.instrument_version,
        "answers": o.answers,
        "score": o.score,
        "band": o.band,
    }


def event_json(e: Event) -> dict[str, Any]:
    return {
        **_entry(e),
        "kind": e.kind,
        "code": e.code,
        "severity": e.severity,
        "serious": e.serious,
        "outcome": e.outcome,
        "resolved_at": e.resolved_at,
        "description": e.description,
    }


def dose_json(chart: Chart, d: Dose, now: datetime) -> dict[str, Any]:
    return {
        **_entry(d),
        "kind": d.kind,
        "drug": d.drug,
        "route": d.route,
        "product": d.product,
        "lot_id": d.lot_id,
        "lot_number": d.lot_number,
        "lot_expiry": d.lot_expiry,
        "concentration_mg_per_ml": (
            float(d.concentration_mg_per_ml) if d.concentration_mg_per_ml is not None else None
        ),
        "dose_mg": float(d.dose_mg),
        "given_mg": float(given_mg(chart, d, now)),
        "ended_at": d.ended_at,
        "rate_mg_per_h": float(d.rate_mg_per_h) if d.rate_mg_per_h is not None else None,
        "rate_changes": [
            {
                **_entry(c),
                "rate_mg_per_h": float(c.rate_mg_per_h),
                "reason": c.reason,
            }
            for c in chart.rate_changes.get(d.pk, [])
        ],
        "device_number": d.device_number,
        "given_by": d.given_by_label,
        "witnessed_by": d.witnessed_by_label,
        "order": d.order_id,
    }


def decision_json(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "subject": d.subject,
        "detail": d.detail,
        "reason": d.reason,
        "decided_by": d.decided_by_label,
        "decided_at": d.decided_at,
    }


def ack_json(a: Acknowledgement) -> dict[str, Any]:
    return {**_entry(a), "code": a.code, "alert_t_min": a.alert_t_min, "note": a.note}


def predose_json(p: PredoseCheck) -> dict[str, Any]:
    return {
        **_entry(p),
        "identity_confirmed": p.identity_confirmed,
        "consent_confirmed": p.consent_confirmed,
        "hours_since_solids": float(p.hours_since_solids)
        if p.hours_since_solids is not None
        else None,
        "hours_since_clear_fluids": float(p.hours_since_clear_fluids)
        if p.hours_since_clear_fluids is not None
        else None,
        "escort_present": p.escort_present,
        "escort_name": p.escort_name,
        "escort_phone": p.escort_phone,
        "pregnancy": p.pregnancy,
        "weight_kg": float(p.weight_kg) if p.weight_kg is not None else None,
        "same_day_screen": p.same_day_screen,
        "concomitant_drug_classes": p.concomitant_drug_classes,
        "rems_patient_enrolled": p.rems_patient_enrolled,
        "rems_prescriber_on_site": p.rems_prescriber_on_site,
        "rems_pulse_oximeter": p.rems_pulse_oximeter,
        "decision": p.decision,
        "findings": p.findings,
        "dose_today": p.dose_today,
    }


def discharge_json(d: Discharge) -> dict[str, Any]:
    return {
        "discharged_at": d.discharged_at,
        "discharged_by": d.discharged_by_label,
        "left_with_name": d.left_with_name,
        "left_with_relation": d.left_with_relation,
        "dissociation_resolved": d.dissociation_resolved,
        "ambulating": d.ambulating,
        "clinician_assessed_ready": d.clinician_assessed_ready,
        "ready_without_rule_min": d.ready_without_rule_min,
        "checks": d.checks,
    }


def note_json(n: SessionNote) -> dict[str, Any]:
    return {
        "body": n.body,
        "version": n.version,
        "signed_by": n.signed_by_label,
        "signed_at": n.signed_at,
        "addenda": [
            {"body": a.body, "written_by": a.written_by_label, "written_at": a.written_at}
            for a in n.addenda.all()
        ],
    }


def safety_json(view: SessionView) -> dict[str, Any]:
    judgement: Judgement = view.judgement
    a = judgement.assessment
    open_codes = {(x.code, round(x.t_min, 2)) for x in view.open_alerts}

    def at(t_min: float) -> datetime:
        return judgement.zero + timedelta(minutes=t_min)

    return {
        "now_t_min": judgement.now_t_min,
        "predose": judgement.predose,
        "predose_findings": [f.model_dump(mode="json") for f in judgement.predose_findings],
        "dosing_blocked": dosing_blocked(view.chart, judgement),
        "stop_dosing": bool(judgement.open_stops),
        "alerts": [
            {
                **x.model_dump(mode="json"),
                "at": at(x.t_min),
                "open": (x.code, round(x.t_min, 2)) in open_codes,
            }
            for x in a.alerts
        ],
        "next_checks": [
            {**c.model_dump(mode="json"), "due_at": at(c.due_t_min)} for c in view.next_checks
        ],
        "discharge_checks": [c.model_dump(mode="json") for c in a.discharge_checks],
        "ready_for_discharge": view.ready_for_discharge,
        "warnings": list(a.warnings),
    }


def session_json(view: SessionView) -> dict[str, Any]:
    chart, s, now = view.chart, view.session, view.judgement.now
    note = SessionNote.objects.filter(session=s).prefetch_related("addenda").first()
    return {
        "id": s.pk,
        "patient_id": s.patient_id,
        "appointment": s.appointment_id,
        "site": s.site_id,
        "chair": s.chair.name if s.chair else "",
        "plan": s.plan_id,
        "plan_version": s.plan_version,
        "protocol_id": s.protocol_id,
        "protocol_version": s.protocol_version,
        "settings_version": s.settings_version.number,
        "drug": s.drug,
        "route": s.route,
        "phase": s.phase,
        "phase_label": view.phase_label,
        "weight_kg": float(s.weight_kg),
        "started_at": s.started_at,
        "first_dose_at": s.first_dose_at,
        "dose_end_at": s.dose_end_at,
        "discharged_at": s.discharged_at,
        "version": s.version,
        "predose": predose_json(chart.latest_predose) if chart.latest_predose else None,
        "doses": [dose_json(chart, d, now) for d in chart.doses],
        "vitals": [vital_json(v) for v in chart.vitals],
        "observations": [observation_json(o) for o in chart.observations],
        "events": [event_json(e) for e in chart.events],
        "decisions": [decision_json(d) for d in chart.decisions],
        "acknowledgements": [ack_json(a) for a in chart.acknowledgements],
        "discharge": discharge_json(chart.discharge) if chart.discharge else None,
        "note": note_json(note) if note is not None else None,
        "safety": safety_json(view),
    }
