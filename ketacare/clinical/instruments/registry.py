"""Loading instrument definitions from data/instruments/*.toml (validated, read once)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from ketacare.clinical.datafiles import DATA_DIR, display_path, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError, UnknownIdError
from ketacare.clinical.instrument_ids import INSTRUMENT_IDS as INSTRUMENT_IDS
from ketacare.clinical.instruments.model import InstrumentDefinition

INSTRUMENTS_DIR = DATA_DIR / "instruments"


def load_instrument_file(path: Path) -> InstrumentDefinition:
    """Parse and validate one instrument file; its id must match the file name."""
    definition = validate_file(InstrumentDefinition, read_toml(path), path)
    if definition.id != path.stem:
        raise ClinicalDataError(display_path(path), "id", f"{definition.id!r} != file name")
    return definition


@cache
def load_instruments() -> Mapping[str, InstrumentDefinition]:
    """Every instrument definition by id; fails loudly on any broken or missing file."""
    found = {path.stem: path for path in sorted(INSTRUMENTS_DIR.glob("*.toml"))}
    missing = [iid for iid in INSTRUMENT_IDS if iid not in found]
    if missing:
        raise ClinicalDataError(display_path(INSTRUMENTS_DIR), "(files)", f"missing {missing}")
    return MappingProxyType({iid: load_instrument_file(found[iid]) for iid in INSTRUMENT_IDS})


def get_instrument(instrument_id: str) -> InstrumentDefinition:
    """One instrument definition; ``UnknownIdError`` lists the known ids."""
    instruments = load_instruments()
    if instrument_id not in instruments:
        raise UnknownIdError("instrument", instrument_id, list(instruments))
    return instruments[instrument_id]
