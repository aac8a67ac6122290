"""What the course page says, built in Python so that its wording is tested: local times in
the site's zone, the progress of each phase, the proposed sessions, and the engine's messages
with the protocol's title where they name its id (people read labels, never codes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Membership
from ketacare.clinical import get_protocol
from ketacare.treatment.models import TreatmentPlan

from .course_queries import SessionChoices
from .courses import PhaseProgress, Proposal
from .models import Appointment

#: The value a ``datetime-local`` input holds.
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def local_text(at: datetime, tz: ZoneInfo) -> str:
    """``Mon 2 Mar 2026, 08:00 EST``: a start in the site's zone, as the front desk says it."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"


def local_input(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime(INPUT_FORMAT)


def phase_text(phase: str) -> str:
    return phase[:1].upper() + phase[1:]


def member_text(member: Membership) -> str:
    return f"{member.user.full_name} ({member.get_role_display()})"


def plain(message: str, plan: TreatmentPlan) -> str:
    """An engine message as a sentence that names the protocol by its title."""
    protocol = get_protocol(plan.protocol_id)
    for phase in protocol.schedule:
        message = message.replace(
            f"phase '{phase.phase}' of {protocol.id}", f"the {phase.phase} of {protocol.title}"
        )
    message = message.replace(protocol.id, protocol.title)
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


@dataclass(frozen=True)
class ProgressRow:
    phase: str
    sessions: str
    done: int
    booked: int
    left: str


def progress_rows(progress: Sequence[PhaseProgress]) -> list[ProgressRow]:
    """The phases of the plan's own protocol (``courses.course_progress``)."""
    return [
        ProgressRow(
            phase_text(p.phase),
            "open-ended" if p.sessions is None else str(p.sessions),
            p.done,
            p.booked,
            "—" if p.left is None else str(p.left),
        )
        for p in progress
    ]


def then_titles(plan: TreatmentPlan) -> list[str]:
    """The protocols the plan's course continues with (booked from their own plans)."""
    titles: list[str] = []
    for phase in plan.course:
        title = str(phase.get("protocol_title", ""))
        if phase.get("protocol", plan.protocol_id) != plan.protocol_id and title not in titles:
            titles.append(title)
    return titles


def bookable_phases(progress: Sequence[PhaseProgress]) -> list[PhaseProgress]:
    """The phases with sessions left (or open-ended)."""
    return [p for p in progress if p.left is None or p.left > 0]


@dataclass(frozen=True)
class ProposedRow:
    """One proposed session as the page shows it."""

    number: int
    start: str
    chair: str
    performer: str
    prescriber: str


def proposed_rows(found: Proposal, choices: SessionChoices) -> list[ProposedRow]:
    tz = found.site.tz
    resources = {str(r.pk): r.name for r in choices.resources}
    members = {str(m.pk): member_text(m) for m in choices.performers}
    prescribers = {str(m.pk): m.user.full_name for m in choices.prescribers}
    return [
        ProposedRow(
            number=s.number,
            start=local_text(s.slot.start, tz),
            chair=resources.get(s.slot.resource_id, ""),
            performer=members.get(s.slot.performer_id, ""),
            prescriber=prescribers.get(s.slot.prescriber_id or "", ""),
        )
        for s in found.proposal.sessions
    ]


@dataclass(frozen=True)
class BookedRow:
    number: str
    phase: str
    start: str
    service: str
    site: str
    chair: str
    performer: str
    status: str
    tone: str


_TONES: dict[str, str] = {
    Appointment.Status.BOOKED: "info",
    Appointment.Status.CHECKED_IN: "good",
    Appointment.Status.COMPLETED: "good",
    Appointment.Status.CANCELLED: "muted",
    Appointment.Status.NO_SHOW: "warn",
}


def booked_rows(appointments: Iterable[Appointment]) -> list[BookedRow]:
    return [
        BookedRow(
            number=str(a.course_number or "—"),
            phase=phase_text(a.course_phase) if a.course_phase else "—",
            start=local_text(a.start_at, a.site.tz),
            service=a.service.name,
            site=a.site.name,
            chair=a.resource.name,
            performer=a.performer.user.full_name,
            status=a.get_status_display(),
            tone=_TONES.get(a.status, "muted"),
        )
        for a in appointments
    ]
