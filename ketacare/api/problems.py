"""Errors as RFC 7807 ``application/problem+json``, naming each bad field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ketacare.lib.errors import (
    Conflict,
    Conflicts,
    Duplicate,
    FieldErrors,
    NotPermitted,
    NotVisible,
    StaleVersion,
)
from ketacare.lib.problems import problem


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes the location with where it came from: ("body", "payload", "weight_kg").
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header")]
    return ".".join(parts) or "body"


def _reason(message: str) -> str:
    # pydantic prefixes messages from our own validators with "Value error, ".
    return message.removeprefix("Value error, ")


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        invalid = [
            {"name": _field_name(e.get("loc", ())), "reason": _reason(e.get("msg", "invalid"))}
            for e in exc.errors
        ]
        detail = "; ".join(f"{i['name']}: {i['reason']}" for i in invalid)
        return problem(422, "Invalid input", detail, kind="validation", invalid=invalid)

    @api.exception_handler(FieldErrors)
    def _fields(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
        invalid = [{"name": k, "reason": v} for k, v in exc.errors.items()]
        return problem(422, "Invalid input", str(exc), kind="validation", invalid=invalid)

    @api.exception_handler(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        # The title stays "Edit conflict" for stale versions (a published response).
        stale = isinstance(exc, StaleVersion)
        duplicate = isinstance(exc, Duplicate)
        return problem(
            409,
            "Edit conflict" if stale else "Duplicate" if duplicate else "Conflict",
            f"{exc.field}: {exc.message}",
            kind="stale-version" if stale else "duplicate" if duplicate else "conflict",
            invalid=[
                {"name": name, "reason": reason}
                for name, reason in (
                    exc.conflicts.items()
                    if isinstance(exc, Conflicts)
                    else [(exc.field, exc.message)]
                )
            ],
            existing=exc.existing if isinstance(exc, Duplicate) else None,
        )

    @api.exception_handler(NotVisible)
    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, "Not found", str(exc) or "Not found", kind="not-found")

    @api.exception_handler(NotPermitted)
    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
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
