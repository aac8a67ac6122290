"""Every page and every API operation, for every kind of user (the four-way permission test).

The routes come from the URL resolver and the API's OpenAPI document, so a route without an
entry in ``MATRIX`` (or ``PUBLIC``) fails ``test_it_has_an_entry_for_every_route``. The columns:

- ``anonymous``: no login (pages: 302 to the login page; API: 401 problem+json)
- ``patient_own`` / ``patient_other``: Dan, a patient with a portal login, on his own record and
  on Zoë's (``patient`` where the route names no patient)
- ``outsider``: a prescriber of another clinic, on Dan's record (404: not visible)
- ``front_desk``, ``nurse``, ``prescriber``, ``owner``: staff of Dan's clinic; front desk has no
  clinical permission, and only the owner reads the audit log

A refused write must leave every patient row, every chart row and the audit log's write events
exactly as they were; a refused read must not be logged as a chart read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver

from ketacare.accounts import services as accounts
from ketacare.accounts import session
from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, TotpDevice, User
from ketacare.audit.models import AuditEvent
from ketacare.config.api import api
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.patients.parts import PARTS
from tests.conftest import PASSWORD, Cast, logged_in

PATIENT_SECTIONS = ("contacts", "coverage", "consents")
CLINICAL_SECTIONS = ("measurements", "conditions", "allergies", "trials")
SECTIONS = PATIENT_SECTIONS + CLINICAL_SECTIONS
WRITE_ACTIONS = ("patient.create", "patient.update", "record.create", "record.update")

RECORD_COLUMNS = (
    "anonymous",
    "patient_own",
    "patient_other",
    "outsider",
    "front_desk",
    "nurse",
    "prescriber",
    "owner",
)
CLINIC_COLUMNS = ("anonymous", "patient", "outsider", "front_desk", "nurse", "prescriber", "owner")


def R(*statuses: int) -> dict[str, int]:  # noqa: N802 - reads as a table row
    """Expected statuses of a route that names a patient, in ``RECORD_COLUMNS`` order."""
    return dict(zip(RECORD_COLUMNS, statuses, strict=True))


def C(*statuses: int) -> dict[str, int]:  # noqa: N802
    """Expected statuses of a route that names no patient, in ``CLINIC_COLUMNS`` order."""
    return dict(zip(CLINIC_COLUMNS, statuses, strict=True))


@dataclass(frozen=True)
class Entry:
    method: str
    route: str  # the resolver's pattern, without the leading slash
    kind: str
    expect: Mapping[str, int]
    section: str | None = None

    @property
    def label(self) -> str:
        shown = self.route.replace("<slug:key>", self.section or "<slug:key>")
        return f"{self.method} /{shown}"

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def _section_entries() -> Iterator[Entry]:
    for key in SECTIONS:
        # Front desk registers contacts, insurance and consents, but not clinical history.
        fd = 403 if key in CLINICAL_SECTIONS else None
        add = "patients/<uuid:pk>/<slug:key>/add/"
        edit = "patients/<uuid:pk>/<slug:key>/<int:part_id>/edit/"
        yield Entry("GET", add, "part_add", R(302, 403, 404, 404, fd or 200, 200, 200, 200), key)
        yield Entry("POST", add, "part_add", R(302, 403, 404, 404, fd or 302, 302, 302, 302), key)
        yield Entry("GET", edit, "part_edit", R(302, 403, 404, 404, fd or 200, 200, 200, 200), key)
        yield Entry("POST", edit, "part_edit", R(302, 403, 404, 404, fd or 302, 302, 302, 302), key)
        yield Entry(
            "POST",
            f"api/v1/patients/<patient_id>/{key}",
            "api_part_create",
            R(401, 403, 404, 404, fd or 201, 201, 201, 201),
            key,
        )
        yield Entry(
            "PATCH",
            f"api/v1/patients/<patient_id>/{key}/<part_id>",
            "api_part_update",
            R(401, 403, 404, 404, fd or 200, 200, 200, 200),
            key,
        )


ONE_PATIENT = "api/v1/patients/<patient_id>"

MATRIX: list[Entry] = [
    # Columns: anonymous, patient (own, other), outsider, front desk, nurse, prescriber, owner.
    Entry("GET", "", "home", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("GET", "patients/", "list", C(302, 403, 200, 200, 200, 200, 200)),
    Entry("GET", "patients/new/", "new", C(302, 403, 200, 200, 200, 200, 200)),
    Entry("POST", "patients/new/", "new", C(302, 403, 302, 302, 302, 302, 302)),
    Entry("GET", "patients/<uuid:pk>/", "detail", R(302, 200, 404, 404, 200, 200, 200, 200)),
    Entry("GET", "patients/<uuid:pk>/edit/", "edit", R(302, 403, 404, 404, 200, 200, 200, 200)),
    Entry("POST", "patients/<uuid:pk>/edit/", "edit", R(302, 403, 404, 404, 302, 302, 302, 302)),
    Entry("GET", "audit/", "audit", C(302, 403, 403, 403, 403, 403, 200)),
    Entry("GET", "api/v1/patients", "api_list", C(401, 403, 200, 200, 200, 200, 200)),
    Entry("POST", "api/v1/patients", "api_create", C(401, 403, 201, 201, 201, 201, 201)),
    Entry("GET", ONE_PATIENT, "api_read", R(401, 200, 404, 404, 200, 200, 200, 200)),
    Entry("PATCH", ONE_PATIENT, "api_update", R(401, 403, 404, 404, 200, 200, 200, 200)),
    *_section_entries(),
    # Logging in and out: open to everyone, or needing a login but no permission.
    Entry("GET", "accounts/login/", "login", C(200, 200, 200, 200, 200, 200, 200)),
    Entry("POST", "accounts/login/", "login", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("POST", "accounts/logout/", "logout", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("GET", "accounts/mfa/verify/", "mfa_verify", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("POST", "accounts/mfa/verify/", "mfa_verify", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("GET", "accounts/mfa/enrol/", "mfa_enrol", C(302, 200, 200, 200, 200, 200, 200)),
    Entry("POST", "accounts/mfa/enrol/", "mfa_enrol", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("POST", "accounts/clinic/", "clinic", C(302, 302, 302, 302, 302, 302, 302)),
]


@dataclass(frozen=True)
class Public:
    method: str
    route: str
    status: int
    content_type: str | None


# Routes anyone may call, with what they answer. ``api/v1/`` is django-ninja's root: it only
# exists so the operations can be reversed, and answers 404 (whose body is the business of
# tests/api/test_patients_api.py::test_it_answers_every_api_error_as_problem_json).
PUBLIC = [
    Public("GET", "healthz", 200, "text/plain"),
    Public("GET", "api/v1/openapi.json", 200, "application/json"),
    Public("GET", "api/v1/docs", 200, "text/html; charset=utf-8"),
    Public("GET", "api/v1/", 404, None),
]
# Served by WhiteNoise before URL resolution (the API docs' assets are local, not a CDN).
STATIC = ["static/ketacare/site.css", "static/ninja/swagger-ui-bundle.js"]

# Every method a route might answer; a method without an entry must get 405.
PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# --- the world: the cast plus one row of every chart section for Dan and for Zoë --------------

ROWS: dict[str, dict[str, Any]] = {
    "contacts": {
        "relationship": "escort",
        "name": "Ana Driver",
        "relation_to_patient": "sister",
        "phone": "+1 617 555 0142",
        "email": "",
        "is_active": True,
    },
    "coverage": {
        "payer_name": "Aetna",
        "member_id": "W100200300",
        "group_number": "",
        "plan_name": "",
        "is_primary": True,
        "start_date": date(2025, 1, 1),
        "end_date": None,
    },
    "consents": {
        "kind": "ketamine_treatment",
        "status": "given",
        "signed_on": date(2025, 1, 10),
        "form_version": "2025-01",
    },
    "measurements": {
        "measured_on": date(2025, 1, 10),
        "weight_kg": Decimal("70.0"),
        "height_cm": Decimal("165.0"),
    },
    "conditions": {"icd10_code": "F41.1", "onset_date": date(2018, 3, 1), "status": "active"},
    "allergies": {
        "substance": "Penicillin",
        "reaction": "Hives",
        "severity": "moderate",
        "status": "active",
    },
    "trials": {
        "drug": "sertraline",
        "drug_class": "ssri",
        "dose_mg_per_day": Decimal("150"),
        "start_date": date(2023, 1, 1),
        "end_date": date(2023, 6, 1),
        "weeks_at_adequate_dose": Decimal("12"),
        "improvement_percent": 10,
        "current_episode": True,
        "reason_stopped": "ineffective",
        "notes": "",
    },
}

# What a permitted user adds (every field given, so the request is valid on every route).
NEW_ROWS: dict[str, dict[str, Any]] = {
    "contacts": {
        "relationship": "emergency_contact",
        "name": "Lea Brandt",
        "relation_to_patient": "spouse",
        "phone": "+1 617 555 0177",
        "email": "lea@example.com",
        "is_active": True,
    },
    "coverage": {
        "payer_name": "Blue Cross",
        "member_id": "XJ4455",
        "group_number": "G-17",
        "plan_name": "PPO",
        "is_primary": False,
        "start_date": date(2025, 7, 1),
        "end_date": date(2026, 6, 30),
    },
    "consents": {
        "kind": "telehealth",
        "status": "given",
        "signed_on": date(2025, 8, 1),
        "form_version": "v3",
    },
    "measurements": {
        "measured_on": date(2025, 9, 1),
        "weight_kg": Decimal("81.0"),
        "height_cm": Decimal("180.0"),
    },
    "conditions": {
        "icd10_code": "F43.10",
        "snomed_code": "47505003",
        "display": "Post-traumatic stress disorder, unspecified",
        "onset_date": date(2015, 5, 1),
        "status": "active",
    },
    "allergies": {"substance": "Latex", "reaction": "Rash", "severity": "mild", "status": "active"},
    "trials": {
        "drug": "bupropion",
        "drug_class": "ndri",
        "dose_mg_per_day": Decimal("300"),
        "start_date": date(2024, 1, 1),
        "end_date": date(2024, 5, 1),
        "weeks_at_adequate_dose": Decimal("8"),
        "improvement_percent": 15,
        "current_episode": True,
        "reason_stopped": "ineffective",
        "notes": "No change in PHQ-9.",
    },
}

# The one field a permitted editor changes in each section, and its new value.
CHANGES: dict[str, tuple[str, Any]] = {
    "contacts": ("name", "Ana B. Driver"),
    "coverage": ("member_id", "W999000111"),
    "consents": ("form_version", "2025-06"),
    "measurements": ("weight_kg", Decimal("71.5")),
    "conditions": ("status", "remission"),
    "allergies": ("reaction", "Urticaria"),
    "trials": ("improvement_percent", 20),
}

NEW_PATIENT = {
    "mrn": "H-2001",
    "given_name": "Maya",
    "family_name": "Lindqvist",
    "date_of_birth": "1988-07-14",
    "sex_at_birth": "female",
}
NEW_PHONE = "+1 617 555 0199"

# The permission a refusal names, per kind of API operation (403 problem detail).
PERM_NAMED = {
    "api_list": "patient.list",
    "api_create": "patient.create",
    "api_update": "patient.edit",
}


def _perm_named(entry: Entry) -> str:
    if entry.section is not None:
        return "clinical.edit" if entry.section in CLINICAL_SECTIONS else "patient.edit"
    return PERM_NAMED[entry.kind]


@dataclass
class World:
    cast: Cast
    rows: dict[tuple[str, str], Any]

    def membership(self, column: str) -> Membership | None:
        c = self.cast
        return {
            "anonymous": None,
            "patient": c.dan_login,
            "patient_own": c.dan_login,
            "patient_other": c.dan_login,
            "outsider": c.outsider,
            "front_desk": c.front_desk,
            "nurse": c.nurse,
            "prescriber": c.prescriber,
            "owner": c.owner,
        }[column]

    def user(self, column: str) -> User | None:
        membership = self.membership(column)
        return membership.user if membership is not None else None

    def client(self, column: str) -> Client:
        user = self.user(column)
        return Client() if user is None else logged_in(user)

    def target_name(self, column: str) -> str:
        return "zoe" if column == "patient_other" else "dan"

    def target(self, column: str) -> Patient:
        return Patient.objects.get(pk=getattr(self.cast, self.target_name(column)).pk)

    def row(self, column: str, section: str) -> Any:
        row = self.rows[(self.target_name(column), section)]
        return type(row).objects.get(pk=row.pk)

    def url(self, entry: Entry, column: str) -> str:
        url = "/" + entry.route
        if "<uuid:pk>" in url or "<patient_id>" in url:
            pk = str(self.target(column).pk)
            url = url.replace("<uuid:pk>", pk).replace("<patient_id>", pk)
        if entry.section is not None:
            url = url.replace("<slug:key>", entry.section)
            if "part_id>" in url:
                part = str(self.row(column, entry.section).pk)
                url = url.replace("<int:part_id>", part).replace("<part_id>", part)
        return url


@pytest.fixture
def world(cast: Cast) -> World:
    rows = {}
    for name in ("dan", "zoe"):
        patient = getattr(cast, name)
        for key in SECTIONS:
            author = cast.nurse if key in CLINICAL_SECTIONS else cast.front_desk
            rows[(name, key)] = patients.part_create(
                actor_for(author), patient.pk, key, data=ROWS[key]
            ).obj
    return World(cast, rows)


# --- requests ---------------------------------------------------------------------------------


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def _form(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form data as a browser posts it (an unticked checkbox is not sent)."""
    return {k: _form_value(v) for k, v in values.items() if v is not False}


