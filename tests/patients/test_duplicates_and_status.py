"""Duplicates and inactive records, through the services, the API and the pages.

- A patient registered twice (same given and family name, folded for case and accents, and the
  same date of birth) is refused with 409 naming the record, unless the caller confirms that
  this is another person and says why (audited).
- A chart row that repeats another (a condition with the same code and onset, an identical
  medication trial) is refused with 409 naming it.
- A record made inactive keeps everything, leaves the default list and says why.
- A registration form sent twice (a double click) registers once.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, Duplicate, FieldErrors, StaleVersion
from ketacare.patients import services
from ketacare.patients.models import Condition, MedicationTrial, Patient
from tests.api.test_patients_api import TRIAL, invalid, mrns, patch, post, problem
from tests.conftest import Cast, logged_in

URL = "/api/v1/patients"
FORM = "application/x-www-form-urlencoded"
WRITE_ACTIONS = (
    "patient.create",
    "patient.update",
    "patient.deactivate",
    "patient.reactivate",
    "record.create",
    "record.update",
)
#: Zoë Ðorđević of the cast, typed on a US keyboard in capitals and lower case.
ZOE_AGAIN = {
    "given_name": "ZOE",
    "family_name": "dordevic",
    "date_of_birth": "1991-11-03",
    "sex_at_birth": "female",
}
ZOE_REGISTERED = (
    "a patient with these names and date of birth is already registered: H-1002 (Zoë Ðorđević). "
    "Open that record, or confirm that this is a different person and say why"
)


def writes() -> int:
    return AuditEvent.objects.filter(action__in=WRITE_ACTIONS).count()


def _names(html: str) -> list[str]:
    return re.findall(r'<td data-label="Name"><a href="/patients/[0-9a-f-]+/">([^<]+)</a>', html)


@pytest.fixture
def nurse(as_role: Any) -> Client:
    return as_role("nurse")  # type: ignore[no-any-return]


# --- the same person registered twice ---------------------------------------------------------


def test_registering_the_same_person_again_is_409_naming_the_record(
    cast: Cast, nurse: Client
) -> None:
    count, events = Patient.objects.count(), writes()

    response = post(nurse, URL, ZOE_AGAIN)

    assert response.status_code == 409
    assert problem(response) == {
        "type": "https://ketacare.org/problems/duplicate",
        "title": "Duplicate",
        "status": 409,
        "detail": f"given_name: {ZOE_REGISTERED}",
        "invalid_params": [{"name": "given_name", "reason": ZOE_REGISTERED}],
        "existing": [{"id": str(cast.zoe.pk), "mrn": "H-1002", "name": "Zoë Ðorđević"}],
    }
    assert (Patient.objects.count(), writes()) == (count, events)
    refused = AuditEvent.objects.get(action="write.refused")
    assert (refused.data["attempted"], refused.data["refused"]) == ("patient.create", "Duplicate")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_confirming_a_new_person_without_a_reason_is_422_naming_reason(
    cast: Cast, nurse: Client, reason: str | None
) -> None:
    body = {**ZOE_AGAIN, "confirm_new_person": True}
    if reason is not None:
        body["reason"] = reason
    count, events = Patient.objects.count(), writes()

    response = post(nurse, URL, body)

    assert invalid(response) == {
        "reason": "say why this is a different person from H-1002 (Zoë Ðorđević)"
    }
    assert (Patient.objects.count(), writes()) == (count, events)


def test_confirming_a_new_person_with_a_reason_registers_and_audits_it(
    cast: Cast, nurse: Client
) -> None:
    reason = "Twin sister: same birthday, different middle name on her passport"
    body = {**ZOE_AGAIN, "confirm_new_person": True, "reason": f"  {reason} "}

    response = post(nurse, URL, body)

    assert response.status_code == 201, response.content[:300]
    created = Patient.objects.get(pk=response.json()["id"])
    assert (created.mrn, created.given_name, created.family_name) == ("KC000001", "ZOE", "dordevic")
    event = AuditEvent.objects.get(action="patient.create", patient_id=created.pk)
    assert event.reason == reason
    assert event.data == {"flags": [], "confirmed_new_person_besides": ["H-1002"]}
    assert Patient.objects.filter(date_of_birth=date(1991, 11, 3)).count() == 2


def test_a_registration_without_a_match_keeps_no_reason_in_the_audit(
    cast: Cast, nurse: Client
) -> None:
    """``confirm_new_person`` with nothing to confirm changes nothing: no reason is recorded."""
    body = {**ZOE_AGAIN, "date_of_birth": "1991-11-04", "confirm_new_person": True, "reason": "x"}

    response = post(nurse, URL, body)

    assert response.status_code == 201, response.content[:300]
    event = AuditEvent.objects.get(action="patient.create", patient_id=response.json()["id"])
    assert (event.reason, event.data) == ("", {"flags": []})


@pytest.mark.parametrize(
    "change",
    [
        {"date_of_birth": "1991-11-04"},
        {"date_of_birth": "1991-03-11"},
        {"given_name": "Zoey"},
        {"family_name": "Dordevich"},
    ],
)
def test_a_different_date_of_birth_or_name_is_registered_normally(
    cast: Cast, nurse: Client, change: dict[str, str]
) -> None:
    response = post(nurse, URL, {**ZOE_AGAIN, **change})

    assert response.status_code == 201, response.content[:300]
    created = Patient.objects.get(pk=response.json()["id"])
    assert (created.mrn, created.clinic_id) == ("KC000001", cast.clinic.pk)
    assert AuditEvent.objects.get(action="patient.create", patient_id=created.pk).data == {
        "flags": []
    }


def test_the_same_person_in_another_clinic_is_not_a_duplicate(cast: Cast, as_role: Any) -> None:
    response = post(as_role("outsider"), URL, ZOE_AGAIN)

    assert response.status_code == 201, response.content[:300]
    assert Patient.objects.get(pk=response.json()["id"]).clinic_id == cast.other_clinic.pk


def test_an_inactive_record_is_found_as_a_duplicate(cast: Cast, nurse: Client) -> None:
    services.patient_set_active(
        cast.actor(cast.nurse), cast.zoe.pk, active=False, expected_version=1, reason="Moved"
    )
    count = Patient.objects.count()

    response = post(nurse, URL, ZOE_AGAIN)

    assert response.status_code == 409
    assert problem(response)["existing"] == [
        {"id": str(cast.zoe.pk), "mrn": "H-1002", "name": "Zoë Ðorđević"}
    ]
    assert Patient.objects.count() == count


def test_the_service_refuses_a_duplicate_with_the_existing_record(cast: Cast) -> None:
    data = {**ZOE_AGAIN, "date_of_birth": date(1991, 11, 3)}

    with pytest.raises(Duplicate) as caught:
        services.patient_create(cast.actor(cast.front_desk), data=data)

    assert (caught.value.field, caught.value.message) == ("given_name", ZOE_REGISTERED)
    assert caught.value.existing == [
        {"id": str(cast.zoe.pk), "mrn": "H-1002", "name": "Zoë Ðorđević"}
    ]
    saved = services.patient_create(
        cast.actor(cast.front_desk), data=data, confirm_new_person=True, reason="Namesake"
    )
    assert saved.obj.mrn == "KC000001"


def _registration(**change: str) -> dict[str, str]:
    return {
        "given_name": "DAN",
        "family_name": "dawson",
        "date_of_birth": "1980-04-02",
        "sex_at_birth": "male",
        "mrn": "",
        **change,
    }


def test_the_registration_page_answers_409_with_a_link_to_the_existing_chart(
    cast: Cast, as_role: Any
) -> None:
    count, events = Patient.objects.count(), writes()

    response = as_role("front_desk").post("/patients/new/", _registration())

    assert response.status_code == 409
    html = response.content.decode()
    assert (
        "A patient with these names and date of birth is already registered: H-1001 (Dan "
        "Dawson). Open that record, or confirm that this is a different person and say why."
    ) in html
    assert f'<a href="/patients/{cast.dan.pk}/">Open Dan Dawson (H-1001)</a>' in html
    assert 'name="confirm_new_person"' in html
    assert (Patient.objects.count(), writes()) == (count, events)


def test_the_registration_page_registers_a_confirmed_new_person_with_the_reason(
    cast: Cast, as_role: Any
) -> None:
    desk = as_role("front_desk")
    count = Patient.objects.count()
    without = desk.post("/patients/new/", _registration(confirm_new_person="on"))

    assert without.status_code == 400
    assert "say why this is a different person from H-1001 (Dan Dawson)" in (
        without.content.decode()
    )
    assert Patient.objects.count() == count

    response = desk.post(
        "/patients/new/", _registration(confirm_new_person="on", reason="Father and son")
    )

    created = Patient.objects.get(mrn="KC000001")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{created.pk}/"
    event = AuditEvent.objects.get(action="patient.create", patient_id=created.pk)
    assert (event.reason, event.data["confirmed_new_person_besides"]) == (
        "Father and son",
        ["H-1001"],
    )


# --- a chart row entered twice ----------------------------------------------------------------


def _clinic_date(cast: Cast, row: Condition) -> str:
    return timezone.localdate(row.created_at, timezone=cast.clinic.tz).isoformat()


def _condition_message(row: Condition, added: str) -> str:
    return (
        f"this chart already has this condition (icd-10-cm code {row.icd10_code}; onset date "
        f"{row.onset_date.isoformat()}; added {added}): edit that row instead"  # type: ignore[union-attr]
    )


def test_a_condition_with_the_same_code_and_onset_is_409_naming_the_row(cast: Cast) -> None:
    url = f"{URL}/{cast.dan.pk}/conditions"
    with time_machine.travel(datetime(2026, 2, 10, 15, 0, tzinfo=UTC), tick=False):
        nurse = logged_in(cast.nurse.user)
        first = post(nurse, url, {"icd10_code": "F43.10", "onset_date": "2020-01-01"})
        assert first.status_code == 201
        row = Condition.objects.get(pk=first.json()["id"])
        count, events = Condition.objects.count(), writes()

        response = post(nurse, url, {"icd10_code": "f43.10", "onset_date": "2020-01-01"})

    assert response.status_code == 409
    message = _condition_message(row, "2026-02-10")
    assert problem(response) == {
        "type": "https://ketacare.org/problems/duplicate",
        "title": "Duplicate",
        "status": 409,
        "detail": f"icd10_code: {message}",
        "invalid_params": [{"name": "icd10_code", "reason": message}],
        "existing": [{"id": str(row.pk), "section": "conditions"}],
    }
    assert (Condition.objects.count(), writes()) == (count, events)


def test_a_condition_with_another_onset_date_is_accepted(cast: Cast, nurse: Client) -> None:
    """The cast gave Dan F33.2 with onset 2019-06-01; a recurrence starting later is a new row."""
    response = post(
        nurse,
        f"{URL}/{cast.dan.pk}/conditions",
        {"icd10_code": "F33.2", "onset_date": "2021-03-01"},
    )

    assert response.status_code == 201, response.content[:300]
    assert Condition.objects.filter(patient=cast.dan, icd10_code="F33.2").count() == 2


def test_editing_a_condition_into_a_duplicate_is_refused(cast: Cast, nurse: Client) -> None:
    original = Condition.objects.get(patient=cast.dan)
    url = f"{URL}/{cast.dan.pk}/conditions"
    later = post(nurse, url, {"icd10_code": "F33.2", "onset_date": "2021-03-01"}).json()
    before = Condition.objects.filter(pk=later["id"]).values().get()

    response = patch(nurse, f"{url}/{later['id']}", {"version": 1, "onset_date": "2019-06-01"})

    assert response.status_code == 409
    assert problem(response)["existing"] == [{"id": str(original.pk), "section": "conditions"}]
    assert problem(response)["invalid_params"] == [
        {
            "name": "icd10_code",
            "reason": _condition_message(original, _clinic_date(cast, original)),
        }
    ]
    assert Condition.objects.filter(pk=later["id"]).values().get() == before


def test_editing_a_row_without_changing_what_identifies_it_is_not_a_duplicate(
    cast: Cast, nurse: Client
) -> None:
    row = Condition.objects.get(patient=cast.dan)

    response = patch(
        nurse, f"{URL}/{cast.dan.pk}/conditions/{row.pk}", {"version": 1, "status": "remission"}
    )

    assert response.status_code == 200, response.content[:300]
    row.refresh_from_db()
    assert (row.status, row.version) == ("remission", 2)


def test_the_date_a_duplicate_was_added_is_the_clinics_date(cast: Cast) -> None:
    """At 22:30 in Boston it is already the next day in UTC: the clinic's date is shown."""
    url = f"{URL}/{cast.dan.pk}/conditions"
    with time_machine.travel(datetime(2026, 1, 10, 3, 30, tzinfo=UTC), tick=False):
        nurse = logged_in(cast.nurse.user)
        first = post(nurse, url, {"icd10_code": "F43.10", "onset_date": "2020-01-01"})
        response = post(nurse, url, {"icd10_code": "F43.10", "onset_date": "2020-01-01"})

    assert response.status_code == 409
    row = Condition.objects.get(pk=first.json()["id"])
    assert problem(response)["invalid_params"] == [
        {"name": "icd10_code", "reason": _condition_message(row, "2026-01-09")}
    ]


