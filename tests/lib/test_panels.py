"""The chart is composed of the panels the apps register: each shows only to the roles allowed,
in weight order, and the page audits exactly the panels it showed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import engines
from django.template.loaders.locmem import Loader

from ketacare.audit.models import AuditEvent
from ketacare.lib.panels import HeaderLink, Panel, Registry, chart_panels, header_links
from ketacare.screening.services import intake_submit
from tests.candidacy import fields, scales
from tests.conftest import Cast

PHQ9_SI = [2, 2, 2, 2, 1, 2, 1, 1, 1, 1]
PATIENT_PANELS = ["details", "contacts", "coverage", "consents"]
CLINICAL = ["measurements", "conditions", "allergies", "trials"]
# What each role's chart of Dan shows (an open alert once an intake raised one).
# Everyone who reads the schedule sees the appointments panel (a patient their own).
SHOWN = {
    "front_desk": ["details", "appointments", *PATIENT_PANELS[1:]],
    "nurse": [
        "details",
        "alerts",
        "care",
        "appointments",
        "sessions",
        *PATIENT_PANELS[1:],
        *CLINICAL,
    ],
    "prescriber": [
        "details",
        "alerts",
        "care",
        "appointments",
        "sessions",
        *PATIENT_PANELS[1:],
        *CLINICAL,
    ],
    "owner": [
        "details",
        "alerts",
        "care",
        "appointments",
        "sessions",
        *PATIENT_PANELS[1:],
        *CLINICAL,
    ],
    "patient": ["details", "appointments", *PATIENT_PANELS[1:], *CLINICAL],
}


def test_the_registered_panels_come_in_weight_order() -> None:
    assert [p.key for p in chart_panels] == [
        "details",
        "alerts",
        "care",
        "appointments",
        "sessions",
        "contacts",
        "coverage",
        "consents",
        "measurements",
        "conditions",
        "allergies",
        "trials",
    ]


def test_a_key_registered_twice_is_refused() -> None:
    registry: Registry[Panel] = Registry("chart panel")
    panel = Panel("notes", "Notes", 1, "x.html", lambda actor, patient: {})
    registry.register(panel)
    with pytest.raises(ValueError, match="chart panel 'notes' is registered twice"):
        registry.register(panel)


def _panel_ids(html: str) -> list[str]:
    keys = [p.key for p in chart_panels]
    found = re.findall(r'<section class="card" id="([a-z]+)"', html)
    return [k for k in found if k in keys]


@pytest.mark.parametrize("role", list(SHOWN))
def test_each_panel_shows_only_to_the_roles_allowed_and_the_read_names_them(
    cast: Cast, as_role: Any, role: str
) -> None:
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales(phq9=PHQ9_SI))
    response = as_role(role).get(f"/patients/{cast.dan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = SHOWN[role]
    shown = ["details", *_panel_ids(html)]
    assert shown == expected
    event = AuditEvent.objects.filter(action="patient.read").order_by("-id").first()
    assert event is not None
    assert (event.patient_id, event.data) == (cast.dan.pk, {"sections": expected})


def test_the_open_alerts_panel_is_left_out_when_there_is_none(cast: Cast, as_role: Any) -> None:
    html = as_role("nurse").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert 'id="alerts"' not in html
    event = AuditEvent.objects.filter(action="patient.read").order_by("-id").first()
    assert event is not None and "alerts" not in event.data["sections"]


def test_a_later_app_adds_a_panel_without_touching_the_chart(
    cast: Cast, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new panel (as scheduling or billing will register) appears in its place by weight,
    for the roles its own check lets in, and is named in the audited read."""
    registry: Registry[Panel] = Registry("chart panel")
    for panel in chart_panels:
        registry.register(panel)

    def load(actor: Any, patient: Any) -> Any:
        return {"next": "Tuesday 10:00"} if actor.membership.role == "nurse" else None

    registry.register(Panel("visits", "Next visits", 15, "tests/visits_panel.html", load))
    monkeypatch.setattr("ketacare.patients.queries.chart_panels", registry)
    monkeypatch.setitem(
        __import__("django.conf", fromlist=["settings"]).settings.TEMPLATES[0], "DIRS", []
    )

    engine = engines["django"].engine

    loader = Loader(
        engine,
        {"tests/visits_panel.html": '<section class="card" id="visits">{{ next }}</section>'},
    )
    monkeypatch.setattr(engine, "template_loaders", [loader, *engine.template_loaders])
    nurse = as_role("nurse").get(f"/patients/{cast.dan.pk}/").content.decode()
    desk = as_role("front_desk").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert '<section class="card" id="visits">Tuesday 10:00</section>' in nurse
    assert nurse.index('id="care"') < nurse.index('id="visits"') < nurse.index('id="contacts"')
    assert 'id="visits"' not in desk


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (
            "owner",
            [
                "Patients",
                "Schedule",
                "Chairs",
                "Register a patient",
                "Alerts 1 open",
                "Controlled substances",
                "REMS",
                "Audit log",
                "Jobs",
                "Staff",
                "Clinic settings",
                "Sites",
            ],
        ),
        (
            "nurse",
            [
                "Patients",
                "Schedule",
                "Chairs",
                "Register a patient",
                "Alerts 1 open",
                "Controlled substances",
                "REMS",
            ],
        ),
        ("front_desk", ["Patients", "Schedule", "Register a patient"]),
        ("patient", []),
    ],
)
def test_the_header_shows_the_links_each_role_may_use_with_counters(
    cast: Cast, as_role: Any, role: str, links: list[str]
) -> None:
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales(phq9=PHQ9_SI))
    response = as_role(role).get("/accounts/security/")
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', response.content.decode(), re.S)
    assert nav is not None
    # Each link's text, its counter badge read as "1 open" (the badge's hidden words).
    shown = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", t)).strip()
        for t in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(1), re.S)
    ]
    assert shown == links


