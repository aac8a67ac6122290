"""The patient pages as staff and patients use them."""

from __future__ import annotations

import re

from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Patient
from tests.conftest import Cast


def _names(html: str) -> list[str]:
    return re.findall(r'<td data-label="Name"><a href="/patients/[0-9a-f-]+/">([^<]+)</a>', html)


def test_the_list_is_sorted_by_name_and_searchable(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    client = as_role("front_desk")
    html = client.get("/patients/").content.decode()
    assert _names(html) == ["Dawson, Dan", "Ðorđević, Zoë"]
    assert _names(client.get("/patients/?q=zoe").content.decode()) == ["Ðorđević, Zoë"]
    assert _names(client.get("/patients/?q=DORDEVIC").content.decode()) == ["Ðorđević, Zoë"]
    assert _names(client.get("/patients/?q=h-1001").content.decode()) == ["Dawson, Dan"]
    assert _names(client.get("/patients/?q=04/02/1980").content.decode()) == ["Dawson, Dan"]
    assert _names(client.get("/patients/?sort=-name").content.decode()) == [
        "Ðorđević, Zoë",
        "Dawson, Dan",
    ]


def test_a_sort_outside_the_allow_list_is_refused(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    response = as_role("nurse").get("/patients/?sort=given_name;DROP TABLE")
    assert response.status_code == 400
    assert "sort: Select a valid choice." in response.content.decode()


def test_registering_shows_errors_per_field_and_keeps_the_input(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    client = as_role("front_desk")
    count = Patient.objects.count()
    response = client.post(
        "/patients/new/",
        {
            "given_name": "Ana",
            "family_name": "Silva",
            "date_of_birth": "2099-01-01",
            "sex_at_birth": "female",
            "email": "ana@example.com",
            "mrn": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be in the future" in html
    assert 'value="ana@example.com"' in html
    assert Patient.objects.count() == count


def test_registering_goes_to_the_new_chart(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    response = as_role("front_desk").post(
        "/patients/new/",
        {
            "given_name": "Ana",
            "family_name": "Silva",
            "date_of_birth": "1990-01-01",
            "sex_at_birth": "female",
            "mrn": "",
        },
    )
    patient = Patient.objects.get(given_name="Ana")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert patient.mrn == "KC000001"


def test_editing_from_a_stale_page_is_a_409_and_changes_nothing(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    nurse, desk = as_role("nurse"), as_role("front_desk")
    version = cast.dan.version
    form = {
        "given_name": "Dan",
        "family_name": "Dawson",
        "date_of_birth": "1980-04-02",
        "sex_at_birth": "male",
        "mrn": "H-1001",
        "phone": "+1 617 555 0101",
        "version": version,
    }
    assert (
        nurse.post(f"/patients/{cast.dan.pk}/edit/", {**form, "pronouns": "he/him"}).status_code
        == 302
    )
    response = desk.post(f"/patients/{cast.dan.pk}/edit/", {**form, "pronouns": "they/them"})
    assert response.status_code == 409
    assert "reload it and apply your change again" in response.content.decode()
    assert Patient.objects.get(pk=cast.dan.pk).pronouns == "he/him"


def test_front_desk_sees_no_clinical_sections(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    html = as_role("front_desk").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert 'id="contacts"' in html and 'id="coverage"' in html
    assert 'id="conditions"' not in html and 'id="trials"' not in html
    event = AuditEvent.objects.filter(action="patient.read").order_by("-id").first()
    assert event is not None
    assert event.data == {
        "sections": ["details", "appointments", "contacts", "coverage", "consents"]
    }


def test_the_nurse_sees_the_clinical_sections_and_the_latest_weight(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    html = as_role("nurse").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert "Major depressive disorder, recurrent severe without psychotic features" in html
    assert "82.5 kg · 180.0 cm · 25.5 kg/m²" in html


def test_a_patient_reads_their_own_record_without_edit_links(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    client = as_role("patient")
    response = client.get(f"/patients/{cast.dan.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Edit details" not in html and '/add/"' not in html
    assert client.get(f"/patients/{cast.zoe.pk}/").status_code == 404
    assert client.get("/patients/").status_code == 403


def test_the_chart_page_runs_a_fixed_number_of_queries(
    cast: Cast, as_role, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = as_role("nurse")
    client.get(f"/patients/{cast.dan.pk}/")
    # session, user, membership, patient; the panels: details (latest weight), open alerts,
    # candidacy and treatment (scores, screening, plans, the intake in progress),
    # appointments (the next ones, the signed plans' courses), sessions, 7 sections; audit
    # savepoint + chain head + insert + release; the header's open-alert count and today's
    # three schedule counters, the REMS forms due and overdue: 30, and no query per row
    # (memberships come with the clinic's lookup). PostgreSQL adds the advisory lock that
    # serialises the audit chain.
    from django.db import connection

    with django_assert_num_queries(31 if connection.vendor == "postgresql" else 30):
        assert client.get(f"/patients/{cast.dan.pk}/").status_code == 200
