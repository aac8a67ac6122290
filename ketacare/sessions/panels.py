"""What sessions add to the chart (the patient's sessions) and to the header (the board of
the chairs, for the staff who read sessions and the patient list)."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.clinical.labels import label
from ketacare.lib.panels import HeaderLink, Panel, PanelContext, chart_panels, header_links

from .models import TreatmentSession


def _sessions(actor: Any, patient: Any) -> PanelContext:
    """The patient's sessions, newest first: date, protocol, phase, each linked to its chair
    page (the chart audits the panels it shows as its read)."""
    if not has_perm(actor.membership, Perm.SESSION_READ):
        return None
    sessions = (
        TreatmentSession.objects.filter(patient=patient)
        .select_related("site")
        .order_by("-started_at", "-pk")
    )
    return {
        "rows": [
            {
                "session": s,
                "protocol": label("protocol", s.protocol_id),
                "phase": s.get_phase_display(),
            }
            for s in sessions
        ]
    }


chart_panels.register(Panel("sessions", "Sessions", 16, "sessions/panels/sessions.html", _sessions))


def _chairs_shown(membership: Any) -> bool:
    return has_perm(membership, Perm.SESSION_READ) and has_perm(membership, Perm.PATIENT_LIST)


header_links.register(HeaderLink("chairs", "Chairs", 16, "sessions:board", _chairs_shown))