def _json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, date | Decimal) else v for k, v in values.items()}


def _body(world: World, entry: Entry, column: str) -> dict[str, Any]:
    key = entry.section
    kind = entry.kind
    if kind in ("new", "api_create"):
        return dict(NEW_PATIENT)
    if kind == "edit":
        patient = world.target(column)
        current = {name: getattr(patient, name) for name in patients.PATIENT_FIELDS}
        return {**_form(current), "phone": NEW_PHONE, "version": patient.version, "reason": ""}
    if kind == "api_update":
        return {"version": world.target(column).version, "phone": NEW_PHONE}
    if kind == "part_add":
        assert key is not None
        return _form(NEW_ROWS[key])
    if kind == "api_part_create":
        assert key is not None
        return _json(NEW_ROWS[key])
    if kind == "part_edit":
        assert key is not None
        row = world.row(column, key)
        name, value = CHANGES[key]
        current = {field: getattr(row, field) for field in PARTS[key].fields}
        return {**_form({**current, name: value}), "version": row.version, "reason": ""}
    if kind == "api_part_update":
        assert key is not None
        name, value = CHANGES[key]
        return {"version": world.row(column, key).version, **_json({name: value})}
    if kind == "login":
        user = world.user(column) or world.cast.dan_login.user
        return {"email": user.email, "password": PASSWORD}
    if kind == "mfa_verify":
        return {"code": "123456"}
    if kind == "mfa_enrol":
        user = world.user(column)
        if user is None:
            return {"code": "123456"}
        return {"code": pyotp.TOTP(accounts.totp_begin(user).secret).now()}
    if kind == "clinic":
        return {"clinic": world.cast.clinic.pk}
    return {}


