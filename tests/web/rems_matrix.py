"""The permission matrix's part for the Spravato REMS forms: a session's form (JSON and PDF),
the signed note's PDF, the queue and the submission record, in the API and on the pages.

The forms are the clinic's paperwork: staff who read sessions (nurse, prescriber, owner) read
them, those who handle REMS (the same three) see the queue and record submissions; the front
desk may do neither, nor a patient (Dan, on his own session: a patient reads a session's
summary only), 403. Another
clinic's prescriber does not find Harbor's session or form (404) and sees an empty queue.

The world is ``tests.sessions.rems.world``: Dan's Spravato session of Tuesday 3 March 2026,
charted through the chair's services, discharged at 12:10 and its note signed at 12:30; the
requests come at 14:00 with the clock stopped. A refused write must leave every REMS form as
it was.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from ketacare.audit.models import AuditEvent
from ketacare.sessions.models import RemsForm
from tests.sessions.rems.world import chart_through_observation, discharge_now, ny, open_session
from tests.sessions.rems.world import sign_note as _sign

SESSION = "api/v1/sessions/<session_id>"
FORM_API = "api/v1/rems/forms"
PAGE = "rems/forms/<int:pk>/"

# Columns: anonymous, patient (Dan, his own session), outsider, front desk, nurse, prescriber,
# owner.
_READ = (401, 403, 404, 403, 200, 200, 200)
_QUEUE = (401, 403, 200, 403, 200, 200, 200)
_SUBMIT = (401, 403, 404, 403, 200, 200, 200)
_QUEUE_PAGE = (302, 403, 200, 403, 200, 200, 200)
_FORM_PAGE = (302, 403, 404, 403, 200, 200, 200)
_FORM_POST = (302, 403, 404, 403, 302, 302, 302)

ENTRIES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", f"{SESSION}/rems-form", "api_rems_form", _READ),
    ("GET", f"{SESSION}/rems-form.pdf", "api_rems_pdf", _READ),
    ("GET", f"{SESSION}/note.pdf", "api_note_pdf", _READ),
    ("GET", FORM_API, "api_rems_queue", _QUEUE),
    ("POST", f"{FORM_API}/<form_id>/submitted", "api_rems_submit", _SUBMIT),
    ("GET", "rems/", "rems_queue", _QUEUE_PAGE),
    ("GET", PAGE, "rems_form", _FORM_PAGE),
    ("POST", PAGE, "rems_form", _FORM_POST),
]
KINDS = {kind for _, _, kind, _ in ENTRIES}
ROW_ROUTES = {route for _, route, _, _ in ENTRIES if "<" in route}

WRITE_ACTIONS = ("rems_form.submit",)
READ_ACTIONS = ("rems_form.read", "rems_form.list", "rems_form.pdf", "session_note.pdf")
PERM_NAMED = {
    "api_rems_form": "session.read",
    "api_rems_pdf": "session.read",
    "api_note_pdf": "session.read",
    "api_rems_queue": "rems.manage",
    "api_rems_submit": "rems.manage",
}
CONFIRMATION = "REMS-778812"
SUBMITTED_AT = ny(14, 0)


def not_found_named(route: str) -> str | None:
    if route.endswith("/rems-form") or route.endswith("/rems-form.pdf"):
        return "No REMS form for this session"
    if route.endswith("/note.pdf"):
        return "No such session"
    return "No such REMS form" if "<form_id>" in route else None


def _rows(world: Any) -> dict[str, Any]:
    rows: dict[str, Any] = world.__dict__.setdefault("rems", {})
    return rows


def add_rows(world: Any) -> None:
    """Dan's Spravato session through the services, discharged and its note signed; then the
    clock stops at 14:00."""
    rows = _rows(world)
    if rows:
        return
    world.clock.move_to(ny(7, 0), tick=False)
    session_world = open_session(world.cast, world.clock, start=ny(9, 50))
    chart_through_observation(session_world)
    discharge_now(session_world)
    session_world.at(12, 30)
    _sign(session_world)
    world.clock.move_to(SUBMITTED_AT)
    rows.update({"world": session_world, "session": session_world.session})
    rows["form"] = RemsForm.objects.get(session=session_world.session)


def url(world: Any, kind: str, route: str, route_url: str) -> str:
    """``route_url`` with Dan's session or its form."""
    if route not in ROW_ROUTES and kind not in KINDS:
        return route_url
    if route not in ROW_ROUTES:
        return route_url + ("?status=due" if kind == "api_rems_queue" else "")
    add_rows(world)
    rows = _rows(world)
    for key, value in (
        ("<session_id>", rows["session"].pk),
        ("<form_id>", rows["form"].pk),
        ("<int:pk>", rows["form"].pk),
    ):
        route_url = route_url.replace(key, str(value))
    return route_url


