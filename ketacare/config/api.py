"""The NinjaAPI instance: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from ketacare.accounts.api import router as clinic_router
from ketacare.alerts.api import router as alerts_router
from ketacare.api import openapi, problems
from ketacare.api.auth import BearerToken, BrowserSession
from ketacare.controlled.api import router as controlled_router
from ketacare.patients.api import router as patients_router
from ketacare.scheduling.api import course_router
from ketacare.scheduling.api import router as scheduling_router
from ketacare.scheduling.requests_api import consultation_router
from ketacare.screening.api import router as screening_router
from ketacare.sessions.api import appointment_router as session_appointment_router
from ketacare.sessions.api import patient_router as session_patient_router
from ketacare.sessions.api import router as sessions_router
from ketacare.sessions.rems_api import rems_router
from ketacare.treatment.api import patient_plans_router, plans_router, protocols_router


class KetacareApi(NinjaAPI):
    """The API whose OpenAPI document lists every answer the server can give."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return openapi.finish(super().get_openapi_schema(**kwargs))


api = KetacareApi(
    title="ketacare API",
    version="1",
    description=(
        "The clinic's data as JSON. Authenticate with `Authorization: Bearer <token>` "
        "(`ketacare token create --user EMAIL`) or a logged-in browser session. Errors are "
        "RFC 7807 `application/problem+json` naming each bad field. Bodies are "
        "`application/json` (PATCH also takes `application/merge-patch+json`). Every POST and "
        "PATCH takes an optional `Idempotency-Key` header that makes it safe to retry."
    ),
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
)
problems.install(api)
api.add_router("/patients", patients_router)
api.add_router("/patients", screening_router)
api.add_router("/patients", patient_plans_router)
api.add_router("/protocols", protocols_router)
api.add_router("/plans", plans_router)
api.add_router("/plans", course_router)
api.add_router("", scheduling_router)
api.add_router("/consultation-requests", consultation_router)
api.add_router("/alerts", alerts_router)
api.add_router("/clinic", clinic_router)
api.add_router("/controlled", controlled_router)
api.add_router("", rems_router)
api.add_router("/sessions", sessions_router)
api.add_router("/appointments", session_appointment_router)
api.add_router("/patients", session_patient_router)
