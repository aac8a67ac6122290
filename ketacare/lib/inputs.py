"""The base of every API input schema, so each rule about input holds on every endpoint.

- Unknown fields are refused, not ignored (a misspelt field must not silently do nothing).
- Types are strict: ``"1"`` is not a number and ``1`` is not ``true``, exactly as the OpenAPI
  document says; dates are ISO ``YYYY-MM-DD`` text within ``DATE_RANGE``.
- Numbers are finite: JSON ``NaN`` and ``Infinity`` (which Python's parser accepts) are refused
  before they reach the clinical core's mg arithmetic.
- Text is free of control characters; one-line fields refuse line breaks. Fields that hold
  free text (notes, reasons) are named in ``multiline``. (Services strip surrounding spaces,
  as the HTML forms do, so a name of only spaces is refused as empty.)
- The OpenAPI document says the same: every text property carries the pattern it must match.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, get_args

from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .text import FREE_TEXT_PATTERN, LINE_PATTERN, nested_text_problem

#: Dates any record may hold. Nobody alive was born before 1900 (the oldest living person was
#: born in 1908) and no insurance, consent or measurement is dated after 2100: outside these a
#: date is a typing error (9999-12-31, 0001-01-01). Fields narrow it further (not in the future).
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_problem(value: date) -> str | None:
    low, high = DATE_RANGE
    if not low <= value <= high:
        return f"must be between {low.isoformat()} and {high.isoformat()}; got {value.isoformat()}"
    return None


def _iso_text(value: Any) -> Any:
    if not (isinstance(value, str) and _ISO_DATE.match(value)):
        raise ValueError("must be a date written as YYYY-MM-DD")
    return value


def _in_date_range(value: date) -> date:
    problem = date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


IsoDate = Annotated[
    date,
    Field(strict=False, description=f"YYYY-MM-DD, {DATE_RANGE[0]} to {DATE_RANGE[1]}"),
    BeforeValidator(_iso_text),
    AfterValidator(_in_date_range),
]

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)


def _iso_datetime_text(value: Any) -> Any:
    if not (isinstance(value, str) and _ISO_DATETIME.match(value)):
        raise ValueError(
            "must be a date and time with its UTC offset, ISO 8601 "
            "(e.g. 2026-03-02T10:00:00-05:00 or 2026-03-02T15:00:00Z)"
        )
    return value


def _datetime_in_range(value: datetime) -> datetime:
    problem = date_problem(value.date())
    if problem:
        raise ValueError(problem)
    return value


#: An instant: a date and time with its offset, never a local time without one.
IsoDateTime = Annotated[
    datetime,
    Field(strict=False, description="ISO 8601 date and time with its UTC offset"),
    BeforeValidator(_iso_datetime_text),
    AfterValidator(_datetime_in_range),
]


_DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?$"


def decimal_number(low: Decimal, high: Decimal, places: int, unit: str = "") -> Any:
    """A number in ``[low, high]`` with at most ``places`` decimals, sent as a JSON number or
    as decimal text (``"82.5"``, exact), given to the service as a ``Decimal``."""
    allowed = f"{low}-{high} {unit}".strip()

    def exact(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("must be a number")
        if isinstance(value, str) and not re.match(_DECIMAL_TEXT, value):
            raise ValueError("must be a number such as 82.5")
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError("must be a number") from None
        if not number.is_finite():
            raise ValueError("must be a finite number (not NaN or Infinity)")
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high} {unit}; got {number}".strip())
        if -number.as_tuple().exponent > places:  # type: ignore[operator]
            raise ValueError(f"must have at most {places} decimal place{'s' * (places != 1)}")
        return number

    return Annotated[
        Decimal,
        PlainValidator(exact),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "number", "minimum": float(low), "maximum": float(high)},
                    {"type": "string", "pattern": _DECIMAL_TEXT},
                ],
                "description": f"{allowed}, at most {places} decimal places",
            }
        ),
    ]


def matching(pattern: str, message: str) -> Any:
    """Text matching ``pattern`` (a Python and JSON Schema regex), refused with ``message``."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(message)
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": pattern})]


