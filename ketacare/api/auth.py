"""Who is calling the API: a bearer token (programs) or the browser session (pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from ketacare.accounts.services import bearer_membership


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # The token of this request's Authorization header, looked up once per request.
        membership = bearer_membership(request)
        if membership is None:
            return None
        request.user = membership.user
        request.membership = membership  # type: ignore[attr-defined]
        return membership


class BrowserSession(SessionAuth):
    """The logged-in page user, with the clinic the session selected (CSRF checked).

    Without a logged-in session there is nothing to protect from cross-site requests, so a
    program without a valid token gets 401, not a CSRF 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and getattr(request, "membership", None) is not None:
            return request.membership  # type: ignore[attr-defined]
        return None
