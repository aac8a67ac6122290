"""Who may see which patient, and the records that belong to one: the one place that decides
"not visible" (``NotVisible``, which the HTTP layer answers 404) before "not allowed"
(``NotPermitted``, 403), so a user learns nothing about records they cannot see (the
healthchecks pattern). What each role may do is ``accounts.permissions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet

from ketacare.accounts.models import Membership, Role
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import NotVisible

from .models import Patient

M = TypeVar("M", bound=Model)


def visible_patients(membership: Membership | None) -> QuerySet[Patient]:
    """The patients this membership may see: the clinic's, or a patient's own record."""
    if membership is None or not membership.is_active:
        return Patient.objects.none()
    patients = Patient.objects.filter(clinic_id=membership.clinic_id)
    if membership.role == Role.PATIENT:
        return patients.filter(portal_user_id=membership.user_id)
    return patients


def get_patient_for_user(
    membership: Membership | None, pk: UUID | str, *, perm: Perm = Perm.PATIENT_READ
) -> Patient:
    """A patient for this membership: ``NotVisible`` when not visible, ``NotPermitted`` when
    ``perm`` is missing."""
    try:
        patient = visible_patients(membership).select_related("clinic").get(pk=pk)
    except (Patient.DoesNotExist, ValidationError, ValueError):
        raise NotVisible("No such patient") from None
    require_perm(membership, perm)
    return patient


def get_record_for_user(
    membership: Membership | None,
    records: QuerySet[M],
    pk: object,
    *,
    perm: Perm | Callable[[M], Perm],
    name: str,
    lock: bool = False,
    also_visible: Q | None = None,
) -> M:
    """A record of ``records`` (a plan, an alert, a chart row: each with a ``patient``) whose
    patient this membership sees (or that matches ``also_visible``), else
    ``NotVisible("No such <name>")``; then ``perm``, or the permission ``perm(record)`` names."""
    visible = Q(patient__in=visible_patients(membership))
    if also_visible is not None:
        visible |= also_visible
    found = records.filter(visible, pk=pk)
    if lock:
        found = found.select_for_update()
    try:
        record = found.get()
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise NotVisible(f"No such {name}") from None
    require_perm(membership, perm(record) if callable(perm) else perm)
    return record
