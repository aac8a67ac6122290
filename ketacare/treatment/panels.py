"""What candidacy and treatment add to the chart: the latest screening, the plan in force and
the latest scores, with the links to record an intake and draft a plan."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import Panel, PanelContext, chart_panels

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
