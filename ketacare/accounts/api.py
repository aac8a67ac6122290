"""/api/v1/clinic/settings: the clinic's clinical settings with their metadata and version;
a change (owners) is a new version with its reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field, WithJsonSchema

from ketacare.clinical.settings import SettingInfo, describe_settings
from ketacare.clinical.sources import get_source
from ketacare.lib.errors import FieldErrors
from ketacare.lib.inputs import Input
from ketacare.lib.responses import responses

from . import settings_versions
from .actor import actor_from_request
from .models import ClinicSettingsVersion

router = Router(tags=["clinic"])

SettingValue = bool | int | float | str


class SourceOut(Schema):
    key: str
    citation: str
    confirmed: bool = Field(description="false where the clinical reference marks it unconfirmed")


class SettingOut(Schema):
    name: str
    value: SettingValue = Field(description="In force in this version")
    default: SettingValue = Field(description="The clinical core's default")
    overridden: bool = Field(description="true when the clinic changed it from the default")
    unit: str
    minimum: float | None = Field(description="Smallest allowed value (numbers)")
    maximum: float | None = Field(description="Largest allowed value (numbers)")
    choices: list[str] | None = Field(description="Allowed values (risk levels)")
    description: str
    sources: list[SourceOut]
    confirmed: bool = Field(description="true when every source of the default is confirmed")


class SettingsOut(Schema):
    version: int = Field(description="Send it back with a change (409 when it is stale)")
    created_at: datetime
    created_by: str
    reason: str
    overrides: dict[str, SettingValue] = Field(description="What the clinic changed")
    settings: list[SettingOut]


def _value_schema(info: SettingInfo) -> dict[str, Any]:
    if isinstance(info.default, bool):
        value: dict[str, Any] = {"type": "boolean"}
    elif info.choices is not None:
        value = {"type": "string", "enum": list(info.choices)}
    else:
        value = {"type": "integer" if isinstance(info.default, int) else "number"}
        if info.minimum is not None:
            value["minimum"] = info.minimum
        if info.maximum is not None:
            value["maximum"] = info.maximum
    return {
        "anyOf": [value, {"type": "null"}],
        "description": f"{info.description} Unit: {info.unit}; default {info.default!r}. "
        "null goes back to the default.",
    }


#: Each setting with its type and allowed range; the clinical core checks them (and the order
#: of paired thresholds) and names the setting and its range when it refuses one.
CHANGES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {info.name: _value_schema(info) for info in describe_settings()},
    "description": "Settings to change: a new value, or null to go back to the default.",
}


class SettingsPatchIn(Input):
    multiline = frozenset({"reason"})

    version: int = Field(ge=1, description="The version the change is based on")
    reason: str = Field(min_length=1, max_length=2000, description="Why the settings change")
    changes: Annotated[dict[str, SettingValue | None], WithJsonSchema(CHANGES_SCHEMA)]


_BODY_FIELDS = frozenset(SettingsPatchIn.model_fields)


def _out(version: ClinicSettingsVersion, infos: list[SettingInfo]) -> dict[str, Any]:
    return {
        "version": version.number,
        "created_at": version.created_at,
        "created_by": version.created_by_label,
        "reason": version.reason,
        "overrides": version.overrides,
        "settings": [
            {
                "name": info.name,
                "value": info.value,
                "default": info.default,
                "overridden": info.name in version.overrides,
                "unit": info.unit,
                "minimum": info.minimum,
                "maximum": info.maximum,
                "choices": list(info.choices) if info.choices is not None else None,
                "description": info.description,
                "sources": [
                    {"key": key, "citation": source.citation, "confirmed": source.confirmed}
                    for key, source in ((k, get_source(k)) for k in info.source_keys)
                ],
                "confirmed": info.confirmed,
            }
            for info in infos
        ],
    }


@router.get(
    "/settings",
    response=responses(SettingsOut, 401, 403),
    summary="The clinic's clinical settings: values, defaults, ranges, sources, version",
)
def read_settings(request: HttpRequest) -> dict[str, Any]:
    view = settings_versions.settings_read(actor_from_request(request))
    return _out(view.version, view.settings)


@router.patch(
    "/settings",
    response=responses(SettingsOut, 401, 403, 409, 422),
    summary="Change settings: a new version (409 on a stale version, 422 naming the range)",
)
def change_settings(request: HttpRequest, payload: SettingsPatchIn) -> dict[str, Any]:
    actor = actor_from_request(request)
    try:
        version = settings_versions.settings_change(
            actor,
            expected_version=payload.version,
            changes=payload.changes,
            reason=payload.reason,
        )
    except FieldErrors as exc:
        # The body names a setting (known or not) as changes.<name>.
        raise FieldErrors(
            {
                name if name in _BODY_FIELDS else f"changes.{name}": message
                for name, message in exc.errors.items()
            }
        ) from None
    view = settings_versions.settings_read(actor)
    assert view.version.pk == version.pk
    return _out(view.version, view.settings)