def _send(client: Client, entry: Entry, url: str, body: dict[str, Any]) -> HttpResponse:
    if entry.method == "GET":
        return client.get(url)
    if entry.is_api:
        return client.generic(entry.method, url, json.dumps(body), content_type="application/json")
    if entry.method == "POST":
        return client.post(url, body)
    return client.generic(entry.method, url)


# --- what must not change, and what must ------------------------------------------------------


def state() -> dict[str, list[Any]]:
    """Every patient row and chart row, and the ids of every audited write."""
    tables: dict[str, list[Any]] = {"Patient": list(Patient.objects.order_by("pk").values())}
    for spec in PARTS.values():
        tables[spec.model.__name__] = list(spec.model.objects.order_by("pk").values())
    tables["write events"] = list(
        AuditEvent.objects.filter(action__in=WRITE_ACTIONS)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return tables


def _new_writes(before: Mapping[str, list[Any]]) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__in=WRITE_ACTIONS)
        .exclude(id__in=before["write events"])
        .order_by("id")
        .values_list("action", flat=True)
    )


def _reads_since(last_id: int) -> int:
    return AuditEvent.objects.filter(action="patient.read", id__gt=last_id).count()


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _problem(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)  # type: ignore[no-any-return]


def _assert_nothing_changed(
    world: World,
    entry: Entry,
    column: str,
    before: Mapping[str, list[Any]],
    target_version: int | None,
    row_version: int | None,
) -> None:
    after = state()
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    if target_version is not None:
        assert world.target(column).version == target_version
    if row_version is not None and entry.section is not None:
        assert world.row(column, entry.section).version == row_version
    assert after == before
    assert _new_writes(before) == []


