"""A 403 or 404 answered to a GET or HEAD of a route that names a record leaves one
``read.refused`` event (who, the route, the ids asked for, the status), so probing for other
patients' records shows in the audit log; refused writes stay ``write.refused`` only; the owner
filters the audit page by action and outcome."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse

from ketacare.accounts.actor import actor_for
from ketacare.audit.models import AuditEvent
from ketacare.screening.services import intake_submit
from ketacare.treatment import services as plans
from ketacare.treatment.models import TreatmentPlan
from tests.candidacy import fields, scales
from tests.conftest import Cast

OUTSIDER_LABEL = "Dr Erin Elsewhere <erin.doctor@example.com> (prescriber)"
DAN_LABEL = "Dan Patient <dan@example.com> (patient)"


def request_events(response: HttpResponse) -> list[tuple[str, str]]:
    """(action, outcome) of every event the request that gave ``response`` wrote, in order."""
    return list(
        AuditEvent.objects.filter(request_id=response["X-Request-ID"])
        .order_by("id")
        .values_list("action", "outcome")
    )


def refusal(response: HttpResponse) -> AuditEvent:
    """The one read.refused event of this request (get() fails on none or two)."""
    return AuditEvent.objects.get(request_id=response["X-Request-ID"], action="read.refused")


def draft_plan(cast: Cast) -> TreatmentPlan:
    """A draft plan for Dan, after his intake, through the real services."""
    intake_submit(actor_for(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    return plans.plan_create(
        actor_for(cast.prescriber), cast.dan.pk, protocol_id="depression-iv-induction"
    )


@pytest.mark.parametrize(
    ("path", "route", "param"),
    [
        ("/patients/{pk}/", "/patients/<uuid:pk>/", "pk"),
        ("/api/v1/patients/{pk}", "/api/v1/patients/<patient_id>", "patient_id"),
    ],
    ids=["chart page", "API record"],
)
def test_an_outsider_opening_dans_record_leaves_one_read_refused_event(
    cast: Cast, as_role: Any, path: str, route: str, param: str
) -> None:
    response = as_role("outsider").get(path.format(pk=cast.dan.pk))
    assert response.status_code == 404
    assert request_events(response) == [("read.refused", "refused")]
    event = refusal(response)
    assert (event.actor_id, event.actor_label, event.clinic_id) == (
        cast.outsider.user.pk,
        OUTSIDER_LABEL,
        cast.other_clinic.pk,
    )
    assert event.patient_id == cast.dan.pk
    assert event.data == {
        "method": "GET",
        "route": route,
        "params": {param: str(cast.dan.pk)},
        "status": 404,
    }
    assert (event.ip, event.target_type, event.target_id, event.changes) == (
        "127.0.0.1",
        "",
        "",
        {},
    )


@pytest.mark.parametrize(
    ("path", "route", "param"),
    [
        ("/patients/{pk}/", "/patients/<uuid:pk>/", "pk"),
        ("/api/v1/patients/{pk}", "/api/v1/patients/<patient_id>", "patient_id"),
    ],
    ids=["chart page", "API record"],
)
def test_a_patient_opening_another_patients_record_leaves_one_read_refused_event(
    cast: Cast, as_role: Any, path: str, route: str, param: str
) -> None:
    response = as_role("patient").get(path.format(pk=cast.zoe.pk))
    assert response.status_code == 404
    assert request_events(response) == [("read.refused", "refused")]
    event = refusal(response)
    assert (event.actor_id, event.actor_label, event.clinic_id, event.patient_id) == (
        cast.dan_login.user.pk,
        DAN_LABEL,
        cast.clinic.pk,
        cast.zoe.pk,
    )
    assert event.data == {
        "method": "GET",
        "route": route,
        "params": {param: str(cast.zoe.pk)},
        "status": 404,
    }


def test_a_403_on_a_record_route_is_logged_with_its_status(cast: Cast, as_role: Any) -> None:
    """Dan may see his chart but not its edit form."""
    response = as_role("patient").get(f"/patients/{cast.dan.pk}/edit/")
    assert response.status_code == 403
    assert request_events(response) == [("read.refused", "refused")]
    assert refusal(response).data == {
        "method": "GET",
        "route": "/patients/<uuid:pk>/edit/",
        "params": {"pk": str(cast.dan.pk)},
        "status": 403,
    }


def test_a_refused_head_request_is_logged_too(cast: Cast, as_role: Any) -> None:
    response = as_role("outsider").head(f"/patients/{cast.dan.pk}/")
    assert response.status_code == 404
    assert refusal(response).data == {
        "method": "HEAD",
        "route": "/patients/<uuid:pk>/",
        "params": {"pk": str(cast.dan.pk)},
        "status": 404,
    }


def test_a_chart_section_route_is_logged_with_all_its_path_parameters(
    cast: Cast, as_role: Any
) -> None:
    response = as_role("outsider").get(f"/patients/{cast.dan.pk}/measurements/add/")
    assert response.status_code == 404
    event = refusal(response)
    assert event.patient_id == cast.dan.pk
    assert event.data["params"] == {"pk": str(cast.dan.pk), "key": "measurements"}


@pytest.mark.parametrize(
    ("path", "route", "param"),
    [("/plans/{pk}/", "/plans/<int:pk>/", "pk"), ("/api/v1/plans/{pk}", None, "plan_id")],
    ids=["plan page", "API plan"],
)
def test_a_plan_asked_for_by_an_outsider_is_logged_by_its_id(
    cast: Cast, as_role: Any, path: str, route: str | None, param: str
) -> None:
    plan = draft_plan(cast)
    response = as_role("outsider").get(path.format(pk=plan.pk))
    assert response.status_code == 404
    event = refusal(response)
    # The plan's patient is not looked up: the id asked for is the trace.
    assert event.patient_id is None
    assert event.data == {
        "method": "GET",
        "route": route or "/api/v1/plans/<plan_id>",
        "params": {param: str(plan.pk)},
        "status": 404,
    }


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("nurse", "/patients/{pk}/"),
        ("nurse", "/api/v1/patients/{pk}"),
        ("patient", "/patients/{pk}/"),
        ("patient", "/api/v1/patients/{pk}"),
    ],
)
def test_a_read_that_is_answered_leaves_no_read_refused(
    cast: Cast, as_role: Any, role: str, path: str
) -> None:
    response = as_role(role).get(path.format(pk=cast.dan.pk))
    assert response.status_code == 200
    assert request_events(response) == [("patient.read", "success")]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/patients/{pk}/", 302), ("/api/v1/patients/{pk}", 401)],
)
def test_an_anonymous_request_is_sent_to_log_in_and_leaves_no_read_refused(
    cast: Cast, as_role: Any, path: str, status: int
) -> None:
    response = as_role("anonymous").get(path.format(pk=cast.dan.pk))
    assert response.status_code == status
    assert request_events(response) == []


def test_a_refused_route_that_names_no_record_leaves_no_read_refused(
    cast: Cast, as_role: Any
) -> None:
    response = as_role("nurse").get("/audit/")
    assert response.status_code == 403
    assert request_events(response) == []


def test_a_refused_write_leaves_write_refused_and_no_read_refused(cast: Cast, as_role: Any) -> None:
    plan = draft_plan(cast)
    response = as_role("outsider").post(f"/plans/{plan.pk}/sign/")
    assert response.status_code == 404
    assert request_events(response) == [("write.refused", "refused")]
    assert TreatmentPlan.objects.get(pk=plan.pk).status == "draft"


# --- the owner's audit page -------------------------------------------------------------------


def _listed(response: HttpResponse) -> list[tuple[int, str, str]]:
    assert response.status_code == 200, response.content[:500]
    return [(e.id, e.action, e.outcome) for e in response.context["page"].object_list]


def event_id(response: HttpResponse, action: str) -> int:
    return AuditEvent.objects.get(request_id=response["X-Request-ID"], action=action).id


def test_the_owner_filters_the_audit_page_by_action(cast: Cast, as_role: Any) -> None:
    probe = as_role("patient").get(f"/patients/{cast.zoe.pk}/")
    outsider_probe = as_role("outsider").get(f"/patients/{cast.dan.pk}/")
    as_role("nurse").get(f"/patients/{cast.dan.pk}/")
    response = as_role("owner").get("/audit/", {"action": "read.refused"})
    # Dan's probe is Harbor's; the outsider's is Lakeside's business.
    assert _listed(response) == [(refusal(probe).id, "read.refused", "refused")]
    assert AuditEvent.objects.get(action="audit.read").data == {
        "patient": "",
        "user": "",
        "date_from": None,
        "date_to": None,
        "action": "read.refused",
        "outcome": "",
        "results": 1,
    }
    assert refusal(outsider_probe).clinic_id == cast.other_clinic.pk


def test_the_owner_filters_the_audit_page_by_outcome(cast: Cast, as_role: Any) -> None:
    plan = draft_plan(cast)
    read = as_role("patient").get(f"/patients/{cast.zoe.pk}/")
    write = as_role("nurse").post(f"/plans/{plan.pk}/sign/")
    assert write.status_code == 403
    owner = as_role("owner")
    refused = owner.get("/audit/", {"outcome": "refused"})
    assert _listed(refused) == [
        (event_id(write, "write.refused"), "write.refused", "refused"),
        (refusal(read).id, "read.refused", "refused"),
    ]
    both = owner.get("/audit/", {"outcome": "refused", "action": "write.refused"})
    assert _listed(both) == [
        (event_id(write, "write.refused"), "write.refused", "refused"),
    ]
    # Listed as they stood before the page's own audit.read.
    expected = [
        (e.id, e.action, e.outcome)
        for e in AuditEvent.objects.filter(clinic_id=cast.clinic.pk, outcome="success")
    ]
    assert _listed(owner.get("/audit/", {"outcome": "success"})) == sorted(expected, reverse=True)


def test_the_audit_page_offers_the_actions_and_outcomes_by_what_they_say(
    cast: Cast, as_role: Any
) -> None:
    html = as_role("owner").get("/audit/").content.decode()
    assert '<option value="" selected>Any action</option>' in html
    refused_read = "Was refused a read (not found or not allowed)"
    assert f'<option value="read.refused">{refused_read}</option>' in html
    assert '<option value="patient.read">Opened the chart</option>' in html
    assert '<option value="refused">Refused</option>' in html
    assert '<option value="success">Succeeded</option>' in html
    assert ">read.refused<" not in html


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"action": "patient.reed"},
            {
                "action": [
                    "Select a valid choice. patient.reed is not one of the available choices."
                ]
            },
        ),
        (
            {"outcome": "maybe"},
            {"outcome": ["Select a valid choice. maybe is not one of the available choices."]},
        ),
    ],
    ids=["action", "outcome"],
)
def test_an_unknown_action_or_outcome_is_answered_with_400_naming_the_field(
    cast: Cast, as_role: Any, params: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = as_role("owner").get("/audit/", params)
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert AuditEvent.objects.filter(action="audit.read").count() == 0
