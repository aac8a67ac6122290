"""Consultation requests for the tests, made through the service as the desk or the site."""

from __future__ import annotations

from typing import Any

from ketacare.accounts.actor import system_actor
from ketacare.scheduling.models import ConsultationRequest
from ketacare.scheduling.requests import consultation_request_create
from tests.conftest import Cast

PUBLIC_SITE = system_actor("public website")


def ask(cast: Cast, full_name: str = "Pat Quinn", **data: Any) -> ConsultationRequest:
    """A request from the public site to Harbor (by phone unless ``data`` says otherwise)."""
    fields = {"full_name": full_name, "phone": "+1 617 555 0142", **data}
    return consultation_request_create(PUBLIC_SITE, clinic=cast.clinic, data=fields)


def ask_lakeside(cast: Cast) -> ConsultationRequest:
    return consultation_request_create(
        PUBLIC_SITE, clinic=cast.other_clinic, data={"full_name": "Lee Lake", "phone": "5550100"}
    )