def test_an_identical_medication_trial_is_refused(cast: Cast, nurse: Client) -> None:
    url = f"{URL}/{cast.dan.pk}/trials"
    first = post(nurse, url, TRIAL)
    assert first.status_code == 201
    count = MedicationTrial.objects.count()

    response = post(nurse, url, {**TRIAL, "drug": " Sertraline ", "notes": "from the GP letter"})

    assert response.status_code == 409
    body = problem(response)
    assert body["existing"] == [{"id": str(first.json()["id"]), "section": "trials"}]
    assert [p["name"] for p in body["invalid_params"]] == ["drug"]
    assert body["invalid_params"][0]["reason"].startswith(
        "this chart already has this medication trial (drug sertraline; drug class SSRI; "
        "dose mg per day 150.00; start date 2024-01-01; end date 2024-04-01; added "
    )
    assert MedicationTrial.objects.count() == count


def test_a_medication_trial_of_another_dose_is_accepted(cast: Cast, nurse: Client) -> None:
    url = f"{URL}/{cast.dan.pk}/trials"
    assert post(nurse, url, TRIAL).status_code == 201

    response = post(nurse, url, {**TRIAL, "dose_mg_per_day": "200"})

    assert response.status_code == 201, response.content[:300]
    assert MedicationTrial.objects.filter(patient=cast.dan).count() == 2