def _rows_of(world: World, column: str, key: str) -> int:
    return PARTS[key].model.objects.filter(patient=world.target(column)).count()  # type: ignore[attr-defined]


def _check_allowed(
    world: World,
    entry: Entry,
    column: str,
    response: HttpResponse,
    before: Mapping[str, list[Any]],
    counts: Mapping[str, int],
) -> None:
    """What a permitted user must get: the right record, and the change made and audited."""
    kind, key = entry.kind, entry.section
    target = world.target(column)
    chart = f"/patients/{target.pk}/"
    membership = world.membership(column)
    assert membership is not None
    if kind == "home":
        expected = chart if membership.role == "patient" else "/patients/"
        assert response["Location"] == expected
    elif kind == "list":
        shown = sorted(p.mrn for p in response.context["page"].object_list)
        assert shown == (["L-1"] if column == "outsider" else ["H-1001", "H-1002"])
    elif kind == "api_list":
        shown = sorted(p["mrn"] for p in response.json()["results"])
        assert shown == (["L-1"] if column == "outsider" else ["H-1001", "H-1002"])
    elif kind == "detail":
        assert response.context["patient"].pk == target.pk
        sections = [s.spec.key for s in response.context["chart"].sections]
        assert sections == (list(PATIENT_SECTIONS) if column == "front_desk" else list(SECTIONS))
    elif kind == "api_read":
        body = response.json()
        assert body["id"] == str(target.pk)
        hidden = column == "front_desk"
        assert [k for k in SECTIONS if body[k] is None] == (
            list(CLINICAL_SECTIONS) if hidden else []
        )
    elif kind in ("edit", "part_edit", "part_add", "new", "audit") and entry.method == "GET":
        assert response["Content-Type"] == "text/html; charset=utf-8"
        if kind in ("edit", "part_edit", "part_add"):
            assert response.context["patient"].pk == target.pk
    elif kind in ("new", "api_create"):
        created = Patient.objects.get(mrn="H-2001")
        assert created.clinic_id == membership.clinic_id
        assert len(Patient.objects.all()) == counts["patients"] + 1
        if kind == "new":
            assert response["Location"] == f"/patients/{created.pk}/"
        else:
            assert response.json()["id"] == str(created.pk)
        assert _new_writes(before) == ["patient.create"]
    elif kind in ("edit", "api_update"):
        assert target.version == counts["version"] + 1
        assert target.phone == NEW_PHONE
        if kind == "edit":
            assert response["Location"] == chart
        else:
            assert response.json()["version"] == target.version
        assert _new_writes(before) == ["patient.update"]
    elif kind in ("part_add", "api_part_create"):
        assert key is not None
        assert _rows_of(world, column, key) == counts["rows"] + 1
        if kind == "part_add":
            assert response["Location"] == f"{chart}#{key}"
        assert _new_writes(before) == ["record.create"]
    elif kind in ("part_edit", "api_part_update"):
        assert key is not None
        row = world.row(column, key)
        name, value = CHANGES[key]
        assert row.version == counts["row_version"] + 1
        assert getattr(row, name) == value
        if kind == "part_edit":
            assert response["Location"] == f"{chart}#{key}"
        else:
            assert response.json()["version"] == row.version
        assert _new_writes(before) == ["record.update"]
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def _check_account_route(
    world: World, entry: Entry, column: str, response: HttpResponse, client: Client, last_id: int
) -> None:
    """Log-in pages: their own answers, and the session or second factor they change."""
    user = world.user(column)
    login_next = f"/accounts/login/?next=/{entry.route}"
    new_events = list(
        AuditEvent.objects.filter(id__gt=last_id).order_by("id").values_list("action", "actor_id")
    )
    kind = entry.kind
    if kind == "login" and entry.method == "GET":
        assert b'name="password"' in response.content
        assert new_events == []
    elif kind == "login":
        who = user or world.cast.dan_login.user
        assert response["Location"] == "/"
        assert new_events == [("auth.login", who.pk)]
    elif kind == "logout":
        assert response["Location"] == "/accounts/login/"
        assert new_events == ([] if user is None else [("auth.logout", user.pk)])
        assert client.get("/patients/")["Location"] == "/accounts/login/?next=/patients/"
    elif kind == "mfa_verify":
        # Every cast login already passed its (absent) second factor.
        assert response["Location"] == (login_next if user is None else "/")
        assert new_events == []
    elif kind == "mfa_enrol":
        if user is None:
            assert response["Location"] == login_next
            assert TotpDevice.objects.count() == 0
        elif entry.method == "GET":
            assert TotpDevice.objects.get(user=user).confirmed_at is None
        else:
            assert response["Location"] == "/"
            assert TotpDevice.objects.get(user=user).confirmed_at is not None
            assert new_events == [("auth.mfa_enrolled", user.pk)]
    elif kind == "clinic":
        if user is None:
            assert response["Location"] == login_next
            assert new_events == []
        elif column == "outsider":
            # Not a member of Harbor: the selected clinic does not change.
            assert response["Location"] == "/"
            assert client.session.get(session.CLINIC_ID) is None
            assert new_events == []
        else:
            assert response["Location"] == "/"
            assert client.session[session.CLINIC_ID] == world.cast.clinic.pk
            assert new_events == [("auth.clinic_switched", user.pk)]


