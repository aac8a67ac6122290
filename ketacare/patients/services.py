"""Every change to a patient record: checked, versioned and audited in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketacare.accounts.actor import Actor
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, Duplicate, FieldErrors, NotVisible, StaleVersion
from ketacare.lib.versioned import save_new_version

from . import display, validation
from .access import get_patient_for_user
from .models import Patient, PatientId
from .parts import PARTS, PartSpec

PATIENT_FIELDS = (
    "mrn",
    "given_name",
    "middle_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender_identity",
    "pronouns",
    "email",
    "phone",
    "address_line",
    "city",
    "region",
    "postal_code",
    "preferred_language",
)
_MRN_ATTEMPTS = 5
#: The columns ``Patient.refresh_search_key`` derives from the others, saved with them.
SEARCH_KEYS = ("name_search", "name_sort", "phone_digits")


@dataclass
class Saved:
    """A saved row and the unusual values it holds (accepted, but worth a second look)."""

    obj: Any
    flags: list[str] = field(default_factory=list)


def clinic_today(actor: Actor) -> date:
    """Today in the clinic's own time zone: "future" means future where the clinic is."""
    membership = actor.membership
    if membership is None:
        return timezone.localdate()
    return timezone.localdate(timezone=membership.clinic.tz)


def _only_known(data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Refuse names that are not fields of the record instead of ignoring them; text loses
    its surrounding spaces (as in the forms), so a name of only spaces is empty."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise FieldErrors(dict.fromkeys(unknown, "is not a field of this record"))
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _apply(obj: models.Model, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the values and return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, new)
    return changes


def _full_clean(obj: models.Model, findings: validation.Findings, exclude: list[str]) -> None:
    _model_errors(obj, findings, exclude)
    if findings.errors:
        raise FieldErrors(findings.errors)


def _model_errors(obj: models.Model, findings: validation.Findings, exclude: list[str]) -> None:
    """The model's own field checks, added to ``findings`` (not raised)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
        for name, errors in by_field.items():
            # The same words for an empty required field as ``validation`` uses.
            messages = [
                "is required" if e.code in ("blank", "required") else " ".join(e.messages)
                for e in errors
            ]
            findings.refuse(name, " ".join(dict.fromkeys(messages)))


def _lock_patient(actor: Actor, patient_id: PatientId, perm: Perm) -> Patient:
    patient = get_patient_for_user(actor.membership, patient_id, perm=perm)
    # Re-read under a row lock so the version check and the write are one step.
    return Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)


def _check_mrn_free(patient: Patient, findings: validation.Findings) -> None:
    taken = Patient.objects.filter(clinic_id=patient.clinic_id, mrn=patient.mrn).exclude(
        pk=patient.pk
    )
    if patient.mrn and taken.exists():
        findings.refuse("mrn", f"{patient.mrn} already belongs to another patient of this clinic")


def _next_mrn(clinic_id: int, attempt: int) -> str:
    last = (
        Patient.objects.filter(clinic_id=clinic_id, mrn__regex=r"^KC[0-9]{6}$")
        .order_by("-mrn")
        .values_list("mrn", flat=True)
        .first()
    )
    number = int(last[2:]) if last else 0
    return f"KC{number + 1 + attempt:06d}"


def _same_person(patient: Patient) -> list[Patient]:
    """Patients of the clinic (active or not) with the same folded names and date of birth."""
    candidates = Patient.objects.filter(
        clinic_id=patient.clinic_id, date_of_birth=patient.date_of_birth
    ).exclude(pk=patient.pk)
    return [p for p in candidates.order_by("mrn") if p.identity_key == patient.identity_key]


def _refuse_duplicate_person(patient: Patient, *, confirmed: bool, reason: str) -> list[Patient]:
    matches = _same_person(patient)
    if not matches:
        return []
    listed = ", ".join(f"{p.mrn} ({p.display_name})" for p in matches)
    if not confirmed:
        raise Duplicate(
            "given_name",
            f"a patient with these names and date of birth is already registered: {listed}. "
            "Open that record, or confirm that this is a different person and say why",
            [{"id": str(p.pk), "mrn": p.mrn, "name": p.display_name} for p in matches],
        )
    if not reason:
        raise FieldErrors({"reason": f"say why this is a different person from {listed}"})
    return matches


def patient_problems(
    actor: Actor, data: Mapping[str, Any], *, patient_id: PatientId | None = None
) -> dict[str, str]:
    """The domain's refusals of these values (the rules, the model's checks, a taken MRN),
    without writing: a form that refused some fields shows these beside its own, so one
    submit names every problem. ``data`` holds only the fields that parsed."""
    assert actor.membership is not None
    known = {k: v for k, v in data.items() if k in PATIENT_FIELDS}
    values = {k: v.strip() if isinstance(v, str) else v for k, v in known.items()}
    if patient_id is None:
        patient = Patient(clinic=actor.membership.clinic)
    else:
        patient = get_patient_for_user(actor.membership, patient_id, perm=Perm.PATIENT_EDIT)
    findings = validation.check_patient({**_values_of(patient), **values}, clinic_today(actor))
    _apply(patient, values)
    patient.refresh_search_key()
    excluded = ["clinic", *SEARCH_KEYS, *(name for name in PATIENT_FIELDS if name not in values)]
    _model_errors(patient, findings, exclude=excluded)
    if values.get("mrn"):
        _check_mrn_free(patient, findings)
    return findings.errors


@audit.records_refusals("patient.create")
def patient_create(
    actor: Actor,
    *,
    data: Mapping[str, Any],
    confirm_new_person: bool = False,
    reason: str = "",
) -> Saved:
    """Register a patient in the actor's clinic; a blank MRN gets the next free ``KCnnnnnn``.

    A patient with the same names and date of birth is refused as a duplicate (409 naming the
    record) unless ``confirm_new_person`` says it is another person, with the ``reason``.
    """
    require_perm(actor.membership, Perm.PATIENT_CREATE)
    assert actor.membership is not None
    values = _only_known(data, PATIENT_FIELDS)
    findings = validation.check_patient(values, clinic_today(actor))
    patient = Patient(clinic=actor.membership.clinic)
    _apply(patient, values)
    patient.refresh_search_key()
    assign_mrn = not patient.mrn
    # Every refusal at once: the domain rules, the model's own checks and a taken MRN.
    _model_errors(
        patient,
        findings,
        exclude=["clinic", *SEARCH_KEYS, *(["mrn"] if assign_mrn else [])],
    )
    if not assign_mrn:
        _check_mrn_free(patient, findings)
    if findings.errors:
        raise FieldErrors(findings.errors)
    for attempt in range(_MRN_ATTEMPTS):
        try:
            with transaction.atomic():
                # One registration at a time per clinic, so two desks cannot both register
                # the same person, nor take the same MRN.
                Clinic.objects.select_for_update().filter(pk=patient.clinic_id).first()
                matches = _refuse_duplicate_person(
                    patient, confirmed=confirm_new_person, reason=reason.strip()
                )
                if assign_mrn:
                    patient.mrn = _next_mrn(patient.clinic_id, attempt)
                patient.save(force_insert=True)
                event: dict[str, Any] = {"flags": findings.flags}
                if matches:
                    event["confirmed_new_person_besides"] = [p.mrn for p in matches]
                audit.record(
                    actor,
                    "patient.create",
                    patient_id=patient.pk,
                    target=patient,
                    changes={name: [None, getattr(patient, name)] for name in PATIENT_FIELDS},
                    data=event,
                    reason=reason.strip() if matches else "",
                )
            return Saved(patient, findings.flags)
        except IntegrityError:
            # Another registration took this MRN between the check and the insert.
            if not assign_mrn:
                break
    raise FieldErrors({"mrn": f"{patient.mrn} already belongs to another patient of this clinic"})


@audit.records_refusals("patient.update")
def patient_set_active(
    actor: Actor,
    patient_id: PatientId,
    *,
    active: bool,
    expected_version: int,
    reason: str = "",
) -> Saved:
    """Make a record inactive (hidden from the default list, with the reason) or active again.

    Nothing is deleted: an inactive record stays readable and searchable with the filter.
    """
    reason = reason.strip()
    if not active and not reason:
        raise FieldErrors({"reason": "say why the record is made inactive"})
    with transaction.atomic():
        patient = _lock_patient(actor, patient_id, Perm.PATIENT_EDIT)
        if patient.version != expected_version:
            raise StaleVersion(expected=expected_version, current=patient.version)
        if patient.is_active == active:
            state = "active" if active else "inactive"
            raise Conflict("is_active", f"this record is already {state}")
        changes = {"is_active": [patient.is_active, active]}
        patient.is_active = active
        patient.inactive_reason = "" if active else reason
        save_new_version(patient, ["is_active", "inactive_reason"])
        audit.record(
            actor,
            "patient.reactivate" if active else "patient.deactivate",
            patient_id=patient.pk,
            target=patient,
            changes=changes,
            data={"version": patient.version},
            reason=reason,
        )
        return Saved(patient)


@audit.records_refusals("patient.update")
def patient_update(
    actor: Actor,
    patient_id: PatientId,
    *,
    data: Mapping[str, Any],
    expected_version: int,
    reason: str = "",
) -> Saved:
    """Change a patient's details if nobody else changed them since ``expected_version``."""
    values = _only_known(data, PATIENT_FIELDS)
    with transaction.atomic():
        patient = _lock_patient(actor, patient_id, Perm.PATIENT_EDIT)
        if patient.version != expected_version:
            raise StaleVersion(expected=expected_version, current=patient.version)
        findings = validation.check_patient({**_values_of(patient), **values}, clinic_today(actor))
        changes = _apply(patient, values)
        if not changes:
            return Saved(patient, findings.flags)
        patient.refresh_search_key()
        _model_errors(patient, findings, exclude=["clinic", *SEARCH_KEYS])
        if "mrn" in changes:
            _check_mrn_free(patient, findings)
        if findings.errors:
            raise FieldErrors(findings.errors)
        save_new_version(patient, [*changes, *SEARCH_KEYS])
        audit.record(
            actor,
            "patient.update",
            patient_id=patient.pk,
            target=patient,
            changes=changes,
            data={"flags": findings.flags, "version": patient.version},
            reason=reason,
        )
        return Saved(patient, findings.flags)


