"""Writes answered once: the mechanism every write endpoint of the API and every form uses.

- Every API write (POST, PUT, PATCH, DELETE) runs in one transaction with the building of its
  answer: a 5xx rolls the write back, so a 2xx means saved and a 5xx means nothing was saved.
- An API POST or PATCH with an ``Idempotency-Key`` header, or a form carrying the one-time
  token of ``{% once_token %}``, is done once per user and key: a retry with the same body gets
  the stored answer with ``Idempotent-Replayed: true``; the same key with another body is
  refused (422). A form shown again with its errors keeps no answer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from ketacare.lib.problems import problem

from . import services
from .models import StoredResponse

Handler = Callable[[HttpRequest], HttpResponse]

API_PREFIX = "/api/"
HEADER = "Idempotency-Key"
#: The hidden field of ``{% once_token %}``.
ONCE_FIELD = "kc_once"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEYED = frozenset({"POST", "PATCH"})


def _user_id(request: HttpRequest, *, api: bool) -> int | None:
    """Whose key this is: the logged-in user, or the user a valid bearer token speaks for."""
    if request.user.is_authenticated:
        return int(request.user.pk)
    if api:
        from ketacare.accounts.services import bearer_membership

        membership = bearer_membership(request)
        if membership is not None:
            return int(membership.user_id)
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in _WRITES:
            return self.get_response(request)
        api = request.path.startswith(API_PREFIX)
        raw = _raw_key(request, api=api)
        if raw is None:
            return self._atomic(request) if api else self.get_response(request)
        key = services.parse_key(raw)
        if key is None:
            if not api:
                return self.get_response(request)
            return problem(
                400,
                "Bad request",
                f"{HEADER}: {services.KEY_RULE}",
                kind="idempotency-key",
                invalid=[{"name": HEADER, "reason": services.KEY_RULE}],
            )
        user_id = _user_id(request, api=api)
        if user_id is None:
            return self._atomic(request) if api else self.get_response(request)
        return self._once(request, user_id, key, api=api)

    def _atomic(self, request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    def _once(self, request: HttpRequest, user_id: int, key: str, *, api: bool) -> HttpResponse:
        print_ = services.fingerprint(request, api=api)
        with transaction.atomic():
            claim = services.claim(user_id, key, request, print_)
            if claim.earlier is not None:
                if claim.earlier.fingerprint != print_:
                    return _reused(claim.earlier, api=api)
                return services.replay(claim.earlier)
            assert claim.row is not None
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            elif api or response.status_code in (301, 302, 303, 307, 308):
                services.store(claim.row, response)
            else:
                services.forget(claim.row)
        return response


def _raw_key(request: HttpRequest, *, api: bool) -> str | None:
    if api:
        return request.headers.get(HEADER) if request.method in _KEYED else None
    value = request.POST.get(ONCE_FIELD)
    return value if isinstance(value, str) else None


def _reused(earlier: StoredResponse, *, api: bool) -> HttpResponse:
    reason = (
        f"this key was used for a different request ({earlier.method} {earlier.path}); "
        "use a new key for a new request"
    )
    if not api:
        return HttpResponse(
            f"This form was already sent with different contents: {reason}.",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    return problem(
        422,
        "Idempotency key reused",
        f"{HEADER}: {reason}",
        kind="idempotency-key-reused",
        invalid=[{"name": HEADER, "reason": reason}],
    )
