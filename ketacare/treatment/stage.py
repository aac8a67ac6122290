"""The patient list's stage column: how far each patient has come in care, by its label.

Registered here because treatment sees both the screenings and the signed plans (treatment is
above screening in the layers). "New", "screened" and "planned" come from this app's own stage
source; an app added later (sessions: in induction, maintenance) registers a ``StageSource``
of its own, and the column shows the furthest stage any source reports for the patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import Column, Stage, StageSource, list_columns, stage_sources
from ketacare.patients.models import Patient
from ketacare.screening.models import ScreeningResult

from .models import TreatmentPlan

NEW = Stage("new", "New", 0)
SCREENED = Stage("screened", "Screened", 10)
PLANNED = Stage("planned", "Planned", 20)
# Later stages the sessions app will report (ranks kept free for them): in induction (30),
# maintenance (40).


def _screening_and_plan(actor: Any, patients: list[Any]) -> Mapping[Any, Stage] | None:
    """Screened: a screening result exists; planned: a signed plan exists (one query)."""
    if not has_perm(actor.membership, Perm.SCREENING_READ):
        return None
    rows = (
        Patient.objects.filter(pk__in=[p.pk for p in patients])
        .annotate(
            screened=Exists(ScreeningResult.objects.filter(patient=OuterRef("pk"))),
            planned=Exists(
                TreatmentPlan.objects.filter(
                    patient=OuterRef("pk"), status=TreatmentPlan.Status.SIGNED
                )
            ),
        )
        .values_list("pk", "screened", "planned")
    )
    stages: dict[Any, Stage] = {}
    for pk, screened, planned in rows:
        if planned:
            stages[pk] = PLANNED
        elif screened:
            stages[pk] = SCREENED
    return stages


def _stage_cells(actor: Any, patients: list[Any]) -> dict[Any, str] | None:
    """Each patient's furthest stage by any registered source; "New" when none reports one."""
    if not has_perm(actor.membership, Perm.SCREENING_READ):
        return None
    furthest = dict.fromkeys((p.pk for p in patients), NEW)
    for source in stage_sources:
        reported = source.stages(actor, patients)
        for pk, stage in (reported or {}).items():
            if pk in furthest and stage.rank > furthest[pk].rank:
                furthest[pk] = stage
    return {pk: stage.label for pk, stage in furthest.items()}


stage_sources.register(StageSource("screening_and_plan", 10, _screening_and_plan))
list_columns.register(Column("stage", "Stage", 5, _stage_cells))
