"""What the OpenAPI document says beyond what each operation declares, so that it lists every
answer the server can give, with its media type (checked by the Schemathesis test):

- problems are ``application/problem+json`` (RFC 7807), not ``application/json``;
- an operation with a body can answer 400 (unreadable JSON), 413 (too large) and 415 (not
  JSON); a PATCH body may also be sent as ``application/merge-patch+json`` (RFC 7396);
- POST and PATCH take an optional ``Idempotency-Key`` header: 400 when it is malformed, 422
  when it was used for another request, and a replay carries ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

from typing import Any

from ketacare.idempotency.middleware import HEADER

PROBLEM_TYPE = "application/problem+json"
_PROBLEM_REF = "#/components/schemas/Problem"
_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}

IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes the write safe to retry (draft-ietf-httpapi-idempotency-key-header): the first "
        "answer is stored for 24 hours and returned again, with `Idempotent-Replayed: true`, to "
        "a request with the same key and body; the same key with another body answers 422. "
        "Use a new UUID for each new write."
    ),
    "schema": {"type": "string", "pattern": '^"?[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,255}"?$'},
}
REPLAYED_HEADER: dict[str, Any] = {
    "description": "`true` when this is the stored answer to an earlier request with the key",
    "schema": {"type": "string", "enum": ["true"]},
}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": _PHRASES[status],
        "content": {PROBLEM_TYPE: {"schema": {"$ref": _PROBLEM_REF}}},
    }


def _problems_as_problem_json(responses: dict[str, Any]) -> None:
    for response in responses.values():
        content = response.get("content", {})
        json_body = content.get("application/json")
        if json_body and json_body.get("schema", {}).get("$ref") == _PROBLEM_REF:
            response["content"] = {PROBLEM_TYPE: json_body}


def _operation(method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"] = {int(k): v for k, v in operation["responses"].items()}
    _problems_as_problem_json(responses)
    answers: set[int] = set()
    if operation.get("security"):
        answers.add(401)
    body = operation.get("requestBody")
    if body is not None:
        answers |= {400, 413, 415}
        if method == "patch":
            content = body["content"]
            content["application/merge-patch+json"] = content["application/json"]
    if method in ("post", "patch"):
        operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
        answers |= {400, 422}
        for status, response in responses.items():
            if 200 <= status < 300:
                response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
    for status in sorted(answers):
        responses.setdefault(status, _problem(status))
    operation["responses"] = dict(sorted(responses.items()))


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Add what every operation shares; the document is changed in place and returned."""
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            _operation(method, operation)
    return schema
