"""A session's whole chart read at once, in the order things were measured.

The safety assessment, the concentration curve, the note, the REMS form and the chair page all
read the same ``Chart``, so one session costs one load however many of them a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    doses = list(Dose.objects.filter(session=session).order_by("measured_at", "pk"))
    changes: dict[int, list[RateChange]] = {dose.pk: [] for dose in doses}
    for change in RateChange.objects.filter(dose__session=session).order_by("measured_at", "pk"):
        changes[change.dose_id].append(change)
    return Chart(
        session=session,
        predose=list(PredoseCheck.objects.filter(session=session).order_by("entered_at", "pk")),
        doses=doses,
        rate_changes=changes,
        vitals=list(VitalSign.objects.filter(session=session).order_by("measured_at", "pk")),
        observations=list(
            Observation.objects.filter(session=session).order_by("measured_at", "pk")
        ),
        events=list(Event.objects.filter(session=session).order_by("measured_at", "pk")),
        decisions=list(Decision.objects.filter(session=session).order_by("decided_at", "pk")),
        acknowledgements=list(Acknowledgement.objects.filter(session=session)),
        discharge=Discharge.objects.filter(session=session).first(),
    )
