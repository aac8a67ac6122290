"""How the chair page and the board show a session: the timeline in measured order, the lots a
dose may come from, the predicted-and-given chart, and "in 5 min" / "overdue 3 min"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ketacare.accounts.models import Membership
from ketacare.clinical.instruments import get_instrument
from ketacare.clinical.labels import label
from ketacare.controlled.queries import usable_lots
from ketacare.lib.svgchart import LineChart, line_chart

from .charting import SIDE_EFFECTS
from .curve import Curves
from .dosing import WITNESS_ROLES
from .models import Dose, Observation, PredoseCheck, TreatmentSession
from .plan_check import KINDS_BY_ROUTE
from .queries import Chair
from .view import SessionView
from .vital_text import vital_parts

#: Spravato devices are given 5 minutes apart (SPRAVATO PI section 2.4: "wait 5 minutes
#: between devices"); the page counts down from the last device.
DEVICE_INTERVAL = timedelta(minutes=5)


def minutes_from_now(at: datetime, now: datetime) -> str:
    """ "in 4 min", "due now" or "overdue 3 min"."""
    delta = (at - now).total_seconds() / 60.0
    if delta >= 1:
        return f"in {int(delta)} min"
    if delta > -1:
        return "due now"
    return f"overdue {int(-delta)} min"


@dataclass(frozen=True)
class Line:
    """One row of the timeline."""

    at: datetime
    what: str
    detail: str
    late: bool
    by: str


def who(entered_by_label: str) -> str:
    """The person's name from an actor's label ("Nina Nurse <nina@…> (nurse)")."""
    return entered_by_label.split(" <")[0].strip()


def _vitals_text(v: Any) -> str:
    return ", ".join(vital_parts(v)) + ("".join(f" (unusual: {f})" for f in v.flags))


def _dose_text(d: Dose) -> str:
    text = f"{d.dose_mg.normalize():f} mg, {d.product}, lot {d.lot_number}"
    if d.kind == Dose.Kind.DEVICE:
        text = f"Device {d.device_number}: " + text
    if d.rate_mg_per_h is not None:
        text += f" at {d.rate_mg_per_h.normalize():f} mg/h"
    if d.witnessed_by_label:
        text += f", witnessed by {d.witnessed_by_label}"
    return text


def timeline(view: SessionView) -> list[Line]:
    """Every entry of the chart by the time it was measured (a decision: when it was made)."""
    chart = view.chart
    lines: list[Line] = []
    for p in chart.predose:
        lines.append(
            Line(
                p.measured_at,
                "Pre-dose checklist",
                label("predose_decision", p.decision),
                p.late,
                p.entered_by_label,
            )
        )
    for d in chart.doses:
        lines.append(
            Line(d.measured_at, d.get_kind_display(), _dose_text(d), d.late, d.entered_by_label)
        )
        for c in chart.rate_changes.get(d.pk, []):
            rate = f"{c.rate_mg_per_h.normalize():f} mg/h"
            lines.append(
                Line(
                    c.measured_at, "Rate change", f"{rate}: {c.reason}", c.late, c.entered_by_label
                )
            )
        if d.ended_at is not None and d.kind == Dose.Kind.INFUSION:
            lines.append(Line(d.ended_at, "Infusion ended", "", False, d.entered_by_label))
    for v in chart.vitals:
        lines.append(
            Line(v.measured_at, "Vital signs", _vitals_text(v), v.late, v.entered_by_label)
        )
    for o in chart.observations:
        name = get_instrument(o.instrument).abbreviation
        band = f" ({o.band})" if o.band else ""
        lines.append(Line(o.measured_at, name, f"{o.score}{band}", o.late, o.entered_by_label))
    for e in chart.events:
        text = f"{SIDE_EFFECTS.get(e.code, e.code)}, {e.get_severity_display().lower()}"
        text += f", {e.get_outcome_display().lower()}"
        if e.serious:
            text += ", serious"
        if e.description:
            text += f": {e.description}"
        lines.append(Line(e.measured_at, e.get_kind_display(), text, e.late, e.entered_by_label))
    for dec in chart.decisions:
        lines.append(
            Line(dec.decided_at, dec.get_kind_display(), dec.reason, False, dec.decided_by_label)
        )
    fired = {(a.code, round(a.t_min, 2)): a.message for a in view.judgement.assessment.alerts}
    for a in chart.acknowledgements:
        note = f" · {a.note}" if a.note else ""
        message = fired.get((a.code, round(a.alert_t_min, 2)), "an alert")
        lines.append(
            Line(
                a.measured_at, "Alert acknowledged", f"{message}{note}", a.late, a.entered_by_label
            )
        )
    lines = [Line(x.at, x.what, x.detail, x.late, who(x.by)) for x in lines]
    return sorted(lines, key=lambda line: line.at)


def dose_kinds(session: TreatmentSession) -> list[tuple[str, str]]:
    """The kinds of dose this drug and route chart as, the route's usual one first."""
    kinds = KINDS_BY_ROUTE.get((session.drug, session.route), ())
    return [(k, Dose.Kind(k).label) for k in kinds]


def lot_choices(session: TreatmentSession) -> list[tuple[int, str]]:
    """The site's usable lots of the session's drug, first-expiring first: number, expiry,
    what is left."""
    lots = usable_lots(session.clinic_id, session.site_id).filter(product__drug=session.drug)
    rows = []
    for lot in lots:
        left = lot.balance.normalize()
        unit = lot.product.unit
        unit_text = f"{unit}{'s' if unit == 'device' and left != Decimal(1) else ''}"
        rows.append(
            (
                lot.pk,
                f"{lot.lot_number} · expires {lot.expires_on:%d %b %Y} · {left:f} {unit_text} "
                f"left · {lot.product.name}",
            )
        )
    return rows


