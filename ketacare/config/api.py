"""The NinjaAPI instance: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from ketacare.api import problems
from ketacare.api.auth import BearerToken, BrowserSession
from ketacare.patients.api import router as patients_router

api = NinjaAPI(
    title="ketacare API",
    version="1",
    description=(
        "The clinic's data as JSON. Authenticate with `Authorization: Bearer <token>` "
        "(`ketacare token create --user EMAIL`) or a logged-in browser session. Errors are "
        "RFC 7807 `application/problem+json` naming each bad field."
    ),
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
)
problems.install(api)
api.add_router("/patients", patients_router)
