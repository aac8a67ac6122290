"""What candidacy and treatment add to the chart: the latest screening, the plan in force and
the latest scores, with the links to record an intake and draft a plan."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.clinical import get_protocol
from ketacare.lib.panels import Column, Panel, PanelContext, chart_panels, list_columns

from .queries import plans_in_force
from .summary import care_summary


def _care(actor: Any, patient: Any) -> PanelContext:
    if not has_perm(actor.membership, Perm.SCREENING_READ):
        return None
    return {
        "care": care_summary(patient),
        "can_intake": has_perm(actor.membership, Perm.INTAKE_RECORD),
        "can_plan": has_perm(actor.membership, Perm.PLAN_WRITE),
    }


chart_panels.register(
    Panel("care", "Candidacy and treatment", 10, "treatment/care_summary.html", _care)
)


def _plan_cells(actor: Any, patients: list[Any]) -> dict[Any, str] | None:
    """The plan in force of each patient on the page, by protocol name and status."""
    if not has_perm(actor.membership, Perm.PLAN_READ):
        return None
    return {
        patient_id: f"{get_protocol(plan.protocol_id).title} ({plan.get_status_display()})"
        for patient_id, plan in plans_in_force(patients).items()
    }


list_columns.register(Column("plan", "Plan", 10, _plan_cells))
