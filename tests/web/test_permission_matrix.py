"""Every page and every API operation, for every kind of user (the four-way permission test).

The routes come from the URL resolver and the API's OpenAPI document, so a route without an
entry in ``MATRIX`` (or ``PUBLIC``) fails ``test_it_has_an_entry_for_every_route``. The columns:

- ``anonymous``: no login (pages: 302 to the login page; API: 401 problem+json)
- ``patient_own`` / ``patient_other``: Dan, a patient with a portal login, on his own record and
  on Zoë's (``patient`` where the route names no patient)
- ``outsider``: a prescriber of another clinic, on Dan's record (404: not visible)
- ``front_desk``, ``nurse``, ``prescriber``, ``owner``: staff of Dan's clinic; front desk has no
  clinical permission, and only the owner reads the audit log and the background jobs' runs

Candidacy and treatment (intake, screening, plans, alerts): nurses and prescribers record
intakes and acknowledge alerts; only a prescriber drafts, changes and signs a plan; the owner
reads screenings, plans and alerts. A plan or an alert belongs to one patient, so its routes
have the patient columns: ``patient_own`` is Dan's plan or alert, ``patient_other`` Zoë's.

A refused write must leave every patient row, every chart row, every intake, screening,
questionnaire response, plan, alert and job run, and the audit log's write events exactly as
they were; a refused read must not be logged as a read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from django.http import HttpResponse
from django.test import Client, TestCase
from django.urls import URLResolver, get_resolver
from time_machine import TimeMachineFixture

from ketacare.accounts import services as accounts
from ketacare.accounts import session
from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership, TotpDevice, User
from ketacare.alerts.models import Alert
from ketacare.alerts.services import raised_by
from ketacare.audit.models import AuditEvent
from ketacare.config.api import api
from ketacare.jobs.models import JobRun
from ketacare.outcomes.models import QuestionnaireResponse
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.patients.parts import PARTS
from ketacare.screening.models import Intake, IntakeDraft, ScreeningResult
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as plans
from ketacare.treatment.models import TreatmentPlan
from tests.api.test_candidacy_api import PROTOCOL_IDS, intake_form
from tests.candidacy import PHQ9_NO_SI, fields, scales
from tests.chart_rows import ROWS
from tests.conftest import PASSWORD, Cast, logged_in
from tests.screening.sections import save_every_section, section_data
from tests.web import (
    admin_matrix,
    chair_matrix,
    controlled_matrix,
    rems_matrix,
    scheduling_matrix,
    sessions_matrix,
)

PATIENT_SECTIONS = ("contacts", "coverage", "consents")
CLINICAL_SECTIONS = ("measurements", "conditions", "allergies", "trials")
SECTIONS = PATIENT_SECTIONS + CLINICAL_SECTIONS
WRITE_ACTIONS = (
    "patient.create",
    "patient.update",
    "patient.deactivate",
    "patient.reactivate",
    "record.create",
    "record.update",
    "intake.record",
    "intake_draft.save",
    "intake_draft.close",
    "questionnaire.record",
    "alert.raise",
    "alert.acknowledge",
    "plan.create",
    "plan.update",
    "plan.sign",
    *admin_matrix.WRITE_ACTIONS,
    *scheduling_matrix.WRITE_ACTIONS,
    *controlled_matrix.WRITE_ACTIONS,
    *rems_matrix.WRITE_ACTIONS,
    *chair_matrix.WRITE_ACTIONS,
    *sessions_matrix.WRITE_ACTIONS,
)
READ_ACTIONS = (
    "patient.read",
    "screening.read",
    "plan.read",
    "alert.read",
    "intake_draft.read",
    *scheduling_matrix.READ_ACTIONS,
    *controlled_matrix.READ_ACTIONS,
    *rems_matrix.READ_ACTIONS,
    *chair_matrix.READ_ACTIONS,
    *sessions_matrix.READ_ACTIONS,
)
# Rows an intake, a plan or an alert acknowledgement adds or changes.
CARE_MODELS = (Intake, IntakeDraft, ScreeningResult, QuestionnaireResponse, TreatmentPlan, Alert)

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
    """Expected statuses of a route that names a patient (or a patient's plan or alert), in
    ``RECORD_COLUMNS`` order."""
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
PLAN = "plans/<int:pk>/"
API_PLAN = "api/v1/plans/<plan_id>"


def names_record(route: str) -> bool:
    """Whether a route names one patient: directly, or through one of the patient's plans or
    alerts."""
    return any(
        part in route for part in ("<uuid:pk>", "<patient_id>", "<plan_id>", "<alert_id>")
    ) or route.startswith(("plans/<int:pk>", "alerts/<int:pk>"))


def care_key(route: str) -> str | None:
    """Which of the patient's rows a plan or alert route acts on: its open alert, its signed
    plan (to revise) or its draft plan (everything else)."""
    if route.startswith(("alerts/<int:pk>", "api/v1/alerts/<alert_id>")):
        return "alert"
    if route.startswith((PLAN, API_PLAN)):
        signed = ("revise/", "revisions", *scheduling_matrix.SIGNED_PLAN_ROUTES)
        return "signed" if route.endswith(signed) else "draft"
    return None


def _care_entries() -> list[Entry]:
    """Intake, screening, plans and alerts (the nurse may not plan or sign, the owner only
    reads, front desk and patients see none of it)."""
    return [
        # Columns: anonymous, patient (own, other), outsider, front desk, nurse, prescriber,
        # owner.
        Entry(
            "GET",
            "patients/<uuid:pk>/intake/new/",
            "intake_new",
            R(302, 403, 404, 404, 403, 302, 302, 403),
        ),
        Entry(
            "GET",
            "patients/<uuid:pk>/intake/<slug:key>/",
            "intake_section",
            R(302, 403, 404, 404, 403, 200, 200, 403),
        ),
        Entry(
            "POST",
            "patients/<uuid:pk>/intake/<slug:key>/",
            "intake_section",
            R(302, 403, 404, 404, 403, 302, 302, 403),
        ),
        Entry(
            "GET",
            "patients/<uuid:pk>/intake/review/",
            "intake_review",
            R(302, 403, 404, 404, 403, 200, 200, 403),
        ),
        Entry(
            "POST",
            "patients/<uuid:pk>/intake/review/",
            "intake_review",
            R(302, 403, 404, 404, 403, 302, 302, 403),
        ),
        Entry(
            "POST",
            "patients/<uuid:pk>/intake/new/",
            "intake_new",
            R(302, 403, 404, 404, 403, 302, 302, 403),
        ),
        Entry(
            "GET",
            "patients/<uuid:pk>/screening/",
            "screening",
            R(302, 403, 404, 404, 403, 200, 200, 200),
        ),
        Entry(
            "GET",
            "patients/<uuid:pk>/plans/new/",
            "plan_new",
            R(302, 403, 404, 404, 403, 403, 200, 403),
        ),
        Entry(
            "POST",
            "patients/<uuid:pk>/plans/new/",
            "plan_new",
            R(302, 403, 404, 404, 403, 403, 302, 403),
        ),
        Entry("GET", PLAN, "plan", R(302, 403, 404, 404, 403, 200, 200, 200)),
        Entry("POST", f"{PLAN}adjust/", "plan_adjust", R(302, 403, 404, 404, 403, 403, 302, 403)),
        # The sign confirmation page, then the signature it posts.
        Entry("GET", f"{PLAN}sign/", "plan_sign", R(302, 403, 404, 404, 403, 403, 200, 403)),
        Entry("POST", f"{PLAN}sign/", "plan_sign", R(302, 403, 404, 404, 403, 403, 302, 403)),
        Entry("POST", f"{PLAN}revise/", "plan_revise", R(302, 403, 404, 404, 403, 403, 302, 403)),
        Entry("GET", "alerts/", "alerts", C(302, 403, 200, 403, 200, 200, 200)),
        Entry(
            "POST",
            "alerts/<int:pk>/acknowledge/",
            "alert_ack",
            R(302, 403, 404, 404, 403, 302, 302, 403),
        ),
        Entry(
            "POST",
            f"{ONE_PATIENT}/intakes",
            "api_intake",
            R(401, 403, 404, 404, 403, 201, 201, 403),
        ),
        Entry(
            "GET",
            f"{ONE_PATIENT}/screening",
            "api_screening",
            R(401, 403, 404, 404, 403, 200, 200, 200),
        ),
        Entry(
            "POST",
            f"{ONE_PATIENT}/plans",
            "api_plan_create",
            R(401, 403, 404, 404, 403, 403, 201, 403),
        ),
        # The protocol library is reference data, not a patient's: any login reads it.
        Entry("GET", "api/v1/protocols", "api_protocols", C(401, 200, 200, 200, 200, 200, 200)),
        Entry("GET", API_PLAN, "api_plan", R(401, 403, 404, 404, 403, 200, 200, 200)),
        Entry("PATCH", API_PLAN, "api_plan_update", R(401, 403, 404, 404, 403, 403, 200, 403)),
        Entry(
            "POST",
            f"{API_PLAN}/sign",
            "api_plan_sign",
            R(401, 403, 404, 404, 403, 403, 200, 403),
        ),
        Entry(
            "POST",
            f"{API_PLAN}/revisions",
            "api_plan_revise",
            R(401, 403, 404, 404, 403, 403, 201, 403),
        ),
        Entry("GET", "api/v1/alerts", "api_alerts", C(401, 403, 200, 403, 200, 200, 200)),
        Entry(
            "POST",
            "api/v1/alerts/<alert_id>/acknowledge",
            "api_alert_ack",
            R(401, 403, 404, 404, 403, 200, 200, 403),
        ),
    ]


MATRIX: list[Entry] = [
    # Columns: anonymous, patient (own, other), outsider, front desk, nurse, prescriber, owner.
    Entry("GET", "", "home", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("GET", "patients/", "list", C(302, 403, 200, 200, 200, 200, 200)),
    Entry("GET", "patients/new/", "new", C(302, 403, 200, 200, 200, 200, 200)),
    Entry("POST", "patients/new/", "new", C(302, 403, 302, 302, 302, 302, 302)),
    Entry("GET", "patients/<uuid:pk>/", "detail", R(302, 200, 404, 404, 200, 200, 200, 200)),
    Entry("GET", "patients/<uuid:pk>/edit/", "edit", R(302, 403, 404, 404, 200, 200, 200, 200)),
    Entry("POST", "patients/<uuid:pk>/edit/", "edit", R(302, 403, 404, 404, 302, 302, 302, 302)),
    # Making a record inactive (the page) or inactive and active again (the API).
    Entry("GET", "patients/<uuid:pk>/status/", "status", R(302, 403, 404, 404, 200, 200, 200, 200)),
    Entry(
        "POST", "patients/<uuid:pk>/status/", "status", R(302, 403, 404, 404, 302, 302, 302, 302)
    ),
    Entry(
        "POST",
        f"{ONE_PATIENT}/deactivate",
        "api_deactivate",
        R(401, 403, 404, 404, 200, 200, 200, 200),
    ),
    Entry(
        "POST",
        f"{ONE_PATIENT}/reactivate",
        "api_reactivate",
        R(401, 403, 404, 404, 200, 200, 200, 200),
    ),
    Entry("GET", "audit/", "audit", C(302, 403, 403, 403, 403, 403, 200)),
    # The background jobs' runs (no patient data, so the read is not audited).
    Entry("GET", "jobs/", "jobs", C(302, 403, 403, 403, 403, 403, 200)),
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
    # The Security page: anyone logged in, for their own second factor only.
    Entry("GET", "accounts/security/", "security", C(302, 200, 200, 200, 200, 200, 200)),
    Entry(
        "POST",
        "accounts/security/recovery-codes/",
        "recovery_codes",
        C(302, 200, 200, 200, 200, 200, 200),
    ),
    Entry("POST", "accounts/security/reset/", "mfa_reset", C(302, 302, 302, 302, 302, 302, 302)),
    Entry("POST", "accounts/clinic/", "clinic", C(302, 302, 302, 302, 302, 302, 302)),
    *_care_entries(),
    # Running the clinic (tests/web/admin_matrix.py): the owner's pages and the settings API,
    # and the pages of emailed links.
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in admin_matrix.ENTRIES),
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in admin_matrix.LINK_ENTRIES),
    # Scheduling (tests/web/scheduling_matrix.py): the calendar, appointments and courses.
    *(
        Entry(m, route, kind, R(*s) if names_record(route) else C(*s))
        for m, route, kind, s in scheduling_matrix.ENTRIES
    ),
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in scheduling_matrix.LINK_ENTRIES),
    # The controlled-substance ledger (tests/web/controlled_matrix.py).
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in controlled_matrix.ENTRIES),
    # The Spravato REMS forms (tests/web/rems_matrix.py): the forms, their queue and PDFs.
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in rems_matrix.ENTRIES),
    # The chair's pages (tests/web/chair_matrix.py): the chair page, its forms, the board.
    *(Entry(m, route, kind, C(*s)) for m, route, kind, s in chair_matrix.ENTRIES),
    # The chair's API (tests/web/sessions_matrix.py): sessions, their chart and note.
    *(
        Entry(m, route, kind, R(*s) if names_record(route) else C(*s))
        for m, route, kind, s in sessions_matrix.ENTRIES
    ),
]
CARE_KINDS = {e.kind for e in _care_entries()}


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
    # A permanent redirect to the static icon (tests/web/test_healthz_and_headers.py).
    Public("GET", "favicon.ico", 301, None),
    Public("GET", "api/v1/openapi.json", 200, "application/json"),
    Public("GET", "api/v1/docs", 200, "text/html; charset=utf-8"),
    Public("GET", "api/v1/", 404, None),
    # The style guide: development only, 404 here (tests/web/test_design_system.py).
    Public("GET", "dev/style-guide/", 404, None),
]
# Served by WhiteNoise before URL resolution (the API docs' assets are local, not a CDN).
STATIC = [
    "static/ketacare/site.css",
    "static/ninja/swagger-ui-bundle.js",
    "static/django_htmx/htmx-2.min.js",
]

# Every method a route might answer; a method without an entry must get 405.
PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# --- the world: the cast plus one row of every chart section for Dan and for Zoë --------------


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
    "api_deactivate": "patient.edit",
    "api_reactivate": "patient.edit",
    "api_intake": "intake.record",
    "api_screening": "screening.read",
    "api_plan_create": "plan.write",
    "api_plan": "plan.read",
    "api_plan_update": "plan.write",
    "api_plan_sign": "plan.sign",
    "api_plan_revise": "plan.write",
    "api_alerts": "alert.read",
    "api_alert_ack": "alert.acknowledge",
    **admin_matrix.PERM_NAMED,
    **scheduling_matrix.PERM_NAMED,
    **controlled_matrix.PERM_NAMED,
    **rems_matrix.PERM_NAMED,
    **sessions_matrix.PERM_NAMED,
}


def _not_found_named(entry: Entry) -> str:
    """The 404 problem detail: the row the URL names that the caller cannot see."""
    key = care_key(entry.route)
    named = (
        scheduling_matrix.not_found_named(entry.route)
        or controlled_matrix.not_found_named(entry.route)
        or rems_matrix.not_found_named(entry.route)
        or sessions_matrix.not_found_named(entry.route)
    )
    if named is not None:
        return named
    if key == "alert":
        return "No such alert"
    return "No such plan" if key is not None else "No such patient"


# What a permitted user sends to change a draft plan, revise a signed one, acknowledge an alert.
NEW_DOSE_MG = Decimal("50.00")
REVISE_REASON = "Dissociation too strong at 0.5 mg/kg"
ACK_NOTE = "Called the patient; safety plan reviewed"
# PHQ-9 item 9 (suicidal thoughts) "Several days": every intake of the world raises an alert.
PHQ9_SI = [*PHQ9_NO_SI[:8], 1, PHQ9_NO_SI[9]]


def _perm_named(entry: Entry) -> str:
    if entry.section is not None:
        return "clinical.edit" if entry.section in CLINICAL_SECTIONS else "patient.edit"
    return PERM_NAMED[entry.kind]


@dataclass
class World:
    cast: Cast
    rows: dict[tuple[str, str], Any]
    # (patient name, "draft" | "signed" | "alert") -> row; filled by ``add_care``.
    care: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Harbor's invitation, former member and sites; filled by ``admin_matrix.add_rows``.
    admin: dict[str, Any] = field(default_factory=dict)
    # Harbor's day and Dan's and Zoë's appointments; filled by ``scheduling_matrix.add_rows``
    # with the ``clock`` stopped on the day.
    schedule: dict[str, Any] = field(default_factory=dict)
    # Harbor's stock of the ledger; filled by ``controlled_matrix.add_rows``.
    controlled: dict[str, Any] = field(default_factory=dict)
    clock: TimeMachineFixture | None = None
    # Dan's session where an operation of the chair's API applies, and the request; filled
    # by ``sessions_matrix.add_rows``.
    sessions: dict[str, Any] = field(default_factory=dict)

    def add_care(self) -> None:
        """Dan, Zoë and Erin each screened with a positive PHQ-9 item 9 (so each has an open
        alert), with a draft plan and a signed plan, all through the real services."""
        if self.care:
            return
        c = self.cast
        for name, clinician, prescriber in (
            ("dan", c.nurse, c.prescriber),
            ("zoe", c.nurse, c.prescriber),
            ("erin", c.outsider, c.outsider),
        ):
            patient = getattr(c, name)
            outcome = intake_submit(
                actor_for(clinician), patient.pk, fields=fields(), scales=scales(phq9=PHQ9_SI)
            )
            self.care[(name, "alert")] = raised_by(outcome.responses)[0]
            # An intake in progress with every section saved, ready for its review.
            save_every_section(actor_for(clinician), patient)
            self.care[(name, "draft")] = plans.plan_create(
                actor_for(prescriber), patient.pk, protocol_id="depression-iv-induction"
            )
            signed = plans.plan_create(
                actor_for(prescriber), patient.pk, protocol_id="depression-iv-induction"
            )
            self.care[(name, "signed")] = plans.plan_sign(actor_for(prescriber), signed.pk)

    def failed_job_run(self) -> JobRun:
        """A run of the nightly audit verify that failed its last attempt."""
        run, _ = JobRun.objects.get_or_create(
            job="audit.verify_chain",
            run_key="2026-03-10",
            defaults={
                "trigger": "schedule",
                "status": "failed",
                "attempts": 3,
                "max_attempts": 3,
                "error": "RuntimeError: the printer is on fire",
            },
        )
        return run

    def care_row(self, name: str, key: str) -> Any:
        row = self.care[(name, key)]
        return type(row).objects.get(pk=row.pk)

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
        url = admin_matrix.url(self, entry.kind, entry.route, url, column)
        url = scheduling_matrix.url(self, entry.kind, entry.route, url)
        url = controlled_matrix.url(self, entry.kind, entry.route, url)
        url = rems_matrix.url(self, entry.kind, entry.route, url)
        url = chair_matrix.url(self, entry.kind, entry.route, url)
        url = sessions_matrix.url(self, entry.kind, entry.route, url)
        return self.care_url(url, entry.route, self.target_name(column))

    def care_url(self, url: str, route: str, name: str) -> str:
        """``url`` with the plan or alert of patient ``name`` that ``route`` acts on."""
        url = url.replace("intake/<slug:key>/", f"intake/{INTAKE_SECTION}/")
        key = care_key(route)
        if key is None:
            return url
        row = str(self.care[(name, key)].pk)
        for placeholder in ("<int:pk>", "<plan_id>", "<alert_id>"):
            url = url.replace(placeholder, row)
        return url


@pytest.fixture
def world(cast: Cast, time_machine: TimeMachineFixture) -> World:
    rows = {}
    for name in ("dan", "zoe"):
        patient = getattr(cast, name)
        for key in SECTIONS:
            author = cast.nurse if key in CLINICAL_SECTIONS else cast.front_desk
            rows[(name, key)] = patients.part_create(
                actor_for(author), patient.pk, key, data=ROWS[key]
            ).obj
    return World(cast, rows, clock=time_machine)


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
    if kind in ("status", "api_deactivate"):
        return {"version": world.target(column).version, "reason": INACTIVE_REASON}
    if kind == "api_reactivate":
        return {"version": _made_inactive(world, column).version, "reason": ""}
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
    if kind in ("recovery_codes", "mfa_reset"):
        return _second_factor_body(world, kind, column)
    if kind in admin_matrix.ADMIN_KINDS | admin_matrix.LINK_KINDS:
        return admin_matrix.body(world, kind, column)
    if kind in scheduling_matrix.KINDS:
        return scheduling_matrix.body(world, kind)
    if kind in controlled_matrix.KINDS:
        return controlled_matrix.body(world, kind, column)
    if kind in rems_matrix.KINDS:
        return rems_matrix.body(world, kind)
    if kind in chair_matrix.KINDS:
        return chair_matrix.body(world, kind)
    if kind in sessions_matrix.KINDS:
        return sessions_matrix.body(world, kind)
    return _care_body(world, entry, world.target_name(column))


INACTIVE_REASON = "Moved away; care transferred to another clinic"


def _made_inactive(world: World, column: str) -> Patient:
    """The target made inactive by its clinic's front desk, so that it can be reactivated."""
    target = world.target(column)
    desk = (
        world.cast.outsider if target.clinic_id != world.cast.clinic.pk else world.cast.front_desk
    )
    patients.patient_set_active(
        actor_for(desk),
        target.pk,
        active=False,
        expected_version=target.version,
        reason=INACTIVE_REASON,
    )
    return world.target(column)


def _second_factor_body(world: World, kind: str, column: str) -> dict[str, Any]:
    """The user enrolled with a first set of recovery codes, so that the request replaces the
    set (with the password) or turns the second factor off (password and a recovery code)."""
    membership = world.membership(column)
    if membership is None:
        return {"codes-password": PASSWORD, "reset-password": PASSWORD, "reset-code": "123456"}
    device = accounts.totp_begin(membership.user)
    assert accounts.totp_confirm(actor_for(membership), device, pyotp.TOTP(device.secret).now())
    codes = accounts.recovery_codes_create(
        actor_for(membership), membership.user, password=None
    ).codes
    assert codes is not None
    if kind == "recovery_codes":
        return {"codes-password": PASSWORD}
    return {"reset-password": PASSWORD, "reset-code": codes[0]}


def _care_body(world: World, entry: Entry, name: str) -> dict[str, Any]:
    """A valid request for every candidacy and treatment route (a refusal must come from the
    permission, not from bad input)."""
    kind = entry.kind
    if kind == "intake_new":
        return intake_form()
    if kind == "intake_section":
        return section_data(INTAKE_SECTION, intake_form(heart_rate="64"))
    if kind == "api_intake":
        return {**fields(), "scales": scales()}
    if kind in ("plan_new", "api_plan_create"):
        return {"protocol": "depression-iv-induction"}
    if kind in ("plan_adjust", "api_plan_update"):
        version = world.care_row(name, "draft").version
        return {"version": version, "dose_mg": str(NEW_DOSE_MG) if kind == "plan_adjust" else 50}
    if kind == "plan_sign":
        return {"version": world.care_row(name, "draft").version, "confirm": "yes"}
    if kind in ("plan_revise", "api_plan_revise"):
        return {"reason": REVISE_REASON}
    if kind in ("alert_ack", "api_alert_ack"):
        return {"note": ACK_NOTE}
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
    for model in (*CARE_MODELS, JobRun):
        tables[model.__name__] = list(model.objects.order_by("pk").values())
    tables.update(admin_matrix.state())
    tables.update(scheduling_matrix.state())
    tables.update(controlled_matrix.state())
    tables.update(rems_matrix.state())
    tables.update(chair_matrix.state())
    tables.update(sessions_matrix.state())
    tables["write events"] = list(
        AuditEvent.objects.filter(action__in=WRITE_ACTIONS, outcome="success")
        .order_by("id")
        .values_list("id", flat=True)
    )
    return tables


def _new_writes(before: Mapping[str, list[Any]]) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__in=WRITE_ACTIONS, outcome="success")
        .exclude(id__in=before["write events"])
        .order_by("id")
        .values_list("action", flat=True)
    )


