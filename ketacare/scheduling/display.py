"""What the schedule's pages show, built in Python so that placement and wording are tested,
not hidden in a template: the day as table rows (a block spans the 15-minute rows its
appointment holds), the week by local day, free slots by day and start, status badges."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Membership
from ketacare.clinical.labels import label
from ketacare.treatment.models import TreatmentPlan

from .availability import FreeSlot
from .models import Appointment, Resource, Service
from .queries import LATE_AFTER, SiteDay

#: Badge tone (docs/style-guide.md) of each status.
STATUS_TONES = {
    Appointment.Status.BOOKED: "info",
    Appointment.Status.CHECKED_IN: "good",
    Appointment.Status.COMPLETED: "muted",
    Appointment.Status.CANCELLED: "muted",
    Appointment.Status.NO_SHOW: "bad",
}


@dataclass(frozen=True)
class Badge:
    tone: str
    text: str


def status_badges(appointment: Appointment, now: datetime) -> list[Badge]:
    """The status in words; a booked appointment not checked in 10 minutes after its start
    is also late."""
    status = Appointment.Status(appointment.status)
    badges = [Badge(STATUS_TONES[status], status.label)]
    if status == Appointment.Status.BOOKED and now > appointment.start_at + LATE_AFTER:
        badges.append(Badge("warn", "Late"))
    return badges


def time_span(appointment: Appointment, tz: ZoneInfo) -> str:
    """ "09:00–10:55" in the site's zone (the whole block, recovery and buffer included)."""
    start, end = appointment.start_at.astimezone(tz), appointment.end_at.astimezone(tz)
    return f"{start:%H:%M}–{end:%H:%M}"


def member_name(member: Membership | None) -> str:
    return member.user.full_name if member is not None else ""


@dataclass(frozen=True)
class Block:
    """An appointment's cell in the grid: it starts on its row and spans ``rowspan`` rows."""

    appointment: Appointment
    rowspan: int
    time: str
    badges: list[Badge]


@dataclass(frozen=True)
class GridRow:
    at: datetime
    label: str
    on_the_hour: bool
    #: One cell per column that starts or is free on this row: a ``Block``, or None for a
    #: free quarter; a column an earlier block still spans has no cell here.
    cells: list[tuple[int, Block | None]] = field(default_factory=list)


def _placed(
    starts: Sequence[datetime], appointments: Iterable[Appointment]
) -> dict[int, tuple[int, int]]:
    """Each appointment of one column: its first row and how many rows it spans. A block
    starts on the row holding its start and ends on the last row that starts before its end,
    never reaching into the block after it (a walk-in at 09:10 starts on the 09:00 row)."""
    placed: dict[int, tuple[int, int]] = {}
    free_from = 0
    for appointment in sorted(appointments, key=lambda a: a.start_at):
        first = max(bisect_right(starts, appointment.start_at) - 1, 0, free_from)
        if first >= len(starts):
            continue
        last = min(bisect_left(starts, appointment.end_at), len(starts))
        rows = max(last - first, 1)
        placed[appointment.pk] = (first, rows)
        free_from = first + rows
    return placed


def day_grid(day: SiteDay, now: datetime) -> list[GridRow]:
    """The rows of the site's day, each with its cells column by column."""
    tz = day.site.tz
    starts = [row.astimezone(tz) for row in day.rows]
    by_column: dict[int, dict[int, Block]] = {}
    for index, column in enumerate(day.columns):
        mine = [a for a in day.appointments if a.resource_id == column.resource.pk]
        by_appointment = {a.pk: a for a in mine}
        by_column[index] = {
            first: Block(
                by_appointment[pk],
                rows,
                time_span(by_appointment[pk], tz),
                status_badges(by_appointment[pk], now),
            )
            for pk, (first, rows) in _placed(starts, mine).items()
        }
    grid = []
    covered_until = [0] * len(day.columns)
    for row_index, at in enumerate(starts):
        cells: list[tuple[int, Block | None]] = []
        for col in range(len(day.columns)):
            if row_index < covered_until[col]:
                continue
            block = by_column[col].get(row_index)
            if block is not None:
                covered_until[col] = row_index + block.rowspan
            cells.append((col, block))
        grid.append(GridRow(at, f"{at:%H:%M}", at.minute == 0, cells))
    return grid