def _values_of(obj: models.Model, names: tuple[str, ...] = PATIENT_FIELDS) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _complete(spec: PartSpec, values: dict[str, Any]) -> dict[str, Any]:
    """Fill what the code list knows (a condition's display text and SNOMED CT code)."""
    if spec.key == "conditions" and values.get("icd10_code"):
        from ketacare.clinical.codes import icd10_lookup

        values["icd10_code"] = str(values["icd10_code"]).strip().upper()
        code = icd10_lookup(values["icd10_code"])
        if code is not None:
            if not values.get("display"):
                values["display"] = code.display
            if not values.get("snomed_code") and code.snomed_ct:
                values["snomed_code"] = code.snomed_ct
    return values


def _identity(spec: PartSpec, values: Mapping[str, Any]) -> tuple[Any, ...]:
    from .models import search_key

    return tuple(
        " ".join(search_key(v).split()) if isinstance(v := values.get(name), str) else v
        for name in spec.identity
    )


def _refuse_duplicate_row(spec: PartSpec, patient: Patient, part: models.Model) -> None:
    """A row equal to another of the chart in every identity field is refused, naming it."""
    if not spec.identity:
        return
    mine = _identity(spec, {name: getattr(part, name) for name in spec.identity})
    rows = spec.model.objects.filter(patient=patient).exclude(pk=part.pk)  # type: ignore[attr-defined]
    for row in rows:
        if _identity(spec, {name: getattr(row, name) for name in spec.identity}) == mine:
            shown = "; ".join(
                f"{display.header(spec.model, n).lower()} {display.cell(row, n)}"
                for n in spec.identity
            )
            raise Duplicate(
                spec.identity[0],
                f"this chart already has this {spec.singular} ({shown}; added "
                f"{row.created_at.astimezone(patient.clinic.tz).date().isoformat()}): "
                "edit that row instead",
                [{"id": str(row.pk), "section": spec.key}],
            )


