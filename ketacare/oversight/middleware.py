"""Refused reads leave a trace: a 403 or 404 answered to a GET or HEAD of a route that names a
record writes one ``read.refused`` event, so probing for other clinics' or other patients'
records shows in the audit log (ONC 170.315(d)(2), ASVS 16.3.2).

Which routes name a record is read from the URL resolver, not from a list: a route names one
when it captures an id (a path parameter ``pk`` or ``<name>_id``: ``patients/<uuid:pk>/``,
``plans/<int:pk>/``, ``api/v1/alerts/<alert_id>/acknowledge``). A new app's routes are covered
by naming their parameters that way. Refused writes are not logged here: the services record
them as ``write.refused`` (``audit.records_refusals``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from ketacare.accounts.actor import actor_from_request
from ketacare.audit import services

Handler = Callable[[HttpRequest], HttpResponse]

SAFE_METHODS = frozenset({"GET", "HEAD"})
REFUSED_STATUSES = frozenset({403, 404})
# Path parameters are stored as sent, cut to this length (an API id may be any string).
MAX_PARAM_CHARS = 100


def names_record(match: ResolverMatch) -> bool:
    """Whether the route captured an id: a parameter named ``pk`` or ending in ``_id``."""
    return any(name == "pk" or name.endswith("_id") for name in match.kwargs)


def asked_patient(match: ResolverMatch) -> uuid.UUID | None:
    """The patient the URL names directly (``patients/<uuid:pk>/...`` or ``<patient_id>``), if
    the id is a well-formed one; a plan's or an alert's patient is not looked up."""
    if "patient_id" in match.kwargs:
        value: Any = match.kwargs["patient_id"]
    elif "pk" in match.kwargs and match.route.startswith("patients/"):
        value = match.kwargs["pk"]
    else:
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class RefusedReadMiddleware:
    """Record ``read.refused`` (in its own transaction) for a refused GET/HEAD of a record."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in SAFE_METHODS and response.status_code in REFUSED_STATUSES:
            match = getattr(request, "resolver_match", None)
            if match is not None and names_record(match):
                self._record(request, match, response.status_code)
        return response

    def _record(self, request: HttpRequest, match: ResolverMatch, status: int) -> None:
        services.record_standalone(
            # After the view: an API bearer token has set the user and membership by now.
            actor_from_request(request),
            "read.refused",
            outcome=services.REFUSED,
            patient_id=asked_patient(match),
            data={
                "method": request.method,
                "route": "/" + match.route,
                "params": {name: str(v)[:MAX_PARAM_CHARS] for name, v in match.kwargs.items()},
                "status": status,
            },
        )