# --- inactive records -------------------------------------------------------------------------


def _zoe(cast: Cast) -> Patient:
    return Patient.objects.get(pk=cast.zoe.pk)


def test_a_record_is_made_inactive_with_the_reason(cast: Cast, nurse: Client) -> None:
    response = post(
        nurse, f"{URL}/{cast.zoe.pk}/deactivate", {"version": 1, "reason": " Moved to Ohio "}
    )

    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert (body["is_active"], body["inactive_reason"], body["version"]) == (
        False,
        "Moved to Ohio",
        2,
    )
    zoe = _zoe(cast)
    assert (zoe.is_active, zoe.inactive_reason, zoe.version) == (False, "Moved to Ohio", 2)
    event = AuditEvent.objects.get(action="patient.deactivate")
    assert (event.patient_id, event.actor_id, event.reason) == (
        cast.zoe.pk,
        cast.nurse.user.pk,
        "Moved to Ohio",
    )
    assert (event.changes, event.data) == ({"is_active": [True, False]}, {"version": 2})


@pytest.mark.parametrize("body", [{"version": 1}, {"version": 1, "reason": "  "}])
def test_making_a_record_inactive_needs_a_reason(
    cast: Cast, nurse: Client, body: dict[str, Any]
) -> None:
    before, events = Patient.objects.filter(pk=cast.zoe.pk).values().get(), writes()

    response = post(nurse, f"{URL}/{cast.zoe.pk}/deactivate", body)

    assert invalid(response) == {"reason": "say why the record is made inactive"}
    assert (Patient.objects.filter(pk=cast.zoe.pk).values().get(), writes()) == (before, events)


