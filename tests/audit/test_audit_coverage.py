"""Every read of a chart and every write of patient data, through the pages and the API, leaves
exactly one audit event saying who, where from, in which request, on what, and what changed; the
owner's audit page filters them by patient, user and clinic-local dates."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, override_settings

from ketacare.accounts.actor import actor_for
from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.patients.parts import PARTS
from tests.chart_rows import ROWS
from tests.conftest import Cast

SECTIONS = ("contacts", "coverage", "consents", "measurements", "conditions", "allergies", "trials")
WRITE_ACTIONS = ("patient.create", "patient.update", "record.create", "record.update")
NURSE_LABEL = "Nina Nurse <nina@example.com> (nurse)"


# The one field each edit changes: (name, new value, old and new as the audit log stores them).
CHANGES: dict[str, tuple[str, Any, list[Any]]] = {
    "contacts": ("name", "Ana B. Driver", ["Ana Driver", "Ana B. Driver"]),
    "coverage": ("member_id", "W999000111", ["W100200300", "W999000111"]),
    "consents": ("form_version", "2025-06", ["2025-01", "2025-06"]),
    "measurements": ("weight_kg", Decimal("71.5"), ["70.0", "71.5"]),
    "conditions": ("status", "remission", ["active", "remission"]),
    "allergies": ("reaction", "Urticaria", ["Hives", "Urticaria"]),
    "trials": ("improvement_percent", 20, [10, 20]),
}


def stored(value: Any) -> Any:
    """A value as the audit log's JSON column holds it."""
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def as_form(values: dict[str, Any]) -> dict[str, Any]:
    form = {}
    for name, value in values.items():
        if value is False:
            continue
        form[name] = "on" if value is True else ("" if value is None else stored(value))
    return form


def as_json(values: dict[str, Any]) -> dict[str, Any]:
    return {name: stored(value) for name, value in values.items()}


def request_actions(response: HttpResponse) -> list[str]:
    """The actions logged by the request that gave ``response``, in order."""
    rid = response["X-Request-ID"]
    return list(
        AuditEvent.objects.filter(request_id=rid).order_by("id").values_list("action", flat=True)
    )


def the_event(response: HttpResponse, action: str) -> AuditEvent:
    """The one event of ``action`` written by this request (get() fails on none or two)."""
    return AuditEvent.objects.get(request_id=response["X-Request-ID"], action=action)


def assert_event(
    event: AuditEvent,
    cast: Cast,
    *,
    patient: Any,
    target: Any,
    changes: dict[str, Any],
    data: dict[str, Any],
    reason: str = "",
) -> None:
    assert event.outcome == "success"
    assert event.actor_id == cast.nurse.user.pk
    assert event.actor_label == NURSE_LABEL
    assert event.clinic_id == cast.clinic.pk
    assert event.patient_id == patient.pk
    assert (event.target_type, event.target_id) == (type(target).__name__, str(target.pk))
    assert event.changes == changes
    assert event.data == data
    assert event.ip == "127.0.0.1"
    assert event.reason == reason
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


@pytest.fixture
def rows(cast: Cast) -> dict[str, Any]:
    """One row of each section in Dan's chart, written by the nurse."""
    return {
        key: patients.part_create(actor_for(cast.nurse), cast.dan.pk, key, data=ROWS[key]).obj
        for key in SECTIONS
    }


def writes() -> int:
    return AuditEvent.objects.filter(action__in=WRITE_ACTIONS).count()


def _dan(cast: Cast) -> Patient:
    return Patient.objects.get(pk=cast.dan.pk)


NEW_PATIENT = {
    "mrn": "H-2001",
    "given_name": "Maya",
    "family_name": "Lindqvist",
    "date_of_birth": "1988-07-14",
    "sex_at_birth": "female",
    "email": "maya@example.com",
}
NEW_PATIENT_CHANGES = {
    "mrn": [None, "H-2001"],
    "given_name": [None, "Maya"],
    "middle_name": [None, ""],
    "family_name": [None, "Lindqvist"],
    "preferred_name": [None, ""],
    "date_of_birth": [None, "1988-07-14"],
    "sex_at_birth": [None, "female"],
    "gender_identity": [None, ""],
    "pronouns": [None, ""],
    "email": [None, "maya@example.com"],
    "phone": [None, ""],
    "address_line": [None, ""],
    "city": [None, ""],
    "region": [None, ""],
    "postal_code": [None, ""],
    "preferred_language": [None, ""],
}


