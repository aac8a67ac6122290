"""API shapes of the patient record. Inputs refuse unknown fields; outputs name units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from django.db import models
from ninja import Schema
from ninja.orm import create_schema
from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from .parts import PARTS

Sex = Literal["female", "male", "unknown"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """An edit: a field left out is unchanged; ``null`` is refused unless the field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(
                'may not be null: leave the field out to keep it, or send "" to clear text'
            )
        return value


class PatientIn(Strict):
    mrn: str = Field("", max_length=32, description="Blank: the next free KCnnnnnn is assigned")
    given_name: str = Field(min_length=1, max_length=100)
    middle_name: str = Field("", max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    date_of_birth: date
    sex_at_birth: Sex
    gender_identity: str = Field("", max_length=100)
    pronouns: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    address_line: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    preferred_language: str = Field("", max_length=50)


class PatientPatch(Patch):
    """Only the fields sent are changed. ``version`` is the one the edit was based on."""

    version: int = Field(ge=1)
    reason: str = Field("", max_length=500)
    mrn: str | None = Field(None, max_length=32)
    given_name: str | None = Field(None, min_length=1, max_length=100)
    middle_name: str | None = Field(None, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    date_of_birth: date | None = None
    sex_at_birth: Sex | None = None
    gender_identity: str | None = Field(None, max_length=100)
    pronouns: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    address_line: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    preferred_language: str | None = Field(None, max_length=50)


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


def _part_out(key: str) -> Any:
    spec = PARTS[key]
    return create_schema(
        spec.model,
        name=f"{spec.model.__name__}Out",
        fields=["id", *spec.fields, "version", "created_at", "updated_at"],
    )


def _optional_text(key: str) -> list[tuple[str, Any, Any]]:
    """Optional text fields default to "" (the column is NOT NULL), not to null."""
    spec = PARTS[key]
    fields = [spec.model._meta.get_field(name) for name in spec.fields]
    return [
        (f.name, str, Field("", max_length=f.max_length))
        for f in fields
        if isinstance(f, models.CharField | models.TextField) and f.blank
    ]


def _part_in(key: str) -> Any:
    spec = PARTS[key]
    return create_schema(
        spec.model,
        name=f"{spec.model.__name__}In",
        fields=list(spec.fields),
        base_class=Strict,
        custom_fields=_optional_text(key),
    )


def _part_patch(key: str) -> Any:
    spec = PARTS[key]
    nullable = frozenset(n for n in spec.fields if spec.model._meta.get_field(n).null)
    base = type(f"{spec.model.__name__}PatchBase", (Patch,), {"nullable": nullable})
    return create_schema(
        spec.model,
        name=f"{spec.model.__name__}Patch",
        fields=list(spec.fields),
        optional_fields="__all__",  # type: ignore[arg-type]
        base_class=base,
        custom_fields=[("version", int, Field(ge=1)), ("reason", str, Field("", max_length=500))],
    )


PART_OUT = {key: _part_out(key) for key in PARTS}
PART_IN = {key: _part_in(key) for key in PARTS}
PART_PATCH = {key: _part_patch(key) for key in PARTS}

ContactOut = PART_OUT["contacts"]
CoverageOut = PART_OUT["coverage"]
ConsentOut = PART_OUT["consents"]
MeasurementOut = PART_OUT["measurements"]
ConditionOut = PART_OUT["conditions"]
AllergyOut = PART_OUT["allergies"]
TrialOut = PART_OUT["trials"]


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
