"""Range-checked input fields and readable validation messages.

Impossible values (a typing slip, a device glitch) are refused with the field name and the
allowed range; possible-but-unusual values are accepted and reported so that a person checks
them. The accepted limits are input plausibility bounds (source ``ketacare-input-bounds``),
deliberately wide: refusing a real reading would be worse than flagging it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from ketacare.clinical.datafiles import error_key
from ketacare.clinical.errors import ClinicalInputError


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@dataclass(frozen=True)
class Range:
    """Annotated metadata: accepted range ``[low, high]`` and an optional typical band."""

    low: float
    high: float
    unit: str
    typical_low: float | None = None
    typical_high: float | None = None

    def describe(self) -> str:
        return f"{_fmt(self.low)}-{_fmt(self.high)} {self.unit}".strip()

    def _check(self, value: Any) -> Any:
        if not self.low <= value <= self.high:
            raise PydanticCustomError(
                "out_of_range",
                "{value} is outside the allowed range {allowed}",
                {"value": _fmt(value), "allowed": self.describe()},
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update({"minimum": self.low, "maximum": self.high, "x-unit": self.unit})
        if self.typical_low is not None and self.typical_high is not None:
            json_schema["x-typical-range"] = [self.typical_low, self.typical_high]
        return json_schema

    def is_unusual(self, value: float) -> bool:
        if self.typical_low is not None and value < self.typical_low:
            return True
        return self.typical_high is not None and value > self.typical_high


@dataclass(frozen=True)
class UnusualValue:
    """A value accepted but outside its typical band: someone should confirm it."""

    field: str
    value: float
    range: Range

    @property
    def message(self) -> str:
        typical = f"{_fmt(self.range.typical_low or self.range.low)}-"
        typical += f"{_fmt(self.range.typical_high or self.range.high)} {self.range.unit}"
        return f"{self.field} {_fmt(self.value)} is unusual (typical {typical}); confirm it"


def _ranges(field: FieldInfo) -> list[Range]:
    """Range metadata of a field, including inside ``Annotated[...] | None``."""
    found = [item for item in field.metadata if isinstance(item, Range)]
    for arg in get_args(field.annotation):
        if get_origin(arg) is Annotated:
            found.extend(item for item in arg.__metadata__ if isinstance(item, Range))
    return found


def find_unusual(model: BaseModel, prefix: str = "") -> list[UnusualValue]:
    """Every field of ``model`` (recursively) whose value lies outside its typical band."""
    found: list[UnusualValue] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            found.extend(find_unusual(value, f"{path}."))
            continue
        if isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, BaseModel):
                    found.extend(find_unusual(element, f"{path}[{index}]."))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        for item in _ranges(field):
            if item.is_unusual(value):
                found.append(UnusualValue(path, value, item))
    return found


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    return str(error["msg"]).removeprefix("Value error, ")


def input_error(exc: ValidationError, root: str = "") -> ClinicalInputError:
    """The first pydantic error as a ``ClinicalInputError`` naming the dotted field."""
    error = exc.errors()[0]
    key = error_key(tuple(error["loc"]))
    field = f"{root}.{key}" if root and key != "(top level)" else (root or key)
    return ClinicalInputError(field, _message(error))


def input_errors(exc: ValidationError, root: str = "") -> dict[str, str]:
    """Every pydantic error, by dotted field name (the first message of each field)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        key = error_key(tuple(error["loc"]))
        field = f"{root}.{key}" if root and key != "(top level)" else (root or key)
        found.setdefault(field, _message(error))
    return found
