"""Reads of patient data. Each one is audited, since reading a chart is an access to PHI."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q, QuerySet

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm, has_perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import FieldErrors, NotVisible
from ketacare.lib.panels import Column, Panel, chart_panels, list_columns

from . import display
from .access import get_patient_for_user, visible_patients
from .models import Patient, PatientId, phone_digits, search_key
from .parts import PARTS, PartSpec

# Sort keys a caller may ask for; anything else is refused, never passed to the database.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name_sort", "mrn"),
    "-name": ("-name_sort", "-mrn"),
    "mrn": ("mrn",),
    "-mrn": ("-mrn",),
    "date_of_birth": ("date_of_birth", "name_sort"),
    "-date_of_birth": ("-date_of_birth", "name_sort"),
    "created": ("created_at", "mrn"),
    "-created": ("-created_at", "-mrn"),
}
STATUSES = ("active", "inactive", "all")
PAGE_SIZE_MAX = 100
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
_MRN_LIKE = re.compile(r"^(?=.*\d)[A-Za-z0-9-]{2,32}$")
# A search made of phone characters with at least this many digits also matches phones.
_PHONE_LIKE = re.compile(r"^\+?[0-9 ()./-]+$")
_PHONE_MIN_DIGITS = 4


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _matching(patients: QuerySet[Patient], q: str) -> QuerySet[Patient]:
    """Match a date of birth; else every word of the name (accents ignored), part of the MRN
    (any case: "0012" and "kc00001" find KC000012), or the digits of a phone whatever its
    formatting ("(555) 014-2" finds "+1 555-0142", through the stored ``phone_digits``)."""
    q = q.strip()
    if not q:
        return patients
    day = _parse_date(q)
    if day is not None:
        return patients.filter(date_of_birth=day)
    found = Q()
    for word in search_key(q).split():
        found &= Q(name_search__contains=word)
    if _MRN_LIKE.match(q):
        found |= Q(mrn__icontains=q)
    digits = phone_digits(q)
    if _PHONE_LIKE.match(q) and len(digits) >= _PHONE_MIN_DIGITS:
        found |= Q(phone_digits__contains=digits)
    return patients.filter(found)


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    sort: str = "name"
    status: str = "active"
    page: int = 1
    page_size: int = 25

    def check(self) -> None:
        errors = {}
        if self.sort not in SORTS:
            errors["sort"] = f"must be one of: {', '.join(SORTS)}"
        if self.status not in STATUSES:
            errors["status"] = f"must be one of: {', '.join(STATUSES)}"
        if not 1 <= self.page_size <= PAGE_SIZE_MAX:
            errors["page_size"] = f"must be between 1 and {PAGE_SIZE_MAX}"
        if self.page < 1:
            errors["page"] = "must be 1 or more"
        if len(self.q) > 200:
            errors["q"] = "must be at most 200 characters"
        if errors:
            raise FieldErrors(errors)


def search_patients(actor: Actor, params: SearchParams) -> Page[Patient]:
    """One page of the clinic's patients matching the search, in an allowed order."""
    require_perm(actor.membership, Perm.PATIENT_LIST)
    params.check()
    patients = visible_patients(actor.membership)
    if params.status != "all":
        patients = patients.filter(is_active=params.status == "active")
    patients = _matching(patients, params.q).order_by(*SORTS[params.sort])
    paginator = Paginator(patients, params.page_size)
    if params.page > max(paginator.num_pages, 1):
        raise FieldErrors({"page": f"must be between 1 and {max(paginator.num_pages, 1)}"})
    page = paginator.page(params.page)
    with transaction.atomic():
        audit.record(
            actor,
            "patient.search",
            data={
                "q": params.q,
                "sort": params.sort,
                "status": params.status,
                "page": params.page,
                "results": paginator.count,
                "shown": [str(p.pk) for p in page.object_list],
            },
        )
    return page


def clinic_has_patients(actor: Actor) -> bool:
    """Whether the clinic has any patient record at all (active or not), for the empty list."""
    require_perm(actor.membership, Perm.PATIENT_LIST)
    return visible_patients(actor.membership).exists()


