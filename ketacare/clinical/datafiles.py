"""Reading the clinical core's own data files, failing loudly with the file and key.

Data files (TOML, CSV) are the single place clinical facts live; a typo in one must stop the
program at load with a message a developer can act on, never surface later as a wrong dose.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from ketacare.clinical.errors import ClinicalDataError

DATA_DIR = Path(__file__).resolve().parent / "data"

ModelT = TypeVar("ModelT", bound=BaseModel)


def display_path(path: Path) -> str:
    """Path relative to the package data directory when inside it (shorter messages)."""
    try:
        return f"ketacare/clinical/data/{path.resolve().relative_to(DATA_DIR).as_posix()}"
    except ValueError:
        return str(path)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; a syntax error names the file and the line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ClinicalDataError(display_path(path), "(syntax)", str(exc)) from exc
    except OSError as exc:
        raise ClinicalDataError(display_path(path), "(file)", str(exc)) from exc


def error_key(loc: tuple[int | str, ...], tagged: tuple[str, ...] = ()) -> str:
    """Render a pydantic error location as a dotted key (``dose.mg_per_kg``, ``items[3].text``).

    ``tagged`` names discriminated-union fields: pydantic puts the union tag after them in the
    location, which is noise in a file key, so it is dropped.
    """
    key = ""
    skip_next = False
    for part in loc:
        if skip_next:
            skip_next = False
            continue
        if isinstance(part, str) and part in tagged:
            skip_next = True
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else part
    return key or "(top level)"


def data_error(key: str, message: str) -> PydanticCustomError:
    """An error raised inside a model validator that still names the offending key."""
    return PydanticCustomError("data_error", "{message}", {"key": key, "message": message})


def validate_file(
    model: type[ModelT], data: dict[str, Any], path: Path, tagged: tuple[str, ...] = ()
) -> ModelT:
    """Validate parsed data against ``model``; the first error names file and key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also makes the real key "missing"; the spelling is the useful part.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        message = first["msg"].removeprefix("Value error, ")
        key = error_key(tuple(first["loc"]), tagged)
        ctx = first.get("ctx") or {}
        if first["type"] == "data_error":
            prefix = f"{key}." if key != "(top level)" else ""
            key = f"{prefix}{ctx['key']}"
        if first["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against docs/clinical.md)"
        raise ClinicalDataError(display_path(path), key, message) from exc
