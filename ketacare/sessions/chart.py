"""A session's whole chart read at once, in the order things were measured.

The safety assessment, the concentration curve, the note, the REMS form and the chair page all
read the same ``Chart``, so one session costs one load however many of them a page shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import (
    Acknowledgement,
    Decision,
    Discharge,
    Dose,
    Event,
    Observation,
    PredoseCheck,
    RateChange,
    TreatmentSession,
    VitalSign,
)


@dataclass(frozen=True)
class Chart:
    session: TreatmentSession
    predose: list[PredoseCheck]
    doses: list[Dose]
    rate_changes: dict[int, list[RateChange]]
    vitals: list[VitalSign]
    observations: list[Observation]
    events: list[Event]
    decisions: list[Decision]
    acknowledgements: list[Acknowledgement]
    discharge: Discharge | None

    @property
    def latest_predose(self) -> PredoseCheck | None:
        return self.predose[-1] if self.predose else None

    def decisions_of(self, kind: str, *, since: datetime | None = None) -> list[Decision]:
        return [
            d for d in self.decisions if d.kind == kind and (since is None or d.decided_at >= since)
        ]


def load_chart(session: TreatmentSession) -> Chart:
    """Every entry of ``session``, each list ordered by measured time."""
    return load_charts([session])[session.pk]


def _by_session(rows: Iterable[Any], key: str = "session_id") -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def load_charts(sessions: Sequence[TreatmentSession]) -> dict[int, Chart]:
    """The charts of several sessions (the board's chairs) in one query per kind of entry."""
    ids = [s.pk for s in sessions]
    doses = _by_session(Dose.objects.filter(session_id__in=ids).order_by("measured_at", "pk"))
    changes: dict[int, list[RateChange]] = defaultdict(list)
    for change in RateChange.objects.filter(dose__session_id__in=ids).order_by("measured_at", "pk"):
        changes[change.dose_id].append(change)
    predose = _by_session(
        PredoseCheck.objects.filter(session_id__in=ids).order_by("entered_at", "pk")
    )
    vitals = _by_session(VitalSign.objects.filter(session_id__in=ids).order_by("measured_at", "pk"))
    observations = _by_session(
        Observation.objects.filter(session_id__in=ids).order_by("measured_at", "pk")
    )
    events = _by_session(Event.objects.filter(session_id__in=ids).order_by("measured_at", "pk"))
    decisions = _by_session(
        Decision.objects.filter(session_id__in=ids).order_by("decided_at", "pk")
    )
    acks = _by_session(Acknowledgement.objects.filter(session_id__in=ids))
    discharges = {d.session_id: d for d in Discharge.objects.filter(session_id__in=ids)}
    return {
        s.pk: Chart(
            session=s,
            predose=predose[s.pk],
            doses=doses[s.pk],
            rate_changes={d.pk: changes[d.pk] for d in doses[s.pk]},
            vitals=vitals[s.pk],
            observations=observations[s.pk],
            events=events[s.pk],
            decisions=decisions[s.pk],
            acknowledgements=acks[s.pk],
            discharge=discharges.get(s.pk),
        )
        for s in sessions
    }