def test_making_a_record_inactive_from_a_stale_version_is_409(cast: Cast, nurse: Client) -> None:
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()

    response = post(nurse, f"{URL}/{cast.dan.pk}/deactivate", {"version": 1, "reason": "Moved"})

    assert response.status_code == 409
    assert problem(response)["invalid_params"] == [
        {
            "name": "version",
            "reason": "this record is at version 2, your edit was based on version 1; "
            "reload it and apply your change again",
        }
    ]
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before


def test_an_inactive_record_cannot_be_made_inactive_again(cast: Cast, nurse: Client) -> None:
    url = f"{URL}/{cast.zoe.pk}/deactivate"
    assert post(nurse, url, {"version": 1, "reason": "Moved"}).status_code == 200
    before = Patient.objects.filter(pk=cast.zoe.pk).values().get()

    response = post(nurse, url, {"version": 2, "reason": "Moved again"})

    assert response.status_code == 409
    assert problem(response) == {
        "type": "https://ketacare.org/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "is_active: this record is already inactive",
        "invalid_params": [{"name": "is_active", "reason": "this record is already inactive"}],
    }
    assert Patient.objects.filter(pk=cast.zoe.pk).values().get() == before
    assert AuditEvent.objects.filter(action="patient.deactivate").count() == 1


