"""What a plan page says, built in Python so that wording rules are tested, not hidden in a
template: the course in sentences, the curve's notes for a clinician, the dose in one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ketacare.clinical.labels import label


def _number(value: float) -> str:
    return f"{value:g}"


def interval_text(low_days: float | None, high_days: float | None) -> str:
    """ "every 7 days", "every 3–4 days", "" when the phase has no interval.

    A range whose ends are equal is one number ("every 7–7 days" read as a typo).
    """
    if low_days is None or high_days is None:
        return ""
    if low_days == high_days:
        return f"every {_number(low_days)} day{'' if low_days == 1 else 's'}"
    return f"every {_number(low_days)}–{_number(high_days)} days"


@dataclass(frozen=True)
class CourseRow:
    then: str  # "Then Depression: IV ketamine maintenance" when the protocol changes, else ""
    phase: str
    sessions: str
    interval: str
    note: str


def course_rows(course: Sequence[Mapping[str, Any]]) -> list[CourseRow]:
    """The stored course as rows; an internal note (if an old plan stored one) is not shown."""
    rows: list[CourseRow] = []
    previous = None
    for phase in course:
        protocol = phase.get("protocol")
        then = ""
        if previous is not None and protocol != previous:
            then = f"Then {phase.get('protocol_title') or label('protocol', str(protocol))}"
        previous = protocol
        sessions = phase.get("sessions")
        rows.append(
            CourseRow(
                then=then,
                phase=str(phase.get("phase", "")).capitalize(),
                sessions=f"{sessions} session{'' if sessions == 1 else 's'}" if sessions else "",
                interval=interval_text(
                    phase.get("interval_days_min"), phase.get("interval_days_max")
                ),
                note=str(phase.get("note", "")),
            )
        )
    return rows


UNCONFIRMED_MARK = " is UNCONFIRMED: "


def curve_notes(warnings: Sequence[str]) -> tuple[list[str], str]:
    """The curve's warnings for a clinician, and one sentence for the unconfirmed model values.

    The PK engine names each unconfirmed parameter with a maintainer's note (papers not
    retrieved, CLI options); a clinician needs to know only that the curve is approximate.
    """
    shown = [w for w in warnings if UNCONFIRMED_MARK not in w]
    unconfirmed = len(warnings) - len(shown)
    if not unconfirmed:
        return [_sentence(w) for w in shown], ""
    values = "value" if unconfirmed == 1 else "values"
    return (
        [_sentence(w) for w in shown],
        f"The model uses {unconfirmed} {values} not yet confirmed against the published "
        "source: treat the predicted curve as approximate.",
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


@dataclass(frozen=True)
class VersionRow:
    plan: Any
    number: int
    status: str
    created: str  # "Dr Bob Prescriber, 2026-11-20 14:02"
    signed: str
    reason: str
    changes: list[str]
    current: bool


def _who(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "email", "")) if user else "—"


def _when(moment: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def version_changes(previous: Any, plan: Any) -> list[str]:
    """What a version changed from the one it revises, in words."""
    if previous is None:
        return []
    changes: list[str] = []
    if previous.protocol_id != plan.protocol_id:
        changes.append(
            f"Protocol: {label('protocol', previous.protocol_id)} → "
            f"{label('protocol', plan.protocol_id)}"
        )
    if previous.dose_mg != plan.dose_mg:
        changes.append(f"Dose: {float(previous.dose_mg):g} mg → {float(plan.dose_mg):g} mg")
    old_c = previous.dose.get("concentration_mg_per_ml")
    new_c = plan.dose.get("concentration_mg_per_ml")
    if old_c != new_c:
        changes.append(
            f"Concentration: {old_c if old_c is not None else 'none'} → "
            f"{new_c if new_c is not None else 'none'} mg/mL"
        )
    if previous.integrative_items != plan.integrative_items:
        changes.append(
            f"Integrative care: {len(previous.integrative_items)} → "
            f"{len(plan.integrative_items)} items"
        )
    if previous.course_note != plan.course_note:
        changes.append("Course note changed")
    return changes


def version_rows(versions: Sequence[Any], current: Any) -> list[VersionRow]:
    rows = []
    previous = None
    for plan in versions:
        rows.append(
            VersionRow(
                plan=plan,
                number=plan.plan_version,
                status=label("plan_status", plan.status),
                created=f"{_who(plan.created_by)}, {_when(plan.created_at)}",
                signed=(
                    f"{plan.signed_by_label}, {_when(plan.signed_at)}" if plan.signed_at else ""
                ),
                reason=plan.change_reason,
                changes=version_changes(previous, plan),
                current=plan.pk == current.pk,
            )
        )
        previous = plan
    return rows


def dose_line(plan: Any) -> str:
    """ "ketamine IV 41.3 mg (0.5 mg/kg of 82.5 kg) over 40 min" for the sign confirmation."""
    text = f"{label('drug', plan.drug)}, {label('route', plan.route)}: {float(plan.dose_mg):g} mg"
    devices = plan.dose.get("devices")
    if devices:
        text += f" ({devices} device{'' if devices == 1 else 's'} of 28 mg)"
    duration = plan.dose.get("duration_min")
    if duration:
        text += f" over {duration:g} min"
    return text
