"""RFC 7807 ``application/problem+json`` responses (used by the API and by middleware that
answers API requests before they reach it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    invalid: list[dict[str, str]] | None = None,
    existing: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://ketacare.org/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if invalid is not None:
        body["invalid_params"] = invalid
    if existing is not None:
        body["existing"] = existing
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)