def test_an_inactive_record_is_made_active_again(cast: Cast, nurse: Client) -> None:
    services.patient_set_active(
        cast.actor(cast.nurse), cast.zoe.pk, active=False, expected_version=1, reason="Moved"
    )

    response = post(nurse, f"{URL}/{cast.zoe.pk}/reactivate", {"version": 2})

    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert (body["is_active"], body["inactive_reason"], body["version"]) == (True, "", 3)
    event = AuditEvent.objects.get(action="patient.reactivate")
    assert (event.patient_id, event.changes, event.data) == (
        cast.zoe.pk,
        {"is_active": [False, True]},
        {"version": 3},
    )
    again = post(nurse, f"{URL}/{cast.zoe.pk}/reactivate", {"version": 3})
    assert again.status_code == 409
    assert problem(again)["detail"] == "is_active: this record is already active"


def test_the_services_refuse_what_the_api_refuses(cast: Cast) -> None:
    actor = cast.actor(cast.nurse)
    with pytest.raises(FieldErrors) as no_reason:
        services.patient_set_active(actor, cast.zoe.pk, active=False, expected_version=1)
    with pytest.raises(StaleVersion):
        services.patient_set_active(
            actor, cast.zoe.pk, active=False, expected_version=7, reason="x"
        )
    with pytest.raises(Conflict) as already:
        services.patient_set_active(actor, cast.zoe.pk, active=True, expected_version=1)

    assert no_reason.value.errors == {"reason": "say why the record is made inactive"}
    assert already.value.message == "this record is already active"
    assert _zoe(cast).is_active is True