ACCOUNT_KINDS = {"login", "logout", "mfa_verify", "mfa_enrol", "clinic"}

CASES = [
    pytest.param(entry, column, id=f"{entry.label} as {column}")
    for entry in MATRIX
    for column in entry.expect
]


@pytest.mark.parametrize(("entry", "column"), CASES)
def test_it_answers_each_user_as_the_matrix_says(world: World, entry: Entry, column: str) -> None:
    client = world.client(column)
    url = world.url(entry, column)
    body = _body(world, entry, column)
    before = state()
    last_id = _last_event_id()
    target_version = world.target(column).version if "<" in entry.route else None
    row_version = (
        world.row(column, entry.section).version
        if entry.section is not None and "part_id>" in entry.route
        else None
    )
    counts = {
        "patients": len(before["Patient"]),
        "version": world.target(column).version,
        "rows": _rows_of(world, column, entry.section) if entry.section else 0,
        "row_version": row_version or 0,
    }

    response = _send(client, entry, url, body)

    expected = entry.expect[column]
    assert response.status_code == expected, response.content[:500]
    if entry.kind in ACCOUNT_KINDS:
        _check_account_route(world, entry, column, response, client, last_id)
        return
    denied = column == "anonymous" or expected in (403, 404)
    if column == "anonymous" and entry.is_api:
        assert _problem(response) == {
            "type": "https://ketacare.org/problems/unauthorized",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Send 'Authorization: Bearer <token>' or log in",
        }
        assert response["WWW-Authenticate"] == "Bearer"
    elif column == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={url}"
    elif expected == 404 and entry.is_api:
        assert _problem(response) == {
            "type": "https://ketacare.org/problems/not-found",
            "title": "Not found",
            "status": 404,
            "detail": "No such patient",
        }
    elif expected == 403 and entry.is_api:
        assert _problem(response) == {
            "type": "https://ketacare.org/problems/forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": f"your role does not allow {_perm_named(entry)}",
        }
    elif expected in (403, 404):
        assert response["Content-Type"] == "text/html; charset=utf-8"
        title = b"<h1>Not allowed</h1>" if expected == 403 else b"<h1>Not found</h1>"
        assert title in response.content
    if denied:
        if entry.writes:
            _assert_nothing_changed(world, entry, column, before, target_version, row_version)
        assert _reads_since(last_id) == 0
        return
    _check_allowed(world, entry, column, response, before, counts)


