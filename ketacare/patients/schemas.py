"""API shapes of the patient record, built from the models and the limits in ``rules``.

Inputs refuse unknown fields and say in the OpenAPI document every rule the server enforces:
choices are enums, numbers carry their allowed range, codes and MRNs their pattern. Outputs
name units.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from django.db import models
from ninja import Schema
from ninja.orm import create_schema
from pydantic import ConfigDict, Field, ValidationInfo, create_model, field_validator
from pydantic.fields import FieldInfo

from ketacare.lib.inputs import Input, IsoDate, add_text_patterns, decimal_number, matching

from . import rules, validation
from .parts import PARTS
from .services import PATIENT_FIELDS

Sex = Literal["female", "male", "unknown"]

#: Patterns the services check, so the schema refuses what the server refuses, in the words
#: the pages use (``validation``).
_PATTERNS = {
    "mrn": (rules.MRN_PATTERN.pattern, validation.MRN_MESSAGE),
    "phone": (rules.PHONE_PATTERN.pattern, validation.PHONE_MESSAGE),
    "icd10_code": (rules.ICD10_ANY_CASE.pattern, validation.ICD10_MESSAGE),
}
_ASSIGNED = {"mrn"}  # left blank at registration, the next free one is assigned


def _pattern(name: str, *, blank: bool) -> Any:
    pattern, message = _PATTERNS[name]
    return matching(f"^(?:{pattern[1:-1]})?$" if blank else pattern, message)


def _doc(prop: dict[str, Any]) -> dict[str, Any]:
    return {k: prop.pop(k) for k in ("title", "description") if k in prop}


def _patch_json_schema_extra(schema: dict[str, Any], model: type[Any]) -> None:
    """A field left out of an edit is unchanged, so the document shows no default; text that
    may be empty also takes ``null``."""
    add_text_patterns(schema, model)
    for name, prop in schema.get("properties", {}).items():
        prop.pop("default", None)
        if name in getattr(model, "clearable_text", ()):
            schema["properties"][name] = {"anyOf": [prop, {"type": "null"}], **_doc(prop)}


class Patch(Input):
    """An edit: a field left out is unchanged. ``null`` clears a field that may be empty
    (text becomes ""); a field that may not be empty refuses it."""

    model_config = ConfigDict(json_schema_extra=_patch_json_schema_extra)
    clearable_text: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.clearable_text:
            return ""
        return value


def _choices(field: models.Field[Any, Any]) -> Any:
    values = [str(value) for value, _ in field.choices or ()]
    if field.blank:
        values.append("")
    return Literal[tuple(values)]


def _described(model: type[models.Model], name: str, *, patch: bool) -> tuple[Any, FieldInfo]:
    """The annotation and field of one model field in an input schema."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    kwargs: dict[str, Any] = {"description": str(field.help_text)} if field.help_text else {}
    annotation: Any
    if field.choices:
        annotation = _choices(field)
    elif name == "drug_class":
        from ketacare.clinical.codes import TRIAL_DRUG_CLASSES

        annotation = Literal[tuple(sorted(TRIAL_DRUG_CLASSES))]
    elif isinstance(field, models.BooleanField):
        annotation = bool
    elif isinstance(field, models.DateField):
        annotation = IsoDate
    elif isinstance(field, models.DecimalField):
        limit = rules.FIELD_RANGES[name]
        annotation = decimal_number(limit.low, limit.high, field.decimal_places or 0, limit.unit)
    elif isinstance(field, models.IntegerField):
        limit = rules.FIELD_RANGES[name]
        annotation = int
        kwargs.update(
            ge=int(limit.low),
            le=int(limit.high),
            description=limit.describe(),
            json_schema_extra={"x-unit": limit.unit},
        )
    else:
        blank = field.blank or (name in _ASSIGNED and not patch)
        annotation = _pattern(name, blank=blank) if name in _PATTERNS else str
        kwargs["max_length"] = field.max_length or rules.FREE_TEXT_MAX_LENGTH
        if name not in _PATTERNS and not field.blank:
            kwargs["min_length"] = 1
    may_be_empty = field.null or field.blank or name in _ASSIGNED
    has_default = field.has_default() or may_be_empty
    if patch:
        if field.null:
            annotation = annotation | None
        return annotation, Field(None, **kwargs)
    if field.null:
        return annotation | None, Field(None, **kwargs)
    if not has_default:
        return annotation, Field(..., **kwargs)
    default = field.get_default() if field.has_default() else ""
    return annotation, Field(default, **kwargs)