# --- writes through the pages -----------------------------------------------------------------


def test_it_logs_patient_create_for_a_registration_on_the_page(cast: Cast, as_role: Any) -> None:
    before = writes()
    response = as_role("nurse").post("/patients/new/", NEW_PATIENT)
    assert response.status_code == 302
    created = Patient.objects.get(mrn="H-2001")
    assert request_actions(response) == ["patient.create"]
    assert_event(
        the_event(response, "patient.create"),
        cast,
        patient=created,
        target=created,
        changes=NEW_PATIENT_CHANGES,
        data={"flags": []},
    )
    assert writes() == before + 1


def test_it_logs_patient_update_for_an_edit_on_the_page(cast: Cast, as_role: Any) -> None:
    dan = _dan(cast)
    form = {name: stored(getattr(dan, name)) for name in patients.PATIENT_FIELDS}
    response = as_role("nurse").post(
        f"/patients/{dan.pk}/edit/",
        {
            **form,
            "phone": "+1 617 555 0199",
            "version": dan.version,
            "reason": "Typo",
        },
    )
    assert response.status_code == 302
    assert request_actions(response) == ["patient.read", "patient.update"]
    assert_event(
        the_event(response, "patient.update"),
        cast,
        patient=dan,
        target=dan,
        changes={"phone": ["+1 617 555 0101", "+1 617 555 0199"]},
        data={"flags": [], "version": 3},
        reason="Typo",
    )


@pytest.mark.parametrize("key", SECTIONS)
def test_it_logs_record_create_for_a_row_added_on_the_page(
    cast: Cast, as_role: Any, key: str
) -> None:
    model = PARTS[key].model
    response = as_role("nurse").post(f"/patients/{cast.dan.pk}/{key}/add/", as_form(ROWS[key]))
    assert response.status_code == 302, response.content[:500]
    row = model.objects.filter(patient=cast.dan).latest("pk")  # type: ignore[attr-defined]
    assert request_actions(response) == ["patient.read", "record.create"]
    assert_event(
        the_event(response, "record.create"),
        cast,
        patient=cast.dan,
        target=row,
        changes={name: [None, stored(v)] for name, v in ROWS[key].items()},
        data={"section": key, "flags": []},
    )


@pytest.mark.parametrize("key", SECTIONS)
def test_it_logs_record_update_for_a_row_edited_on_the_page(
    cast: Cast, as_role: Any, rows: dict[str, Any], key: str
) -> None:
    row = rows[key]
    name, value, old_new = CHANGES[key]
    form = as_form({**ROWS[key], name: value})
    response = as_role("nurse").post(
        f"/patients/{cast.dan.pk}/{key}/{row.pk}/edit/",
        {**form, "version": 1, "reason": "Corrected"},
    )
    assert response.status_code == 302, response.content[:500]
    assert request_actions(response) == ["patient.read", "record.update"]
    assert_event(
        the_event(response, "record.update"),
        cast,
        patient=cast.dan,
        target=row,
        changes={name: old_new},
        data={"section": key, "flags": [], "version": 2},
        reason="Corrected",
    )


def test_it_fills_display_and_snomed_for_a_condition_added_on_the_page(
    cast: Cast, as_role: Any
) -> None:
    response = as_role("nurse").post(
        f"/patients/{cast.dan.pk}/conditions/add/", {"icd10_code": "f43.10", "status": "active"}
    )
    assert response.status_code == 302
    changes = the_event(response, "record.create").changes
    assert {k: changes[k] for k in ("icd10_code", "snomed_code", "display")} == {
        "icd10_code": [None, "F43.10"],
        "snomed_code": [None, "47505003"],
        "display": [None, "Post-traumatic stress disorder, unspecified"],
    }


# --- writes through the API -------------------------------------------------------------------

API = "/api/v1/patients"


def send(
    client: Client, method: str, path: str, body: dict[str, Any], **extra: Any
) -> HttpResponse:
    return client.generic(method, path, json.dumps(body), content_type="application/json", **extra)