def test_header_links_are_registered_by_their_apps() -> None:
    assert [(link.key, link.url_name) for link in header_links] == [
        ("patients", "patients:list"),
        ("schedule", "scheduling:day"),
        ("chairs", "sessions:board"),
        ("register", "patients:create"),
        ("alerts", "alerts:list"),
        ("controlled", "controlled:ledger"),
        ("rems", "rems:queue"),
        ("audit", "audit:log"),
        ("jobs", "jobs:list"),
        ("staff", "staff:list"),
        ("settings", "clinic:settings"),
        ("sites", "clinic:sites"),
    ]
    assert isinstance(header_links["alerts"], HeaderLink)


def test_the_patient_list_shows_each_registered_column_to_the_roles_allowed(
    cast: Cast, as_role: Any
) -> None:
    """Treatment adds the plan in force of each patient on the page (a signed plan wins
    over a newer draft); front desk, who may not read plans, does not get the column."""
    from ketacare.treatment import services as plans

    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    prescriber = cast.actor(cast.prescriber)
    signed = plans.plan_create(prescriber, cast.dan.pk, protocol_id="depression-iv-induction")
    plans.plan_sign(prescriber, signed.pk)
    plans.plan_create(prescriber, cast.dan.pk, protocol_id="depression-im", override_reason="x")
    nurse = as_role("nurse").get("/patients/?q=dawson").content.decode()
    row = re.search(
        r"<tr>\s*<td data-label=\"Name\"><a href=\"/patients/[^\"]+/\">Dawson, Dan</a>(.*?)</tr>",
        nurse,
        re.S,
    )
    assert '<th scope="col">Plan</th>' in nurse and row is not None
    cells = re.findall(r'<td data-label="Plan">(.*?)</td>', row.group(1), re.S)
    assert cells == ["Depression: IV ketamine induction (Signed)"]
    desk = as_role("front_desk").get("/patients/?q=dawson").content.decode()
    assert '<th scope="col">Plan</th>' not in desk
