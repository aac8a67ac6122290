"""Errors as RFC 7807 ``application/problem+json``, naming each bad field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ketacare.lib.errors import FieldErrors, StaleVersion

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int, title: str, detail: str, *, kind: str, invalid: list[dict[str, str]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://ketacare.org/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if invalid is not None:
        body["invalid_params"] = invalid
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes the location with where it came from: ("body", "payload", "weight_kg").
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header")]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        invalid = [
            {"name": _field_name(e.get("loc", ())), "reason": e.get("msg", "invalid")}
            for e in exc.errors
        ]
        detail = "; ".join(f"{i['name']}: {i['reason']}" for i in invalid)
        return problem(422, "Invalid input", detail, kind="validation", invalid=invalid)

    @api.exception_handler(FieldErrors)
    def _fields(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
        invalid = [{"name": k, "reason": v} for k, v in exc.errors.items()]
        return problem(422, "Invalid input", str(exc), kind="validation", invalid=invalid)

    @api.exception_handler(StaleVersion)
    def _stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
        return problem(
            409,
            "Edit conflict",
            f"version: {exc}",
            kind="stale-version",
            invalid=[{"name": "version", "reason": str(exc)}],
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, "Not found", str(exc) or "Not found", kind="not-found")

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, "Forbidden", str(exc) or "Not allowed", kind="forbidden")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            401,
            "Unauthorized",
            "Send 'Authorization: Bearer <token>' or log in",
            kind="unauthorized",
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, "Error", str(exc), kind="http")