# --- every route has an entry -----------------------------------------------------------------


def resolver_routes() -> list[str]:
    """Every URL pattern of ketacare.config.urls, as one string without the leading slash."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns, "")))


def api_operations() -> set[tuple[str, str]]:
    """(METHOD, route) of every operation in the API's OpenAPI document."""
    operations = set()
    for path, item in api.get_openapi_schema()["paths"].items():
        route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
        operations |= {(method.upper(), route) for method in item}
    return operations


def _entries_for(route: str) -> list[Entry]:
    return [e for e in MATRIX if e.route == route]


def test_it_has_an_entry_for_every_route() -> None:
    public = {p.route for p in PUBLIC}
    missing = [r for r in resolver_routes() if r not in public and not _entries_for(r)]
    assert missing == [], f"routes with no entry in MATRIX or PUBLIC: {missing}"
    stale = sorted({e.route for e in MATRIX} - set(resolver_routes()))
    assert stale == [], f"MATRIX entries for routes that no longer exist: {stale}"


def test_it_has_an_entry_for_every_api_operation_and_method() -> None:
    listed = {(e.method, e.route) for e in MATRIX if e.is_api}
    assert sorted(api_operations() - listed) == []
    assert sorted(listed - api_operations()) == []


def test_it_has_an_entry_for_every_section_of_the_chart() -> None:
    assert sorted(PARTS) == sorted(SECTIONS)
    for route in (
        "patients/<uuid:pk>/<slug:key>/add/",
        "patients/<uuid:pk>/<slug:key>/<int:part_id>/edit/",
    ):
        for method in ("GET", "POST"):
            covered = sorted(e.section for e in _entries_for(route) if e.method == method)
            assert covered == sorted(SECTIONS), (method, route)