@dataclass(frozen=True)
class Listed:
    """An appointment on a list (the day on a phone, the week, my day)."""

    appointment: Appointment
    time: str
    badges: list[Badge]


def listed(appointments: Iterable[Appointment], now: datetime) -> list[Listed]:
    return [
        Listed(a, time_span(a, a.site.tz), status_badges(a, now))
        for a in sorted(appointments, key=lambda a: (a.start_at, a.resource.name))
    ]


@dataclass(frozen=True)
class WeekDay:
    day: date
    is_today: bool
    appointments: list[Listed]


def week_days(
    monday: date, appointments: Iterable[Appointment], tz: ZoneInfo, now: datetime
) -> list[WeekDay]:
    """Monday to Sunday, each with the appointments starting on that local day."""
    rows = listed(appointments, now)
    today = now.astimezone(tz).date()
    days = [monday + timedelta(days=n) for n in range(7)]
    return [
        WeekDay(
            day,
            day == today,
            [r for r in rows if r.appointment.start_at.astimezone(tz).date() == day],
        )
        for day in days
    ]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class SlotRow:
    """One start of the free slots: the engine's choice of chair or room, performer and
    prescriber on site, and how many other chairs or rooms are free then."""

    slot: FreeSlot
    time: str
    others: int


@dataclass(frozen=True)
class SlotDay:
    day: date
    rows: list[SlotRow]


def slot_days(slots: Sequence[FreeSlot]) -> list[SlotDay]:
    """Free slots by local day (each site's zone) and start; the first slot of a start is
    the engine's preference."""
    days: dict[date, list[SlotRow]] = {}
    seen: dict[tuple[datetime, int], int] = {}
    for slot in slots:
        key = (slot.start, slot.site.pk)
        local = slot.start.astimezone(slot.site.tz)
        rows = days.setdefault(local.date(), [])
        if key in seen:
            index = seen[key]
            rows[index] = SlotRow(rows[index].slot, rows[index].time, rows[index].others + 1)
            continue
        seen[key] = len(rows)
        rows.append(SlotRow(slot, f"{local:%H:%M}", 0))
    return [SlotDay(day, rows) for day, rows in sorted(days.items())]


# --- choices of the forms ----------------------------------------------------------------


def resource_choices(resources: Iterable[Resource], kind: str) -> list[tuple[int, str]]:
    """The active chairs (or rooms) a service can use, by site when there are several."""
    rows = [r for r in resources if r.is_active and r.kind == kind]
    several = len({r.site_id for r in rows}) > 1
    return [(r.pk, f"{r.name} ({r.site.name})" if several else r.name) for r in rows]


def performer_choices(service: Service) -> list[tuple[int, str]]:
    """The clinic's active staff whose role performs the service, by name."""
    members = Membership.objects.filter(
        clinic_id=service.clinic_id, is_active=True, role__in=service.performer_roles
    ).select_related("user")
    return sorted(
        ((m.pk, f"{m.user.full_name} ({m.get_role_display()})") for m in members),
        key=lambda choice: choice[1],
    )


def signed_plans(patient_id: Any, service: Service | None) -> list[TreatmentPlan]:
    """The patient's signed plans the service delivers (its protocol is one of the
    service's), newest first: those a booking may be made on."""
    if service is None:
        return []
    plans = TreatmentPlan.objects.filter(
        patient_id=patient_id,
        status=TreatmentPlan.Status.SIGNED,
        protocol_id__in=service.protocol_ids,
    )
    return list(plans.order_by("-signed_at", "-pk"))


def plan_label(plan: TreatmentPlan) -> str:
    return f"{label('protocol', plan.protocol_id)} (version {plan.plan_version}, signed)"