def _input_schema(
    name: str,
    model: type[models.Model],
    fields: tuple[str, ...],
    *,
    patch: bool,
    extra: dict[str, Any] | None = None,
) -> Any:
    described = {f: _described(model, f, patch=patch) for f in fields}
    extra = dict(extra or {})
    if patch:
        extra["version"] = (int, Field(ge=1, description="the version this edit was based on"))
        extra["reason"] = (str, Field("", max_length=500, description="why it changed"))
    schema = create_model(  # type: ignore[call-overload]
        name,
        __base__=Patch if patch else Input,
        __module__=__name__,
        **described,
        **extra,
    )
    text = {
        f
        for f in fields
        if isinstance(model._meta.get_field(f), models.CharField | models.TextField)
    }
    schema.multiline = frozenset(
        {f for f in fields if isinstance(model._meta.get_field(f), models.TextField)}
        | ({"reason"} & set(extra))
    )
    if patch:
        schema.clearable_text = frozenset(
            f for f in text if getattr(model._meta.get_field(f), "blank", False)
        )
    return schema


def _part_out(key: str) -> Any:
    spec = PARTS[key]
    return create_schema(
        spec.model,
        name=f"{spec.model.__name__}Out",
        fields=["id", *spec.fields, "version", "created_at", "updated_at"],
    )


def _part_in(key: str, *, patch: bool) -> Any:
    spec = PARTS[key]
    suffix = "Patch" if patch else "In"
    return _input_schema(f"{spec.model.__name__}{suffix}", spec.model, spec.fields, patch=patch)


def _patient_schema(*, patch: bool) -> Any:
    from .models import Patient

    if patch:
        return _input_schema("PatientPatch", Patient, PATIENT_FIELDS, patch=True)
    confirm = {
        "confirm_new_person": (
            bool,
            Field(
                False,
                description="Register even though a patient of the clinic has the same names "
                "and date of birth (409 otherwise); needs `reason`",
            ),
        ),
        "reason": (
            str,
            Field("", max_length=500, description="Why this is a different person (audited)"),
        ),
    }
    return _input_schema("PatientIn", Patient, PATIENT_FIELDS, patch=False, extra=confirm)


PART_OUT = {key: _part_out(key) for key in PARTS}
PART_IN = {key: _part_in(key, patch=False) for key in PARTS}
PART_PATCH = {key: _part_in(key, patch=True) for key in PARTS}
PatientIn = _patient_schema(patch=False)
PatientPatch = _patient_schema(patch=True)

ContactOut = PART_OUT["contacts"]
CoverageOut = PART_OUT["coverage"]
ConsentOut = PART_OUT["consents"]
MeasurementOut = PART_OUT["measurements"]
ConditionOut = PART_OUT["conditions"]
AllergyOut = PART_OUT["allergies"]
TrialOut = PART_OUT["trials"]


class PatientSummary(Schema):
    id: UUID
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date
    sex_at_birth: Sex
    email: str
    phone: str
    is_active: bool
    version: int


class PatientOut(PatientSummary):
    """The whole record. A section the caller may not read is ``null``, not empty."""

    middle_name: str
    gender_identity: str
    pronouns: str
    address_line: str
    city: str
    region: str
    postal_code: str
    preferred_language: str
    inactive_reason: str
    created_at: datetime
    updated_at: datetime
    contacts: list[ContactOut] | None  # type: ignore[valid-type]
    coverage: list[CoverageOut] | None  # type: ignore[valid-type]
    consents: list[ConsentOut] | None  # type: ignore[valid-type]
    measurements: list[MeasurementOut] | None  # type: ignore[valid-type]
    conditions: list[ConditionOut] | None  # type: ignore[valid-type]
    allergies: list[AllergyOut] | None  # type: ignore[valid-type]
    trials: list[TrialOut] | None  # type: ignore[valid-type]


class PatientPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[PatientSummary]