def test_the_default_list_hides_inactive_records_and_the_status_filter_finds_them(
    cast: Cast, nurse: Client
) -> None:
    services.patient_set_active(
        cast.actor(cast.nurse), cast.zoe.pk, active=False, expected_version=1, reason="Moved"
    )

    assert mrns(nurse.get(URL)) == ["H-1001"]
    assert mrns(nurse.get(URL, {"status": "active"})) == ["H-1001"]
    assert mrns(nurse.get(URL, {"status": "inactive"})) == ["H-1002"]
    assert mrns(nurse.get(URL, {"status": "all"})) == ["H-1001", "H-1002"]
    assert mrns(nurse.get(URL, {"q": "zoe"})) == []
    assert mrns(nurse.get(URL, {"q": "zoe", "status": "all"})) == ["H-1002"]
    assert _names(nurse.get("/patients/").content.decode()) == ["Dawson, Dan"]
    assert _names(nurse.get("/patients/?status=inactive").content.decode()) == ["Ðorđević, Zoë"]
    assert _names(nurse.get("/patients/?status=all").content.decode()) == [
        "Dawson, Dan",
        "Ðorđević, Zoë",
    ]


def test_an_inactive_record_stays_readable(cast: Cast, nurse: Client) -> None:
    services.patient_set_active(
        cast.actor(cast.nurse), cast.dan.pk, active=False, expected_version=2, reason="Deceased"
    )

    response = nurse.get(f"{URL}/{cast.dan.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["is_active"], body["inactive_reason"], len(body["measurements"])) == (
        False,
        "Deceased",
        1,
    )


# --- the status page --------------------------------------------------------------------------


def test_the_status_page_shows_the_form_to_make_a_record_inactive(
    cast: Cast, nurse: Client
) -> None:
    response = nurse.get(f"/patients/{cast.dan.pk}/status/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Make inactive: Dan Dawson</h1>" in html
    assert '<input type="hidden" name="version" value="2" id="id_version">' in html
    assert '<textarea name="reason"' in html
    assert '<button type="submit" class="button">Make inactive</button>' in html


def test_the_status_page_needs_a_reason_and_shows_the_error(cast: Cast, nurse: Client) -> None:
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()

    response = nurse.post(f"/patients/{cast.dan.pk}/status/", {"version": 2, "reason": " "})

    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["say why the record is made inactive"]}
    assert "say why the record is made inactive" in response.content.decode()
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before


def test_the_status_page_makes_the_record_inactive_and_goes_to_the_chart(
    cast: Cast, nurse: Client
) -> None:
    response = nurse.post(f"/patients/{cast.dan.pk}/status/", {"version": 2, "reason": "Deceased"})

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{cast.dan.pk}/"
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert (dan.is_active, dan.inactive_reason, dan.version) == (False, "Deceased", 3)
    assert AuditEvent.objects.get(action="patient.deactivate").reason == "Deceased"
    chart = nurse.get(response["Location"]).content.decode()
    assert "Dan Dawson&#x27;s record is inactive." in chart
    again = nurse.get(f"/patients/{cast.dan.pk}/status/").content.decode()
    assert "<h1>Make active again: Dan Dawson</h1>" in again
    assert "<p>Made inactive because: Deceased</p>" in again


def test_the_status_page_makes_an_inactive_record_active_again_without_a_reason(
    cast: Cast, nurse: Client
) -> None:
    services.patient_set_active(
        cast.actor(cast.nurse), cast.dan.pk, active=False, expected_version=2, reason="Deceased"
    )

    response = nurse.post(f"/patients/{cast.dan.pk}/status/", {"version": 3})

    assert response.status_code == 302
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert (dan.is_active, dan.inactive_reason, dan.version) == (True, "", 4)
    assert AuditEvent.objects.filter(action="patient.reactivate").count() == 1
    chart = nurse.get(response["Location"]).content.decode()
    assert "Dan Dawson&#x27;s record is active again." in chart