def part_problems(
    actor: Actor,
    patient_id: PatientId,
    key: str,
    data: Mapping[str, Any],
    *,
    part_id: int | str | None = None,
) -> dict[str, str]:
    """The domain's refusals of a chart row's values, without writing (as
    ``patient_problems``): shown beside the form's own, so one submit names every problem."""
    spec = PARTS[key]
    known = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in spec.fields}
    values = _complete(spec, known)
    patient = get_patient_for_user(actor.membership, patient_id, perm=spec.edit_perm)
    part = spec.model(patient=patient)
    if part_id is not None:
        found = spec.model.objects.filter(pk=part_id, patient=patient).first()  # type: ignore[attr-defined]
        part = found if found is not None else part
    findings = spec.check({**_values_of(part, spec.fields), **values}, clinic_today(actor))
    _apply(part, values)
    _model_errors(
        part, findings, exclude=["patient", *(name for name in spec.fields if name not in values)]
    )
    return findings.errors


@audit.records_refusals("record.create")
def part_create(actor: Actor, patient_id: PatientId, key: str, *, data: Mapping[str, Any]) -> Saved:
    """Add a row to one section of the chart (a condition, a weight, a medication trial...)."""
    spec = PARTS[key]
    values = _complete(spec, _only_known(data, spec.fields))
    with transaction.atomic():
        patient = _lock_patient(actor, patient_id, spec.edit_perm)
        findings = spec.check(values, clinic_today(actor))
        part = spec.model(patient=patient)
        _apply(part, values)
        _full_clean(part, findings, exclude=["patient"])
        _refuse_duplicate_row(spec, patient, part)
        part.save(force_insert=True)
        audit.record(
            actor,
            "record.create",
            patient_id=patient.pk,
            target=part,
            changes={name: [None, getattr(part, name)] for name in spec.fields},
            data={"section": key, "flags": findings.flags},
        )
        return Saved(part, findings.flags)


