"""API errors that Django answers before the API sees the request (no such path, a method the
path does not take) become problem+json too, so programs get one error format; a body that is
not JSON is refused with 415 before anything parses it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from ketacare.lib.problems import CONTENT_TYPE, problem

Handler = Callable[[HttpRequest], HttpResponse]
_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}
_DETAILS = {
    400: "the request could not be read",
    404: "no such API path",
}
_KINDS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}
#: Media types a request body may have (PATCH bodies are JSON merge patches, RFC 7396).
JSON_TYPES = ("application/json", "application/merge-patch+json")


def unsupported_media_type(request: HttpRequest) -> HttpResponse | None:
    try:
        empty = not request.body
    except RequestDataTooBig:
        return problem(
            413,
            "Payload too large",
            f"the body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes",
            kind="payload-too-large",
        )
    if empty or request.content_type in JSON_TYPES:
        return None
    return problem(
        415,
        "Unsupported media type",
        f"Content-Type: {request.content_type or 'none'} is not accepted; send "
        f"{' or '.join(JSON_TYPES)}",
        kind="unsupported-media-type",
        invalid=[{"name": "Content-Type", "reason": f"must be {' or '.join(JSON_TYPES)}"}],
    )


class ApiProblemMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
            refused = unsupported_media_type(request)
            if refused is not None:
                refused["Accept-Post" if request.method == "POST" else "Accept-Patch"] = ", ".join(
                    JSON_TYPES if request.method != "POST" else JSON_TYPES[:1]
                )
                return refused
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in _TITLES
            and not response.get("Content-Type", "").startswith((CONTENT_TYPE, "application/json"))
        ):
            status = response.status_code
            detail = f"{request.method} {request.path}: " + _DETAILS.get(
                status, f"allowed methods: {response.get('Allow', 'none')}"
            )
            replaced = problem(status, _TITLES[status], detail, kind=_KINDS[status])
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