def test_it_logs_patient_create_for_a_registration_through_the_api(
    cast: Cast, as_role: Any
) -> None:
    before = writes()
    response = send(as_role("nurse"), "POST", API, NEW_PATIENT)
    assert response.status_code == 201
    created = Patient.objects.get(pk=response.json()["id"])
    # The answer is the new chart, so its reading is logged too.
    assert request_actions(response) == ["patient.create", "patient.read"]
    assert_event(
        the_event(response, "patient.create"),
        cast,
        patient=created,
        target=created,
        changes=NEW_PATIENT_CHANGES,
        data={"flags": []},
    )
    assert writes() == before + 1


def test_it_logs_patient_update_for_an_edit_through_the_api(cast: Cast, as_role: Any) -> None:
    response = send(
        as_role("nurse"),
        "PATCH",
        f"{API}/{cast.dan.pk}",
        {"version": 2, "email": "dan@example.org", "reason": "Asked by phone"},
    )
    assert response.status_code == 200
    assert request_actions(response) == ["patient.update", "patient.read"]
    assert_event(
        the_event(response, "patient.update"),
        cast,
        patient=cast.dan,
        target=cast.dan,
        changes={"email": ["", "dan@example.org"]},
        data={"flags": [], "version": 3},
        reason="Asked by phone",
    )


@pytest.mark.parametrize("key", SECTIONS)
def test_it_logs_record_create_for_a_row_added_through_the_api(
    cast: Cast, as_role: Any, key: str
) -> None:
    response = send(as_role("nurse"), "POST", f"{API}/{cast.dan.pk}/{key}", as_json(ROWS[key]))
    assert response.status_code == 201, response.content[:500]
    row = PARTS[key].model.objects.get(pk=response.json()["id"])  # type: ignore[attr-defined]
    assert request_actions(response) == ["record.create"]
    assert_event(
        the_event(response, "record.create"),
        cast,
        patient=cast.dan,
        target=row,
        changes={name: [None, stored(v)] for name, v in ROWS[key].items()},
        data={"section": key, "flags": []},
    )


@pytest.mark.parametrize("key", SECTIONS)
def test_it_logs_record_update_for_a_row_edited_through_the_api(
    cast: Cast, as_role: Any, rows: dict[str, Any], key: str
) -> None:
    row = rows[key]
    name, value, old_new = CHANGES[key]
    response = send(
        as_role("nurse"),
        "PATCH",
        f"{API}/{cast.dan.pk}/{key}/{row.pk}",
        {"version": 1, name: stored(value)},
    )
    assert response.status_code == 200, response.content[:500]
    assert request_actions(response) == ["record.update"]
    assert_event(
        the_event(response, "record.update"),
        cast,
        patient=cast.dan,
        target=row,
        changes={name: old_new},
        data={"section": key, "flags": [], "version": 2},
    )


def test_it_logs_a_flagged_value_with_its_flag(cast: Cast, as_role: Any) -> None:
    response = send(
        as_role("nurse"),
        "POST",
        f"{API}/{cast.dan.pk}/measurements",
        {"measured_on": "2026-01-20", "weight_kg": "250.0", "height_cm": "180.0"},
    )
    assert response.status_code == 201
    assert the_event(response, "record.create").data == {
        "section": "measurements",
        "flags": [
            "Weight 250.0 kg is outside the usual 40–200 kg range: please double-check",
            "BMI 77.2 kg/m² is unusual (outside 18.5–40.0): check the weight, the height and the "
            "dose basis",
        ],
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "logged"),
    [
        # Refused by the schema, before any service: nothing to log.
        ("POST", "/measurements", {"measured_on": "2026-01-20", "weight_kg": "0"}, 422, []),
        # Refused by the service: the attempt is on record, nothing was written.
        ("PATCH", "", {"version": 1, "phone": "+1 617 555 0199"}, 409, ["write.refused"]),
        ("POST", "/conditions", {"icd10_code": "F99.9"}, 422, ["write.refused"]),
    ],
)
def test_it_logs_only_the_refusal_of_a_refused_api_write(
    cast: Cast,
    as_role: Any,
    method: str,
    path: str,
    body: dict[str, Any],
    status: int,
    logged: list[str],
) -> None:
    before = writes()
    response = send(as_role("nurse"), method, f"{API}/{cast.dan.pk}{path}", body)
    assert response.status_code == status
    assert request_actions(response) == logged
    assert writes() == before