def _reads_since(last_id: int) -> int:
    return AuditEvent.objects.filter(
        action__in=READ_ACTIONS, id__gt=last_id, outcome="success"
    ).count()


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
    last_id: int,
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
    elif kind in ("status", "api_deactivate", "api_reactivate") and entry.method == "POST":
        active = kind == "api_reactivate"
        assert (target.is_active, target.version) == (active, counts["version"] + 1)
        assert target.inactive_reason == ("" if active else INACTIVE_REASON)
        if kind == "status":
            assert response["Location"] == chart
        else:
            assert (response.json()["id"], response.json()["is_active"]) == (str(target.pk), active)
        assert _new_writes(before) == ["patient.reactivate" if active else "patient.deactivate"]
    elif kind in ("edit", "part_edit", "part_add", "new", "audit", "status") and (
        entry.method == "GET"
    ):
        assert response["Content-Type"] == "text/html; charset=utf-8"
        if kind in ("edit", "part_edit", "part_add", "status"):
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
    elif kind == "jobs":
        assert [run.pk for run in response.context["runs"]] == [world.failed_job_run().pk]
        assert b"RuntimeError: the printer is on fire" in response.content
        assert _reads_since(last_id) == 0
    elif kind in CARE_KINDS:
        _check_care_allowed(world, entry, column, response, before, last_id)
    elif kind in admin_matrix.ADMIN_KINDS:
        admin_matrix.check_allowed(world, kind, entry.method, response, _new_writes(before))
    elif kind in scheduling_matrix.KINDS:
        scheduling_matrix.check_allowed(world, kind, column, response, _new_writes(before), last_id)
    elif kind in controlled_matrix.KINDS:
        controlled_matrix.check_allowed(world, kind, column, response, _new_writes(before), last_id)
    elif kind in rems_matrix.KINDS:
        rems_matrix.check_allowed(world, kind, column, response, _new_writes(before), last_id)
    elif kind in chair_matrix.KINDS:
        chair_matrix.check_allowed(world, kind, column, response, _new_writes(before), before)
    elif kind in sessions_matrix.KINDS:
        sessions_matrix.check_allowed(
            world, kind, column, response, dict(before), _new_writes(before), last_id
        )
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no check for {kind}")


