"""What the patient record adds to the chart (its details and each section of rows) and to
the header (the patient list, registration)."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.permissions import Perm, has_perm
from ketacare.lib.panels import HeaderLink, Panel, PanelContext, chart_panels, header_links

from .models import BodyMeasurement
from .parts import PARTS, PartSpec
from .queries import section_of


def _details(actor: Any, patient: Any) -> PanelContext:
    latest = None
    if has_perm(actor.membership, Perm.CLINICAL_READ):
        latest = (
            BodyMeasurement.objects.filter(patient=patient)
            .order_by("-measured_on", "-created_at")
            .first()
        )
    return {"latest_measurement": latest}


def _section_panel(spec: PartSpec, weight: int) -> Panel:
    def load(actor: Any, patient: Any) -> PanelContext:
        section = section_of(actor, patient, spec)
        return {"section": section} if section is not None else None

    return Panel(spec.key, spec.title, weight, "patients/panels/section.html", load)


chart_panels.register(Panel("details", "Details", 0, "patients/panels/details.html", _details))
for _weight, _spec in enumerate(PARTS.values(), start=2):
    chart_panels.register(_section_panel(_spec, _weight * 10))

header_links.register(
    HeaderLink(
        "patients",
        "Patients",
        10,
        "patients:list",
        lambda membership: has_perm(membership, Perm.PATIENT_LIST),
    )
)
header_links.register(
    HeaderLink(
        "register",
        "Register a patient",
        20,
        "patients:create",
        lambda membership: has_perm(membership, Perm.PATIENT_CREATE),
    )
)
