"""What an API operation documents it can answer: its success and the RFC 7807 problems, in one
shape every app's ``api.py`` uses (the handlers that produce them are ``ketacare.api.problems``)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class InvalidParam(Schema):
    name: str
    reason: str


class Existing(Schema):
    """The record a duplicate would repeat."""

    id: str
    mrn: str | None = None
    name: str | None = None
    section: str | None = None


class Problem(Schema):
    """An RFC 7807 problem; ``invalid_params`` names each bad field (422, 409); ``existing``
    names the record a duplicate would repeat (409)."""

    type: str
    title: str
    status: int
    detail: str
    invalid_params: list[InvalidParam] | None = None
    existing: list[Existing] | None = None


READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (401, 403, 404, 422)
EDIT_ERRORS = (401, 403, 404, 409, 422)


def responses(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """An operation's documented answers: its success and the problems it can answer with."""
    return {status: ok, **dict.fromkeys(errors, Problem)}