def witness_choices(session: TreatmentSession, user_id: int | None) -> list[tuple[int, str]]:
    members = (
        Membership.objects.filter(
            clinic_id=session.clinic_id, is_active=True, role__in=WITNESS_ROLES
        )
        .exclude(user_id=user_id or 0)
        .select_related("user")
        .order_by("user__full_name")
    )
    return [(m.pk, f"{m.user.full_name} ({m.get_role_display()})") for m in members]


def moaas_options() -> list[tuple[int, str]]:
    """MOAA/S 0-5 with the instrument's own anchors (``data/instruments/moaas.toml``)."""
    definition = get_instrument("moaas")
    options = definition.option_sets[0].options
    return [(o.value, f"{o.value}: {o.label}") for o in sorted(options, key=lambda o: -o.value)]


def cadss_max() -> int:
    return get_instrument("cadss").max_total


def devices_planned(session: TreatmentSession) -> int | None:
    devices = session.plan.dose.get("devices")
    return int(devices) if devices is not None else None


@dataclass(frozen=True)
class DeviceStep:
    """The next Spravato device: its number, and when it may be given."""

    number: int
    planned: int
    ready_at: datetime | None
    wait_s: int


def next_device(view: SessionView) -> DeviceStep | None:
    planned = devices_planned(view.session)
    if view.session.drug != "esketamine" or planned is None:
        return None
    given = [d for d in view.chart.doses if d.kind == Dose.Kind.DEVICE]
    if len(given) >= planned:
        return None
    ready = given[-1].measured_at + DEVICE_INTERVAL if given else None
    wait = max(0, int((ready - view.judgement.now).total_seconds())) if ready else 0
    return DeviceStep(len(given) + 1, planned, ready, wait)


def running_infusions(view: SessionView) -> list[Dose]:
    return [d for d in view.chart.doses if d.kind == Dose.Kind.INFUSION and d.ended_at is None]


def current_rate(view: SessionView, dose: Dose) -> Decimal | None:
    changes = view.chart.rate_changes.get(dose.pk, [])
    return changes[-1].rate_mg_per_h if changes else dose.rate_mg_per_h


def curve_chart(curves: Curves) -> tuple[LineChart, str]:
    """The given curve drawn on the chart, the plan's prediction as a second line."""
    predicted = [c for c in curves.predicted_conc_ng_per_ml if c is not None]
    xs = curves.t_min
    chart = line_chart(
        xs,
        curves.given_conc_ng_per_ml,
        x_label="Minutes from the first dose",
        y_label="Plasma concentration (ng/mL)",
        series_label="Given (from the doses charted)",
        also=predicted,
    )
    return chart, chart.scaled(xs[: len(predicted)], predicted)


def predose_defaults(session: TreatmentSession) -> dict[str, Any]:
    """The checklist's first values: the escort on the chart's contacts, and pregnancy not
    applicable for a patient male at birth."""
    from ketacare.patients.models import RelatedPerson

    escort = (
        RelatedPerson.objects.filter(
            patient_id=session.patient_id,
            relationship=RelatedPerson.Relationship.ESCORT,
            is_active=True,
        )
        .order_by("-pk")
        .first()
    )
    male = session.patient.sex_at_birth == "male"
    return {
        "escort_name": escort.name if escort else "",
        "escort_phone": escort.phone if escort else "",
        "escort_present": False,
        "pregnancy": PredoseCheck.Pregnancy.NOT_APPLICABLE if male else "",
        "screen_source": "now",
    }


@dataclass(frozen=True)
class BoardRow:
    chair: str
    session_id: int | None
    initials: str
    phase: str
    minutes: int | None
    next_at: datetime | None
    next_in: str
    next_check: str
    alerts: int
    first_alert: str
    overdue: bool


def board_rows(chairs: list[Chair], now: datetime) -> list[BoardRow]:
    rows = []
    for chair in chairs:
        view = chair.view
        if view is None:
            rows.append(
                BoardRow(chair.resource.name, None, "", "", None, None, "", "", 0, "", False)
            )
            continue
        alerts = view.open_alerts
        next_at = view.next_check_at
        rows.append(
            BoardRow(
                chair.resource.name,
                view.session.pk,
                chair.initials,
                view.phase_label,
                view.minutes_since_first_dose,
                next_at,
                minutes_from_now(next_at, now) if next_at else "",
                view.next_check,
                len(alerts),
                alerts[0].message if alerts else "",
                bool(next_at and next_at < now - timedelta(minutes=1)),
            )
        )
    return rows


def observation_label(instrument: str) -> str:
    return Observation.Instrument(instrument).label


def observation_ends_at(session: TreatmentSession) -> datetime | None:
    """When the protocol's minimum observation ends: from the first dose or the end of
    dosing, for the label's time (Spravato: 2 h) or the clinic's setting."""
    from ketacare.accounts.clinic_rules import version_settings
    from ketacare.clinical.protocols import get_protocol

    monitoring = get_protocol(session.protocol_id).monitoring
    start = session.first_dose_at if monitoring.observation_from == "first_dose" else None
    if monitoring.observation_from == "dose_end":
        start = session.dose_end_at
    if start is None:
        return None
    observe = monitoring.min_observation_min
    if observe is None:
        observe = version_settings(session.settings_version).racemic_min_observation_min
    return start + timedelta(minutes=observe)
