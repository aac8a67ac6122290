"""The OpenAPI document is part of the interface: a change to it must be seen and committed.

``tests/api/openapi.snapshot.json`` is written by ``make openapi-snapshot`` (django-ninja's
``export_openapi_schema --indent 2 --sorted``), as wagtail does for its ninja API.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.test import Client

from ketacare.config.api import api

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")
REGENERATE = (
    "The API's OpenAPI document differs from tests/api/openapi.snapshot.json. If the change is "
    "intended, run `make openapi-snapshot` and commit the file with the change."
)


# Every operation of the API: one added or removed must be seen here as well as in the snapshot.
_SECTIONS = (
    "allergies",
    "conditions",
    "consents",
    "contacts",
    "coverage",
    "measurements",
    "trials",
)
OPERATIONS = sorted(
    [
        "GET /api/v1/alerts",
        "POST /api/v1/alerts/{alert_id}/acknowledge",
        "GET /api/v1/patients",
        "POST /api/v1/patients",
        "GET /api/v1/patients/{patient_id}",
        "PATCH /api/v1/patients/{patient_id}",
        "POST /api/v1/patients/{patient_id}/deactivate",
        "POST /api/v1/patients/{patient_id}/reactivate",
        *(f"POST /api/v1/patients/{{patient_id}}/{key}" for key in _SECTIONS),
        *(f"PATCH /api/v1/patients/{{patient_id}}/{key}/{{part_id}}" for key in _SECTIONS),
        "POST /api/v1/patients/{patient_id}/intakes",
        "GET /api/v1/patients/{patient_id}/screening",
        "POST /api/v1/patients/{patient_id}/plans",
        "GET /api/v1/protocols",
        "GET /api/v1/plans/{plan_id}",
        "PATCH /api/v1/plans/{plan_id}",
        "POST /api/v1/plans/{plan_id}/sign",
        "POST /api/v1/plans/{plan_id}/revisions",
        "GET /api/v1/clinic/settings",
        "PATCH /api/v1/clinic/settings",
        "GET /api/v1/services",
        "GET /api/v1/sites",
        "GET /api/v1/resources",
        "GET /api/v1/availability",
        "GET /api/v1/appointments",
        "POST /api/v1/appointments",
        "GET /api/v1/appointments/{appointment_id}",
        "PATCH /api/v1/appointments/{appointment_id}",
        *(
            f"POST /api/v1/appointments/{{appointment_id}}/{a}"
            for a in ("cancel", "check-in", "no-show")
        ),
        "POST /api/v1/plans/{plan_id}/course-proposal",
        "POST /api/v1/plans/{plan_id}/course-booking",
        "GET /api/v1/consultation-requests",
        "POST /api/v1/consultation-requests",
        "PATCH /api/v1/consultation-requests/{request_id}",
        "GET /api/v1/controlled/products",
        "POST /api/v1/controlled/products",
        "GET /api/v1/controlled/lots",
        "POST /api/v1/controlled/receipts",
        "POST /api/v1/controlled/waste",
        "POST /api/v1/controlled/transfers",
        "POST /api/v1/controlled/counts",
        "GET /api/v1/controlled/ledger",
        "POST /api/v1/appointments/{appointment_id}/session",
        "GET /api/v1/sessions/{session_id}",
        "GET /api/v1/sessions/{session_id}/safety",
        "GET /api/v1/sessions/{session_id}/curve",
        *(
            f"POST /api/v1/sessions/{{session_id}}/{a}"
            for a in (
                "predose",
                "decisions",
                "doses",
                "vitals",
                "observations",
                "events",
                "acknowledgements",
                "discharge",
                "note/sign",
                "note/addenda",
            )
        ),
        "POST /api/v1/sessions/{session_id}/doses/{dose_id}/end",
        "POST /api/v1/sessions/{session_id}/doses/{dose_id}/rate-changes",
        "PUT /api/v1/sessions/{session_id}/note",
        "GET /api/v1/patients/{patient_id}/sessions",
        "GET /api/v1/sessions/{session_id}/rems-form",
        "GET /api/v1/sessions/{session_id}/rems-form.pdf",
        "GET /api/v1/sessions/{session_id}/note.pdf",
        "GET /api/v1/rems/forms",
        "POST /api/v1/rems/forms/{form_id}/submitted",
    ]
)


def committed() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def current() -> dict[str, Any]:
    """The live document, through JSON as the export writes it."""
    return json.loads(json.dumps(api.get_openapi_schema()))  # type: ignore[no-any-return]


def _text(document: dict[str, Any]) -> list[str]:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def test_it_matches_the_committed_snapshot() -> None:
    want, got = committed(), current()
    if got != want:
        diff = difflib.unified_diff(_text(want), _text(got), "snapshot", "current", lineterm="")
        shown = "\n".join(list(diff)[:80])
        raise AssertionError(f"{REGENERATE}\n{shown}")


def test_it_keeps_the_snapshot_as_make_writes_it() -> None:
    """Sorted keys and two-space indents, so a regenerated file diffs line by line."""
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert text == json.dumps(committed(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", (
        REGENERATE
    )


def test_it_is_openapi_3_1_0() -> None:
    assert current()["openapi"] == "3.1.0"
    assert committed()["openapi"] == "3.1.0"
    info = committed()["info"]
    assert (info["title"], info["version"]) == ("ketacare API", "1")


def test_it_serves_the_snapshot_at_openapi_json() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == committed(), REGENERATE


def test_it_asks_every_operation_for_a_token_or_a_session() -> None:
    """No operation is open by accident: each names both ways to authenticate."""
    schemes = committed()["components"]["securitySchemes"]
    assert schemes == {
        "BearerToken": {"scheme": "bearer", "type": "http"},
        "BrowserSession": {"in": "cookie", "name": "sessionid", "type": "apiKey"},
    }
    operations = {
        f"{method.upper()} {path}": operation.get("security")
        for path, item in current()["paths"].items()
        for method, operation in item.items()
    }
    assert sorted(operations) == OPERATIONS
    assert {
        op: sec
        for op, sec in operations.items()
        if sec != [{"BearerToken": []}, {"BrowserSession": []}]
    } == {}