def _add_patterns(schema: dict[str, Any], multiline: frozenset[str]) -> None:
    for name, prop in schema.get("properties", {}).items():
        pattern = FREE_TEXT_PATTERN if name in multiline else LINE_PATTERN
        for sub in (prop, *prop.get("anyOf", ()), prop.get("items") or {}):
            plain_text = sub.get("type") == "string" and not (
                {"format", "enum", "const", "pattern"} & set(sub)
            )
            if plain_text:
                sub["pattern"] = pattern


def add_text_patterns(schema: dict[str, Any], model: type[Any]) -> None:
    """Put the text rule into the JSON schema of ``model`` (its ``json_schema_extra``)."""
    _add_patterns(schema, getattr(model, "multiline", frozenset()))


class Input(Schema):
    """A request body. Subclasses list their free-text fields in ``multiline``."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra=add_text_patterns,
    )
    multiline: ClassVar[frozenset[str]] = frozenset()
    #: Fields a client might send that the server never takes, with the reason it says.
    refused: ClassVar[dict[str, str]] = {}

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        problem = nested_text_problem(value, multiline=info.field_name in cls.multiline)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _readable_refusals(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            raise _rewrite(cls, exc) from None


class QueryInput(Input):
    """Query parameters arrive as text: the same text rules, numbers parsed from text, and
    parameters nobody declared are ignored."""

    model_config = ConfigDict(extra="ignore", strict=False)


# --- readable refusals ------------------------------------------------------------------------

_BOUNDS = {"ge": "low", "gt": "low", "le": "high", "lt": "high"}


def _bounds(field: FieldInfo) -> dict[str, Any]:
    """The numeric bounds of a field, also when they sit inside ``Annotated[...] | None``."""
    found: dict[str, Any] = {}
    items = list(field.metadata)
    for arg in get_args(field.annotation):
        items.extend(getattr(arg, "__metadata__", ()))
        for meta in getattr(arg, "__metadata__", ()):
            items.extend(getattr(meta, "metadata", ()))
    for item in items:
        for name in _BOUNDS:
            if hasattr(item, name) and getattr(item, name) is not None:
                found[name] = getattr(item, name)
    return found


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _unit(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    return f" {extra['x-unit']}" if isinstance(extra, dict) and "x-unit" in extra else ""


def _range_message(bounds: dict[str, Any], got: Any, unit: str = "") -> str | None:
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    if low is not None and high is not None and "gt" in bounds:
        text = f"must be above {_number(low)} and at most {_number(high)}"
    elif low is not None and high is not None:
        text = f"must be between {_number(low)} and {_number(high)}"
    elif low is not None:
        text = f"must be {_number(low)} or more" if "ge" in bounds else f"must be above {low}"
    elif high is not None:
        text = f"must be {_number(high)} or less"
    else:
        return None
    text += unit
    return f"{text}; got {_number(got)}" if isinstance(got, int | float) else text


def _literal_message(field: FieldInfo) -> str | None:
    choices = [a for arg in (field.annotation, *get_args(field.annotation)) for a in get_args(arg)]
    values = [c for c in choices if isinstance(c, str)]
    return f"must be one of: {', '.join(v or '(empty)' for v in values)}" if values else None


def _readable(model: type[Any], error: Any) -> str | None:
    """A clearer message for a range or a choice than pydantic's, naming the allowed values."""
    loc = error["loc"]
    if error["type"] == "extra_forbidden" and len(loc) == 1 and loc[0] in model.refused:
        return str(model.refused[loc[0]])
    field = model.model_fields.get(loc[0]) if loc and isinstance(loc[0], str) else None
    if field is None:
        return None
    if error.get("input", "") is None and len(loc) == 1:
        return "may not be null: leave the field out to keep it as it is"
    if error["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _range_message(_bounds(field), error.get("input"), _unit(field))
    if error["type"] == "literal_error" and len(loc) == 1:
        return _literal_message(field)
    return None


def _rewrite(model: type[Any], exc: ValidationError) -> ValidationError:
    details: list[Any] = []
    for error in exc.errors(include_url=False):
        text = _readable(model, error) or error["msg"]
        details.append(
            {
                "type": PydanticCustomError("readable", "{text}", {"text": text}),
                "loc": error["loc"],
                "input": error.get("input"),
            }
        )
    return ValidationError.from_exception_data(exc.title, details)