@audit.records_refusals("record.update")
def part_update(
    actor: Actor,
    patient_id: PatientId,
    key: str,
    part_id: int | str,
    *,
    data: Mapping[str, Any],
    expected_version: int,
    reason: str = "",
) -> Saved:
    """Edit one row of a chart section if nobody changed it since ``expected_version``."""
    spec = PARTS[key]
    values = _complete(spec, _only_known(data, spec.fields))
    with transaction.atomic():
        patient = _lock_patient(actor, patient_id, spec.edit_perm)
        try:
            part = spec.model.objects.select_for_update().get(pk=part_id, patient=patient)  # type: ignore[attr-defined]
        except (spec.model.DoesNotExist, ValueError, ValidationError):  # type: ignore[attr-defined]
            raise NotVisible(f"No such {spec.singular}") from None
        if part.version != expected_version:
            raise StaleVersion(expected=expected_version, current=part.version)
        findings = spec.check({**_values_of(part, spec.fields), **values}, clinic_today(actor))
        changes = _apply(part, values)
        if not changes:
            return Saved(part, findings.flags)
        _full_clean(part, findings, exclude=["patient"])
        _refuse_duplicate_row(spec, patient, part)
        save_new_version(part, changes)
        audit.record(
            actor,
            "record.update",
            patient_id=patient.pk,
            target=part,
            changes=changes,
            data={"section": key, "flags": findings.flags, "version": part.version},
            reason=reason,
        )
        return Saved(part, findings.flags)


def patient_link_portal_user(actor: Actor, patient_id: PatientId, *, user: User | None) -> Patient:
    """Give the patient (or take away) the portal login that lets them see their own record."""
    with transaction.atomic():
        patient = _lock_patient(actor, patient_id, Perm.PATIENT_EDIT)
        if (
            user is not None
            and Patient.objects.filter(portal_user=user).exclude(pk=patient.pk).exists()
        ):
            raise FieldErrors(
                {"portal_user": f"{user.email} already opens another patient's record"}
            )
        old = patient.portal_user.email if patient.portal_user else None
        patient.portal_user = user
        save_new_version(patient, ["portal_user"])
        audit.record(
            actor,
            "patient.update",
            patient_id=patient.pk,
            target=patient,
            changes={"portal_user": [old, user.email if user else None]},
            data={"version": patient.version},
        )
        return patient