def _added(model: Any, before: Mapping[str, list[Any]]) -> Any:
    """The one row of ``model`` the request added."""
    old = [row["id"] for row in before[model.__name__]]
    return model.objects.exclude(pk__in=old).get()


def _reads_of(last_id: int) -> list[tuple[str, str | None]]:
    return [
        (action, str(patient) if patient else None)
        for action, patient in AuditEvent.objects.filter(
            action__in=READ_ACTIONS, id__gt=last_id, outcome="success"
        )
        .order_by("id")
        .values_list("action", "patient_id")
    ]


INTAKE_WRITES = ["questionnaire.record"] * 3 + ["intake.record"]
#: The section the intake-section routes are tested on.
INTAKE_SECTION = "vitals"


def _check_care_allowed(
    world: World,
    entry: Entry,
    column: str,
    response: HttpResponse,
    before: Mapping[str, list[Any]],
    last_id: int,
) -> None:
    """Intake, screening, plans and alerts: the right rows, changed and audited as they must."""
    kind = entry.kind
    target = world.target(column)
    name = world.target_name(column)
    membership = world.membership(column)
    assert membership is not None
    page = not entry.is_api
    if kind == "intake_new" and entry.method == "GET":
        # Every section of the draft is saved: the intake resumes at its review.
        assert response["Location"] == f"/patients/{target.pk}/intake/review/"
        assert _reads_of(last_id) == [
            ("patient.read", str(target.pk)),
            ("intake_draft.read", str(target.pk)),
        ]
    elif kind in ("intake_section", "intake_review") and entry.method == "GET":
        assert response.context["patient"].pk == target.pk
        assert response.context["progress"].saved == 8
        assert _reads_of(last_id) == [
            ("patient.read", str(target.pk)),
            ("intake_draft.read", str(target.pk)),
        ]
    elif kind == "intake_section":
        draft = IntakeDraft.objects.get(patient=target)
        assert draft.sections[INTAKE_SECTION]["data"]["heart_rate"] == "64"
        assert response["Location"] == f"/patients/{target.pk}/intake/phq9/"
        assert _new_writes(before) == ["intake_draft.save"]
    elif kind in ("intake_new", "api_intake", "intake_review"):
        intake = _added(Intake, before)
        assert (intake.patient_id, intake.number) == (target.pk, 2)
        assert ScreeningResult.objects.get(intake=intake).patient_id == target.pk
        if page:
            assert response["Location"] == f"/patients/{target.pk}/screening/"
        else:
            assert response.json()["id"] == intake.pk
        closed = [] if kind == "api_intake" else ["intake_draft.close"]
        assert _new_writes(before) == INTAKE_WRITES + closed
        assert IntakeDraft.objects.filter(patient=target).exists() is (kind == "api_intake")
    elif kind in ("screening", "api_screening"):
        latest = ScreeningResult.objects.get(patient=target)
        shown = response.context["screening"].pk if page else response.json()["intake_id"]
        assert shown == (latest.pk if page else latest.intake_id)
        assert _reads_of(last_id) == [("screening.read", str(target.pk))]
    elif kind == "plan_new" and entry.method == "GET":
        assert response.context["patient"].pk == target.pk
        assert response.context["choices"][0].open is True
    elif kind in ("plan_new", "api_plan_create"):
        plan = _added(TreatmentPlan, before)
        assert (plan.patient_id, plan.status, plan.protocol_id) == (
            target.pk,
            "draft",
            "depression-iv-induction",
        )
        assert plan.created_by_id == membership.user_id
        if page:
            assert response["Location"] == f"/plans/{plan.pk}/"
        else:
            assert response.json()["id"] == plan.pk
        assert _new_writes(before) == ["plan.create"]
    elif kind in ("plan", "api_plan"):
        draft = world.care[(name, "draft")]
        assert (response.context["plan"].pk if page else response.json()["id"]) == draft.pk
        assert _reads_of(last_id) == [("plan.read", str(target.pk))]
    elif kind in ("plan_adjust", "api_plan_update"):
        draft = world.care_row(name, "draft")
        assert (draft.version, draft.dose_mg) == (2, NEW_DOSE_MG)
        if page:
            assert response["Location"] == f"/plans/{draft.pk}/"
        else:
            assert response.json()["version"] == 2
        assert _new_writes(before) == ["plan.update"]
    elif kind == "plan_sign" and entry.method == "GET":
        draft = world.care_row(name, "draft")
        assert (response.context["plan"].pk, draft.status) == (draft.pk, "draft")
        assert _reads_of(last_id) == [("plan.read", str(target.pk))]
    elif kind in ("plan_sign", "api_plan_sign"):
        draft = world.care_row(name, "draft")
        assert (draft.status, draft.signed_by_id) == ("signed", membership.user_id)
        if page:
            assert response["Location"] == f"/plans/{draft.pk}/"
        else:
            assert response.json()["status"] == "signed"
        assert _new_writes(before) == ["plan.sign"]
    elif kind in ("plan_revise", "api_plan_revise"):
        signed = world.care_row(name, "signed")
        revision = _added(TreatmentPlan, before)
        assert (revision.previous_id, revision.plan_version, revision.status) == (
            signed.pk,
            2,
            "draft",
        )
        assert signed.status == "signed"
        if page:
            assert response["Location"] == f"/plans/{revision.pk}/"
        else:
            assert response.json()["id"] == revision.pk
        assert _new_writes(before) == ["plan.create"]
    elif kind in ("alerts", "api_alerts"):
        clinic = ("erin",) if column == "outsider" else ("dan", "zoe")
        expected = sorted(world.care[(n, "alert")].pk for n in clinic)
        shown = (
            [a.pk for a in response.context["alerts"]]
            if page
            else [a["id"] for a in response.json()]
        )
        assert sorted(shown) == expected
        assert _reads_of(last_id) == [("alert.read", None)]
    elif kind in ("alert_ack", "api_alert_ack"):
        alert = world.care_row(name, "alert")
        assert alert.acknowledged_at is not None
        assert alert.acknowledged_by_id == membership.user_id
        if page:
            assert response["Location"] == "/alerts/"
        else:
            assert response.json()["acknowledgement_note"] == ACK_NOTE
        assert _new_writes(before) == ["alert.acknowledge"]
    elif kind == "api_protocols":
        assert [p["id"] for p in response.json()] == PROTOCOL_IDS
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
    elif kind == "security":
        if user is None:
            assert response["Location"] == login_next
        else:
            assert b"Off: logging in needs only the password." in response.content
        assert new_events == []
    elif kind == "recovery_codes":
        if user is None:
            assert response["Location"] == login_next
            assert new_events == []
        else:
            shown = re.findall(
                rb'<code class="secret">[0-9a-f]{5}-[0-9a-f]{5}</code>', response.content
            )
            assert len(shown) == 10
            assert user.recovery_codes.filter(used_at__isnull=True).count() == 10
            assert new_events == [("auth.recovery_codes_created", user.pk)]
    elif kind == "mfa_reset":
        if user is None:
            assert response["Location"] == login_next
            assert new_events == []
        else:
            assert response["Location"] == "/accounts/security/"
            assert TotpDevice.objects.filter(user=user).count() == 0
            assert user.recovery_codes.count() == 0
            assert new_events == [("auth.mfa_reset", user.pk)]
    elif kind in admin_matrix.LINK_KINDS:
        admin_matrix.check_link_route(
            world, kind, entry.method, column, response, client, new_events
        )
    elif kind in scheduling_matrix.LINK_KINDS:
        scheduling_matrix.check_link_route(world, kind, response, new_events)