def test_the_status_page_from_a_stale_version_is_409(cast: Cast, nurse: Client) -> None:
    before = Patient.objects.filter(pk=cast.dan.pk).values().get()

    response = nurse.post(f"/patients/{cast.dan.pk}/status/", {"version": 1, "reason": "Moved"})

    assert response.status_code == 409
    assert "reload it and apply your change again" in response.content.decode()
    assert Patient.objects.filter(pk=cast.dan.pk).values().get() == before


# --- a registration form sent twice -----------------------------------------------------------


def _once_token(client: Client) -> str:
    html = client.get("/patients/new/").content.decode()
    found = re.findall(r'<input type="hidden" name="kc_once" value="([0-9a-f-]{36})">', html)
    assert len(found) == 1, html
    return found[0]


def test_the_registration_form_carries_a_one_time_token(cast: Cast, as_role: Any) -> None:
    desk = as_role("front_desk")
    first, second = _once_token(desk), _once_token(desk)
    assert first != second


def _filled(token: str) -> dict[str, str]:
    return {
        "given_name": "Ana",
        "family_name": "Silva",
        "date_of_birth": "1990-01-01",
        "sex_at_birth": "female",
        "mrn": "",
        "kc_once": token,
    }


def test_a_registration_form_sent_twice_registers_one_patient(cast: Cast, as_role: Any) -> None:
    """As a browser sends the form (urlencoded): a double click writes once, both go to it."""
    desk = as_role("front_desk")
    body = urlencode(_filled(_once_token(desk)))

    first = desk.post("/patients/new/", body, content_type=FORM)
    second = desk.post("/patients/new/", body, content_type=FORM)

    ana = Patient.objects.get(given_name="Ana")
    assert (first.status_code, first["Location"]) == (302, f"/patients/{ana.pk}/")
    assert (second.status_code, second["Location"]) == (302, f"/patients/{ana.pk}/")
    assert ("Idempotent-Replayed" in first, second["Idempotent-Replayed"]) == (False, "true")
    assert Patient.objects.filter(family_name="Silva").count() == 1
    assert AuditEvent.objects.filter(action="patient.create", patient_id=ana.pk).count() == 1


def test_a_multipart_registration_form_sent_twice_registers_one_patient(
    cast: Cast, as_role: Any
) -> None:
    """Django's forms take multipart/form-data as well (the test client's default)."""
    desk = as_role("front_desk")
    form = _filled(_once_token(desk))

    first = desk.post("/patients/new/", form)
    second = desk.post("/patients/new/", form)

    ana = Patient.objects.get(given_name="Ana")
    assert (first.status_code, first["Location"]) == (302, f"/patients/{ana.pk}/")
    assert (second.status_code, second["Location"]) == (302, f"/patients/{ana.pk}/")
    assert second["Idempotent-Replayed"] == "true"
    assert Patient.objects.filter(family_name="Silva").count() == 1


def test_the_same_token_with_other_contents_is_refused(cast: Cast, as_role: Any) -> None:
    desk = as_role("front_desk")
    form = _filled(_once_token(desk))
    assert desk.post("/patients/new/", urlencode(form), content_type=FORM).status_code == 302

    response = desk.post(
        "/patients/new/", urlencode({**form, "given_name": "Anna"}), content_type=FORM
    )

    assert response.status_code == 422
    assert response.content.decode() == (
        "This form was already sent with different contents: this key was used for a different "
        "request (POST /patients/new/); use a new key for a new request."
    )
    assert Patient.objects.filter(family_name="Silva").count() == 1


def test_a_form_shown_again_with_errors_keeps_its_token_usable(cast: Cast, as_role: Any) -> None:
    desk = as_role("front_desk")
    form = _filled(_once_token(desk))
    wrong = desk.post(
        "/patients/new/", urlencode({**form, "date_of_birth": "2099-01-01"}), content_type=FORM
    )
    assert wrong.status_code == 400

    corrected = desk.post("/patients/new/", urlencode(form), content_type=FORM)

    assert corrected.status_code == 302
    assert Patient.objects.filter(family_name="Silva").count() == 1