def body(world: Any, kind: str) -> dict[str, Any]:
    """A valid request for each write (a refusal must come from the permission)."""
    if kind == "api_rems_submit":
        return {
            "method": "portal",
            "submitted_at": SUBMITTED_AT.isoformat().replace("+00:00", "Z"),
            "confirmation": CONFIRMATION,
        }
    if kind == "rems_form":
        return {
            "method": "portal",
            "submitted_at": "2026-03-03T14:00",
            "confirmation": CONFIRMATION,
        }
    return {}


def state() -> dict[str, list[Any]]:
    """Every REMS form a refused write must leave as it was."""
    return {"RemsForm": list(RemsForm.objects.order_by("pk").values())}


def _reads(last_id: int) -> list[tuple[str, str | None]]:
    return [
        (action, str(patient) if patient else None)
        for action, patient in AuditEvent.objects.filter(
            action__in=READ_ACTIONS, id__gt=last_id, outcome="success"
        )
        .order_by("id")
        .values_list("action", "patient_id")
    ]


def check_allowed(
    world: Any,
    kind: str,
    column: str,
    response: HttpResponse,
    writes: list[str],
    last_id: int,
) -> None:
    """What a permitted user must get: Dan's form, its PDF, the queue, the submission
    recorded; each read audited naming Dan (another clinic's queue names nobody)."""
    rows = _rows(world)
    form = RemsForm.objects.get(pk=rows["form"].pk)
    dan = str(world.cast.dan.pk)
    if kind == "api_rems_form":
        data = json.loads(response.content)
        assert (data["id"], data["missing"], data["status"]) == (form.pk, [], "due")
        assert _reads(last_id) == [("rems_form.read", dan)]
    elif kind in ("api_rems_pdf", "api_note_pdf"):
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        action = "rems_form.pdf" if kind == "api_rems_pdf" else "session_note.pdf"
        assert _reads(last_id) == [(action, dan)]
    elif kind == "api_rems_queue":
        data = json.loads(response.content)
        assert [r["id"] for r in data] == ([] if column == "outsider" else [form.pk])
        assert _reads(last_id) == [("rems_form.list", None)]
    elif kind == "rems_queue":
        assert response["Content-Type"] == "text/html; charset=utf-8"
        shown = [r.form.pk for r in response.context["rows"]]
        assert shown == ([] if column == "outsider" else [form.pk])
        assert _reads(last_id) == [("rems_form.list", None)]
    elif kind == "api_rems_submit" or (kind == "rems_form" and response.status_code == 302):
        assert (form.method, form.submitted_at, form.confirmation) == (
            "portal",
            SUBMITTED_AT,
            CONFIRMATION,
        )
        assert form.submitted_by_id == world.user(column).pk
        assert writes == ["rems_form.submit"]
        if kind == "rems_form":
            assert response["Location"] == f"/rems/forms/{form.pk}/"
    elif kind == "rems_form":
        assert response.context["form"].pk == form.pk
        assert b"Record submission</h2>" in response.content
        assert _reads(last_id) == [("rems_form.read", dan)]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")
