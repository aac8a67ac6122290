"""Service types the clinic sells: drug services (delivered through a protocol) and the
protocol-less ones (consultation, IV hydration, acupuncture, talk therapy, integration)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Literal

from pydantic import Field

from ketacare.clinical.cited import Cited
from ketacare.clinical.datafiles import DATA_DIR, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError

SERVICES_FILE = DATA_DIR / "services.toml"


class ServiceType(Cited):
    """What scheduling and billing need to know about a kind of appointment."""

    id: str = Field(pattern=r"^[a-z_]+$")
    name: str
    kind: Literal["drug", "non_drug"]
    description: str
    free: bool = False
    needs_chair: bool = False
    needs_prescriber_on_site: bool = False
    min_chair_block_min: int | None = Field(default=None, gt=0)
    duration_options_min: tuple[int, ...] = ()
    billing_codes: tuple[str, ...] = ()


@cache
def load_services() -> Mapping[str, ServiceType]:
    """Every service type by id (read once, validated)."""
    services: dict[str, ServiceType] = {}
    for service_id, body in read_toml(SERVICES_FILE).items():
        if not isinstance(body, dict):
            raise ClinicalDataError(SERVICES_FILE, service_id, "expected a table")
        services[service_id] = validate_file(ServiceType, {"id": service_id, **body}, SERVICES_FILE)
    return MappingProxyType(services)
