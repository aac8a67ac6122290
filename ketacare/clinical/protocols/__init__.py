"""The protocol library (data/protocols/*.toml) and the service types."""

from ketacare.clinical.protocols.loader import get_protocol, load_protocol_file, load_protocols
from ketacare.clinical.protocols.model import Protocol
from ketacare.clinical.protocols.service_types import ServiceType, load_services

__all__ = [
    "Protocol",
    "ServiceType",
    "get_protocol",
    "load_protocol_file",
    "load_protocols",
    "load_services",
]
