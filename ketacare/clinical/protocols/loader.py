"""Loading protocol files: validated at load, failing loudly with the file and the key.

Besides each file's own schema, the loader checks what spans files: the id matches the file
name and is unique, the service exists and is a drug service, every ICD-10 prefix matches a
code the clinic uses, and every instrument named in the monitoring plan exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from ketacare.clinical.codes import all_icd10_codes
from ketacare.clinical.datafiles import DATA_DIR, display_path, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError, UnknownIdError
from ketacare.clinical.instruments.registry import INSTRUMENT_IDS
from ketacare.clinical.protocols.model import Protocol
from ketacare.clinical.protocols.service_types import load_services

PROTOCOLS_DIR = DATA_DIR / "protocols"

#: The screening option that covers each drug and route.
OPTION_FOR_ROUTE: dict[tuple[str, str], str] = {
    ("ketamine", "iv"): "ketamine_iv",
    ("ketamine", "im"): "ketamine_im",
    ("ketamine", "intranasal"): "ketamine_intranasal",
    ("ketamine", "sublingual"): "ketamine_sublingual_home",
    ("esketamine", "intranasal"): "esketamine_nasal",
}


def load_protocol_file(path: Path) -> Protocol:
    """Parse, validate and cross-check one protocol file."""
    protocol = validate_file(Protocol, read_toml(path), path, tagged=("dose",))
    where = display_path(path)
    if protocol.id != path.stem:
        raise ClinicalDataError(where, "id", f"{protocol.id!r} does not match the file name")
    service = load_services().get(protocol.service)
    if service is None or service.kind != "drug":
        raise ClinicalDataError(where, "service", f"{protocol.service!r} is not a drug service")
    expected_option = OPTION_FOR_ROUTE.get((protocol.drug, protocol.route))
    if expected_option is None:
        raise ClinicalDataError(where, "route", f"{protocol.drug} is not given {protocol.route}")
    if protocol.screening_option != expected_option:
        raise ClinicalDataError(
            where,
            "screening_option",
            f"{protocol.drug} {protocol.route} is screened as {expected_option!r}",
        )
    codes = all_icd10_codes()
    for index, prefix in enumerate(protocol.indication_codes):
        if not any(code.startswith(prefix) for code in codes):
            raise ClinicalDataError(
                where, f"indication_codes[{index}]", f"{prefix!r} matches no clinic ICD-10 code"
            )
    monitoring = protocol.monitoring
    for key, instruments in (
        ("instruments_before_session", monitoring.instruments_before_session),
        ("instruments_during_session", monitoring.instruments_during_session),
        ("instruments_weekly", monitoring.instruments_weekly),
    ):
        for index, instrument in enumerate(instruments):
            if instrument not in INSTRUMENT_IDS:
                raise ClinicalDataError(
                    where, f"monitoring.{key}[{index}]", f"unknown instrument {instrument!r}"
                )
    return protocol


def _load_directory(directory: Path) -> Mapping[str, Protocol]:
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ClinicalDataError(display_path(directory), "(files)", "no protocol files found")
    return MappingProxyType({path.stem: load_protocol_file(path) for path in paths})


@cache
def _default_protocols() -> Mapping[str, Protocol]:
    return _load_directory(PROTOCOLS_DIR)


def load_protocols(directory: Path | None = None) -> Mapping[str, Protocol]:
    """Every protocol by id; the packaged library unless ``directory`` is given."""
    if directory is None:
        return _default_protocols()
    return _load_directory(directory)


def get_protocol(protocol_id: str) -> Protocol:
    """One protocol of the packaged library; ``UnknownIdError`` lists the known ids."""
    protocols = load_protocols()
    if protocol_id not in protocols:
        raise UnknownIdError("protocol", protocol_id, sorted(protocols))
    return protocols[protocol_id]
