"""Request ids, the response headers every page carries, and the pages that refusals answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults

from ketacare.lib.errors import NotPermitted, NotVisible

Handler = Callable[[HttpRequest], HttpResponse]
# A proxy's request id is kept only as a bounded token of letters, digits and hyphens (a UUID,
# hex, or ``lb-7f3a...``): it is written to the audit log and echoed in a response header.
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

# ASVS 5.0 3.4.3/3.4.6: a content security policy on every response. Pages use no inline
# script; the TOTP QR code is a data: image.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class RequestIdMiddleware:
    """Give each request an id (or keep a well-formed one from the proxy) for the audit log."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy, and no caching of anything but static files (ASVS 14.3.2)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class RefusalPagesMiddleware:
    """A page whose service refused (``NotVisible``, ``NotPermitted``) answers the 404 or 403
    page: services raise domain errors, the HTTP layer says what they mean on the web."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotVisible):
            return defaults.page_not_found(request, Http404(str(exc)))
        if isinstance(exc, NotPermitted):
            return defaults.permission_denied(request, PermissionDenied(str(exc)))
        return None