def test_it_tests_every_column_of_every_entry() -> None:
    for entry in MATRIX:
        names_patient = "<uuid:pk>" in entry.route or "<patient_id>" in entry.route
        expected = RECORD_COLUMNS if names_patient else CLINIC_COLUMNS
        assert tuple(entry.expect) == expected, entry.label
    labels = [(e.label, e.kind) for e in MATRIX]
    assert len(labels) == len(set(labels)), "an entry is listed twice"


def _probe_cases() -> list[Any]:
    public = {p.route for p in PUBLIC}
    cases = []
    for route in resolver_routes():
        if route in public:
            continue
        listed = {e.method for e in _entries_for(route)}
        for method in PROBE_METHODS:
            if method not in listed:
                cases.append(pytest.param(method, route, id=f"{method} /{route}"))
    return cases


@pytest.mark.parametrize(("method", "route"), _probe_cases())
def test_it_refuses_every_method_the_matrix_does_not_list(
    world: World, method: str, route: str
) -> None:
    """A method missing from the matrix must be one the route refuses, even for the owner."""
    entry = Entry(method, route, "probe", {}, "measurements" if "<slug:key>" in route else None)
    if "part_id>" in route and entry.section is None:
        entry = Entry(method, route, "probe", {}, route.split("/")[4])
    before = state()
    response = _send(world.client("owner"), entry, world.url(entry, "owner"), {})
    assert response.status_code == 405, f"{method} /{route} answers: add it to MATRIX"
    assert state() == before


# --- public routes, static files, and ids that lead nowhere -----------------------------------


@pytest.mark.parametrize("public", PUBLIC, ids=lambda p: f"{p.method} /{p.route}")
@pytest.mark.parametrize("column", ["anonymous", "patient", "outsider", "owner"])
def test_it_answers_public_routes_to_everyone(world: World, public: Public, column: str) -> None:
    response = world.client(column).generic(public.method, "/" + public.route)
    assert response.status_code == public.status
    if public.content_type is not None:
        assert response["Content-Type"] == public.content_type


@pytest.mark.parametrize("path", STATIC)
def test_it_serves_static_files_to_anyone(path: str) -> None:
    response = Client().get("/" + path)
    assert response.status_code == 200


def test_it_answers_404_for_a_section_that_does_not_exist(world: World) -> None:
    response = world.client("owner").get(f"/patients/{world.cast.dan.pk}/diet/add/")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/patients/{pk}/", "/patients/{pk}/edit/"])
def test_it_answers_404_for_a_patient_that_does_not_exist(world: World, path: str) -> None:
    nobody = "00000000-0000-4000-8000-000000000000"
    assert world.client("owner").get(path.format(pk=nobody)).status_code == 404
    response = world.client("owner").get(f"/api/v1/patients/{nobody}")
    assert response.status_code == 404
    assert _problem(response)["detail"] == "No such patient"


@pytest.mark.parametrize("key", SECTIONS)
def test_it_hides_another_patients_row_behind_this_patients_url(world: World, key: str) -> None:
    """Zoë's row under Dan's URL is not found, for the owner too (no IDOR by row id)."""
    dan, zoes_row = world.cast.dan, world.rows[("zoe", key)]
    owner = world.client("owner")
    name, value = CHANGES[key]
    before = state()
    page = f"/patients/{dan.pk}/{key}/{zoes_row.pk}/edit/"
    current = {field: getattr(zoes_row, field) for field in PARTS[key].fields}
    assert owner.get(page).status_code == 404
    posted = owner.post(page, {**_form({**current, name: value}), "version": 1})
    assert posted.status_code == 404
    patched = owner.patch(
        f"/api/v1/patients/{dan.pk}/{key}/{zoes_row.pk}",
        json.dumps({"version": 1, **_json({name: value})}),
        content_type="application/json",
    )
    assert patched.status_code == 404
    assert _problem(patched)["detail"] == f"No such {PARTS[key].singular}"
    assert state() == before