ACCOUNT_KINDS = {"login", "logout", "mfa_verify", "mfa_enrol", "clinic"}
ACCOUNT_KINDS |= {"security", "recovery_codes", "mfa_reset"}
ACCOUNT_KINDS |= admin_matrix.LINK_KINDS
ACCOUNT_KINDS |= scheduling_matrix.LINK_KINDS

CASES = [
    pytest.param(entry, column, id=f"{entry.label} as {column}")
    for entry in MATRIX
    for column in entry.expect
]


@pytest.mark.parametrize(("entry", "column"), CASES)
def test_it_answers_each_user_as_the_matrix_says(world: World, entry: Entry, column: str) -> None:
    if entry.kind in CARE_KINDS:
        world.add_care()
    if entry.kind == "jobs":
        world.failed_job_run()
    if entry.kind in admin_matrix.ADMIN_KINDS:
        admin_matrix.add_rows(world)
    if entry.kind in scheduling_matrix.KINDS | scheduling_matrix.LINK_KINDS:
        scheduling_matrix.add_rows(world)
    if entry.kind in controlled_matrix.KINDS:
        controlled_matrix.add_rows(world)
    if entry.kind in rems_matrix.KINDS:
        rems_matrix.add_rows(world)
    if entry.kind in chair_matrix.KINDS:
        chair_matrix.add_rows(world)
    if entry.kind in sessions_matrix.KINDS:
        sessions_matrix.add_rows(world, entry.kind)
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

    # Emails (invitations, reset links) go out as the request's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
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
            "detail": _not_found_named(entry),
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
    _check_allowed(world, entry, column, response, before, counts, last_id)


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
        expected = RECORD_COLUMNS if names_record(entry.route) else CLINIC_COLUMNS
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
    if care_key(route) is not None:
        world.add_care()
    if route in admin_matrix.ROW_KINDS:
        admin_matrix.add_rows(world)
    if route in scheduling_matrix.ROW_ROUTES:
        scheduling_matrix.add_rows(world)
    if route in rems_matrix.ROW_ROUTES:
        rems_matrix.add_rows(world)
    if route in chair_matrix.ROW_ROUTES:
        chair_matrix.add_rows(world)
    if route in sessions_matrix.ROW_ROUTES:
        sessions_matrix.add_rows(world)
    before = state()
    response = _send(world.client("owner"), entry, world.url(entry, "owner"), {})
    assert response.status_code == 405, f"{method} /{route} answers: add it to MATRIX"
    assert state() == before


# --- another clinic's intakes, screenings, plans and alerts ------------------------------------


@pytest.mark.parametrize("column", ["front_desk", "nurse", "prescriber", "owner"])
def test_it_hides_another_clinics_candidacy_and_plans_from_every_harbor_role(
    world: World, column: str
) -> None:
    """Erin's chart, plans and alert (Lakeside) are not found for any Harbor role, whatever
    that role may do in its own clinic: 404, never 403, and nothing changes or is logged."""
    world.add_care()
    client = world.client(column)
    erin = str(world.cast.erin.pk)
    entries = [e for e in MATRIX if e.kind in CARE_KINDS and names_record(e.route)]
    before = state()
    last_id = _last_event_id()

    statuses = {}
    for entry in entries:
        url = "/" + entry.route.replace("<uuid:pk>", erin).replace("<patient_id>", erin)
        url = world.care_url(url, entry.route, "erin")
        response = _send(client, entry, url, _care_body(world, entry, "erin"))
        statuses[entry.label] = response.status_code
    assert len(statuses) == 23
    assert {label: status for label, status in statuses.items() if status != 404} == {}
    assert state() == before
    assert _reads_since(last_id) == 0


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
