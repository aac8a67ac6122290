"""API errors that Django answers before the API sees the request (no such path, a method the
path does not take) become problem+json too, so programs get one error format."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ketacare.lib.problems import CONTENT_TYPE, problem

Handler = Callable[[HttpRequest], HttpResponse]
_TITLES = {404: "Not found", 405: "Method not allowed"}


class ApiProblemMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in _TITLES
            and not response.get("Content-Type", "").startswith((CONTENT_TYPE, "application/json"))
        ):
            detail = f"{request.method} {request.path}: " + (
                "no such API path"
                if response.status_code == 404
                else f"allowed methods: {response.get('Allow', 'none')}"
            )
            replaced = problem(
                response.status_code,
                _TITLES[response.status_code],
                detail,
                kind="not-found" if response.status_code == 404 else "method-not-allowed",
            )
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