def list_columns_for(
    actor: Actor, patients: list[Patient]
) -> list[tuple[Column, Mapping[Any, str]]]:
    """The registered patient-list columns this actor sees, with their cells for ``patients``
    (one read per column for the whole page, never one per row)."""
    if not patients:
        return []
    shown = []
    for column in list_columns:
        cells = column.cells(actor, patients)
        if cells is not None:
            shown.append((column, cells))
    return shown


@dataclass(frozen=True)
class Section:
    spec: PartSpec
    rows: list[Any]
    can_edit: bool

    @property
    def table(self) -> tuple[list[str], list[tuple[Any, list[str]]]]:
        return display.table(self.spec.model, self.spec.fields, self.rows)

    @property
    def labelled(self) -> list[tuple[Any, list[tuple[str, str]]]]:
        """Each row with its cells as (column title, text): the title labels the cell when
        the table stacks on a phone."""
        headers, rows = self.table
        return [(row, list(zip(headers, cells, strict=True))) for row, cells in rows]


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Chart:
    patient: Patient
    sections: list[Section]
    can_edit: bool
    panels: list[ShownPanel] = field(default_factory=list)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.spec.key == key), None)


def section_of(actor: Actor, patient: Patient, spec: PartSpec) -> Section | None:
    """One section of the chart with its rows, or None when the role may not read it."""
    if not has_perm(actor.membership, spec.read_perm):
        return None
    rows = list(spec.model.objects.filter(patient=patient).order_by(*spec.order_by))  # type: ignore[attr-defined]
    return Section(spec, rows, has_perm(actor.membership, spec.edit_perm))


def _audit_read(actor: Actor, patient: Patient, sections: list[str]) -> None:
    with transaction.atomic():
        audit.record(
            actor,
            "patient.read",
            patient_id=patient.pk,
            target=patient,
            data={"sections": sections},
        )


def read_record(actor: Actor, patient_id: PatientId) -> Chart:
    """The patient's record with every section the actor may read (the API's view of the
    chart); the read is audited, naming the sections."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.PATIENT_READ)
    sections = [s for spec in PARTS.values() if (s := section_of(actor, patient, spec))]
    _audit_read(actor, patient, [s.spec.key for s in sections])
    return Chart(patient, sections, has_perm(actor.membership, Perm.PATIENT_EDIT))


def open_chart(actor: Actor, patient_id: PatientId) -> Chart:
    """The chart page: every registered panel that shows for the actor, by weight (each panel
    checks its own permission and reads its own part); audited as one read naming them."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.PATIENT_READ)
    shown = []
    for panel in chart_panels:
        context = panel.load(actor, patient)
        if context is not None:
            shown.append(ShownPanel(panel, context))
    _audit_read(actor, patient, [p.panel.key for p in shown])
    sections = [p.context["section"] for p in shown if "section" in p.context]
    return Chart(patient, sections, has_perm(actor.membership, Perm.PATIENT_EDIT), shown)


def read_part(
    actor: Actor, patient_id: PatientId, key: str, part_id: int | str
) -> tuple[Patient, Any]:
    """One row of a chart section, for its edit form (audited as a chart read)."""
    from django.core.exceptions import ValidationError

    spec = PARTS[key]
    patient = get_patient_for_user(actor.membership, patient_id, perm=spec.edit_perm)
    try:
        part = spec.model.objects.get(pk=part_id, patient=patient)  # type: ignore[attr-defined]
    except (spec.model.DoesNotExist, ValueError, ValidationError):  # type: ignore[attr-defined]
        raise NotVisible(f"No such {spec.singular}") from None
    with transaction.atomic():
        audit.record(
            actor, "patient.read", patient_id=patient.pk, target=part, data={"sections": [key]}
        )
    return patient, part


def patient_for_edit(actor: Actor, patient_id: PatientId, perm: Perm) -> Patient:
    """A patient for an edit form; loading the form is a read of the record and is audited."""
    patient = get_patient_for_user(actor.membership, patient_id, perm=perm)
    with transaction.atomic():
        audit.record(
            actor,
            "patient.read",
            patient_id=patient.pk,
            target=patient,
            data={"sections": ["details"]},
        )
    return patient