def test_it_logs_no_write_for_a_refused_page_write(cast: Cast, as_role: Any) -> None:
    before = writes()
    response = as_role("nurse").post(
        f"/patients/{cast.dan.pk}/measurements/add/",
        {"measured_on": "2026-01-20", "weight_kg": "700"},
    )
    assert response.status_code == 400
    assert request_actions(response) == ["patient.read", "write.refused"]
    assert writes() == before


# --- request id and client address ------------------------------------------------------------


def test_it_keeps_a_well_formed_request_id_from_the_proxy(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get(f"{API}/{cast.dan.pk}", HTTP_X_REQUEST_ID="lb-7f3a9c2e41d0")
    assert response["X-Request-ID"] == "lb-7f3a9c2e41d0"
    assert the_event(response, "patient.read").request_id == "lb-7f3a9c2e41d0"


def test_it_replaces_a_malformed_request_id(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get(f"{API}/{cast.dan.pk}", HTTP_X_REQUEST_ID="<script>x</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert the_event(response, "patient.read").request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    "sent",
    [
        "abc.def_ghi/../x",
        "abc.def_ghi",
        "lb-7f3a9c2e41d0\n",
        "a" * 65,
        "abc-123",
    ],
    ids=["path", "dots and underscores", "trailing newline", "65 characters", "7 characters"],
)
def test_it_replaces_a_request_id_that_is_not_a_bounded_token(
    cast: Cast, as_role: Any, sent: str
) -> None:
    response = as_role("nurse").get(f"{API}/{cast.dan.pk}", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert the_event(response, "patient.read").request_id == response["X-Request-ID"]


@pytest.mark.parametrize("sent", ["a" * 64, "0b6c3e2a-4f1d-4c8e-9a7b-5d2e1f0a9c3b", "ABCdef12"])
def test_it_keeps_a_request_id_of_8_to_64_letters_digits_and_hyphens(
    cast: Cast, as_role: Any, sent: str
) -> None:
    response = as_role("nurse").get(f"{API}/{cast.dan.pk}", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] == sent
    assert the_event(response, "patient.read").request_id == sent


def test_it_ignores_x_forwarded_for_without_a_trusted_proxy(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get(f"{API}/{cast.dan.pk}", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert the_event(response, "patient.read").ip == "127.0.0.1"


@override_settings(KETACARE_TRUSTED_PROXY_COUNT=1)
def test_it_takes_the_address_the_trusted_proxy_saw(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get(
        f"{API}/{cast.dan.pk}",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
    )
    assert the_event(response, "patient.read").ip == "203.0.113.9"


# --- reads ------------------------------------------------------------------------------------

ALL = list(SECTIONS)
NOT_CLINICAL = ["contacts", "coverage", "consents"]
# The chart page names the panels it showed: the details, candidacy and treatment (the care
# team only), the appointments, the sessions (the care team only), then the sections.
PAGE = {
    "nurse": ["details", "care", "appointments", "sessions", *ALL],
    "front_desk": ["details", "appointments", *NOT_CLINICAL],
}
RECORD = {"nurse": ALL, "front_desk": NOT_CLINICAL}


@pytest.mark.parametrize("role", ["nurse", "front_desk"])
@pytest.mark.parametrize(
    ("path", "named"), [("/patients/{pk}/", PAGE), ("/api/v1/patients/{pk}", RECORD)]
)
def test_it_logs_patient_read_when_a_chart_is_opened(
    cast: Cast, as_role: Any, role: str, path: str, named: dict[str, list[str]]
) -> None:
    sections = named[role]
    response = as_role(role).get(path.format(pk=cast.dan.pk))
    assert response.status_code == 200
    assert request_actions(response) == ["patient.read"]
    event = the_event(response, "patient.read")
    user = getattr(cast, role).user
    assert (event.actor_id, event.clinic_id, event.patient_id) == (
        user.pk,
        cast.clinic.pk,
        cast.dan.pk,
    )
    assert (event.target_type, event.target_id) == ("Patient", str(cast.dan.pk))
    assert (event.data, event.changes, event.ip) == ({"sections": sections}, {}, "127.0.0.1")


def test_it_logs_a_patient_reading_their_own_chart(cast: Cast, as_role: Any) -> None:
    response = as_role("patient").get(f"/api/v1/patients/{cast.dan.pk}")
    event = the_event(response, "patient.read")
    assert event.actor_label == "Dan Patient <dan@example.com> (patient)"
    assert event.patient_id == cast.dan.pk


@pytest.mark.parametrize(
    ("path", "sections", "target"),
    [
        ("/patients/{pk}/edit/", ["details"], "Patient"),
        ("/patients/{pk}/trials/add/", ["details"], "Patient"),
        ("/patients/{pk}/measurements/{part}/edit/", ["measurements"], "BodyMeasurement"),
    ],
)
def test_it_logs_patient_read_when_an_edit_form_is_opened(
    cast: Cast, as_role: Any, rows: dict[str, Any], path: str, sections: list[str], target: str
) -> None:
    response = as_role("nurse").get(path.format(pk=cast.dan.pk, part=rows["measurements"].pk))
    assert response.status_code == 200
    event = the_event(response, "patient.read")
    assert (event.patient_id, event.target_type, event.data) == (
        cast.dan.pk,
        target,
        {"sections": sections},
    )


def test_it_does_not_log_a_refused_read_as_a_read(cast: Cast, as_role: Any) -> None:
    response = as_role("patient").get(f"/api/v1/patients/{cast.zoe.pk}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="patient.read", patient_id=cast.zoe.pk).count() == 0


# --- searches ---------------------------------------------------------------------------------


def test_it_logs_patient_search_for_a_page_search(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get("/patients/", {"q": "zoe"})
    assert response.status_code == 200
    assert request_actions(response) == ["patient.search"]
    event = the_event(response, "patient.search")
    assert (event.actor_label, event.clinic_id, event.patient_id) == (
        NURSE_LABEL,
        cast.clinic.pk,
        None,
    )
    assert event.data == {
        "q": "zoe",
        "sort": "name",
        "status": "active",
        "page": 1,
        "results": 1,
        "shown": [str(cast.zoe.pk)],
    }


def test_it_logs_patient_search_for_an_api_search(cast: Cast, as_role: Any) -> None:
    response = as_role("nurse").get(API, {"q": "H-100", "sort": "-mrn", "page_size": 1})
    assert response.status_code == 200
    assert the_event(response, "patient.search").data == {
        "q": "H-100",
        "sort": "-mrn",
        "status": "active",
        "page": 1,
        "results": 2,
        "shown": [str(cast.zoe.pk)],
    }


# --- the owner's audit page -------------------------------------------------------------------


def listed(response: HttpResponse) -> list[tuple[int, str]]:
    assert response.status_code == 200, response.content[:500]
    return [(e.id, e.action) for e in response.context["page"].object_list]


def harbor_events(cast: Cast) -> list[tuple[int, str]]:
    events = AuditEvent.objects.order_by("-id")
    return [(e.id, e.action) for e in events if e.clinic_id == cast.clinic.pk]


def test_it_filters_the_audit_page_by_patient_mrn(cast: Cast, as_role: Any) -> None:
    dan_events = [e for e in AuditEvent.objects.order_by("-id") if e.patient_id == cast.dan.pk]
    response = as_role("owner").get("/audit/", {"patient": "H-1001"})
    assert [action for _, action in listed(response)] == [
        "record.create",
        "record.create",
        "patient.update",
        "patient.create",
    ]
    assert [i for i, _ in listed(response)] == [e.id for e in dan_events]
    read = the_event(response, "audit.read")
    assert (read.actor_id, read.clinic_id) == (cast.owner.user.pk, cast.clinic.pk)
    assert read.data == {
        "patient": "H-1001",
        "user": "",
        "date_from": None,
        "date_to": None,
        "action": "",
        "outcome": "",
        "results": 4,
    }


def test_it_filters_the_audit_page_by_user_email(cast: Cast, as_role: Any) -> None:
    owner = as_role("owner")
    assert [a for _, a in listed(owner.get("/audit/", {"user": "BOB@example.com"}))] == [
        "record.create",
    ]
    as_role("prescriber").get(f"/patients/{cast.dan.pk}/")
    after = listed(owner.get("/audit/", {"user": "bob@example.com"}))
    assert [a for _, a in after] == ["patient.read", "record.create"]


def test_it_shows_only_the_owners_clinic_on_the_audit_page(cast: Cast, as_role: Any) -> None:
    # The outsider registered Erin in another clinic: none of it is Harbor's business.
    response = as_role("owner").get("/audit/", {"user": "erin.doctor@example.com"})
    assert listed(response) == []
    assert the_event(response, "audit.read").data["results"] == 0


def test_it_lists_on_the_audit_page_the_events_it_counted(cast: Cast, as_role: Any) -> None:
    """The page's rows are the events that existed when it was asked, not its own audit.read."""
    existing = harbor_events(cast)
    response = as_role("owner").get("/audit/")
    assert response.context["page"].paginator.count == len(existing)
    assert listed(response) == existing


def _measure_at(cast: Cast, moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        row = patients.part_create(
            actor_for(cast.nurse),
            cast.dan.pk,
            "measurements",
            data={
                "measured_on": date(2025, 1, 10),
                "weight_kg": Decimal("80.0"),
            },
        ).obj
    return AuditEvent.objects.get(
        action="record.create", target_id=str(row.pk), target_type="BodyMeasurement"
    ).id


def test_it_filters_the_audit_page_by_clinic_local_dates_across_fall_back(
    cast: Cast, as_role: Any
) -> None:
    """2 November 2025 in Boston is 25 hours long: 04:00 UTC that day to 05:00 UTC the next."""
    before = _measure_at(cast, datetime(2025, 11, 2, 3, 59, tzinfo=UTC))  # 1 Nov, 23:59 EDT
    first = _measure_at(cast, datetime(2025, 11, 2, 4, 0, tzinfo=UTC))  # 2 Nov, 00:00 EDT
    last = _measure_at(cast, datetime(2025, 11, 3, 4, 59, tzinfo=UTC))  # 2 Nov, 23:59 EST
    after = _measure_at(cast, datetime(2025, 11, 3, 5, 0, tzinfo=UTC))  # 3 Nov, 00:00 EST
    owner = as_role("owner")
    day = owner.get("/audit/", {"date_from": "2025-11-02", "date_to": "2025-11-02"})
    assert listed(day) == [(last, "record.create"), (first, "record.create")]
    html = day.content.decode()
    assert "2025-11-02 00:00:00 EDT" in html
    assert "2025-11-02 23:59:00 EST" in html
    assert listed(owner.get("/audit/", {"date_from": "2025-11-01", "date_to": "2025-11-01"})) == [
        (before, "record.create"),
    ]
    assert listed(owner.get("/audit/", {"date_from": "2025-11-03", "date_to": "2025-11-03"})) == [
        (after, "record.create"),
    ]
    both = owner.get(
        "/audit/",
        {
            "patient": "H-1001",
            "date_from": "2025-11-01",
            "date_to": "2025-11-02",
            "user": "nina@example.com",
        },
    )
    assert listed(both) == [
        (last, "record.create"),
        (first, "record.create"),
        (before, "record.create"),
    ]
    assert the_event(both, "audit.read").data == {
        "patient": "H-1001",
        "user": "nina@example.com",
        "date_from": "2025-11-01",
        "date_to": "2025-11-02",
        "action": "",
        "outcome": "",
        "results": 3,
    }


def _query(value: dict[str, Any]) -> str:
    """A readable test id: the query string of a case, or the field its error names."""
    return "&".join(f"{k}={v}" if isinstance(v, str) else k for k, v in value.items())


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"date_from": "2025-02-30"}, {"date_from": ["Enter a valid date."]}),
        ({"date_to": "11/02/2025x"}, {"date_to": ["Enter a valid date."]}),
        (
            {"date_from": "2025-11-03", "date_to": "2025-11-02"},
            {"date_to": ["must be on or after date_from"]},
        ),
        ({"patient": "NOPE-1"}, {"patient": ["no patient of this clinic has MRN NOPE-1"]}),
        ({"patient": "L-1"}, {"patient": ["no patient of this clinic has MRN L-1"]}),
        ({"user": "nobody@example.com"}, {"user": ["no user has the email nobody@example.com"]}),
        ({"page": "0"}, {"page": ["Ensure this value is greater than or equal to 1."]}),
    ],
    ids=_query,
)
def test_it_answers_a_bad_audit_filter_with_400_naming_the_field(
    cast: Cast, as_role: Any, params: dict[str, str], errors: dict[str, list[str]]
) -> None:
    reads = AuditEvent.objects.filter(action="audit.read").count()
    response = as_role("owner").get("/audit/", params)
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    (name,) = errors
    html = response.content.decode()
    # Django's error list, or the design system's field component
    assert f'id="id_{name}_error"' in html or f'id="id_{name}-errors"' in html
    assert response.context["page"] is None
    assert AuditEvent.objects.filter(action="audit.read").count() == reads
