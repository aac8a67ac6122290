"""/rems/ (the queue's tabs) and /rems/forms/<id>/ (the form, its missing fields, the PDF link
and the "Record submission" form): the four-way test, then exactly what each page shows."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.sessions.models import RemsForm
from tests.conftest import logged_in

from .world import World, ny


def client_for(world: World, role: str) -> Client:
    cast = world.cast
    members = {
        "owner": cast.owner,
        "nurse": cast.nurse,
        "prescriber": cast.prescriber,
        "front_desk": cast.front_desk,
        "patient": cast.dan_login,
        "outsider": cast.outsider,
    }
    return Client() if role == "anonymous" else logged_in(members[role].user)


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def table_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="table table-stack" id="rems-forms">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert body is not None
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def post_body(**changes: Any) -> dict[str, Any]:
    return {
        "method": "fax",
        "submitted_at": "2026-03-03T14:00",
        "confirmation": "FAX-5521",
        **changes,
    }


# --- four-way ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(complete: World) -> None:
    for path in ("/rems/", f"/rems/forms/{complete.form.pk}/"):
        response = Client().get(path)
        assert (response.status_code, response["Location"].split("?")[0]) == (
            302,
            "/accounts/login/",
        )
    response = Client().post(f"/rems/forms/{complete.form.pk}/", post_body())
    assert response.status_code == 302
    assert complete.form.submitted_at is None


@pytest.mark.parametrize("role", ["patient", "front_desk"])
def test_patients_and_staff_without_the_permission_get_403(complete: World, role: str) -> None:
    client = client_for(complete, role)
    assert client.get("/rems/").status_code == 403
    assert client.get(f"/rems/forms/{complete.form.pk}/").status_code == 403
    assert client.post(f"/rems/forms/{complete.form.pk}/", post_body()).status_code == 403
    assert complete.form.submitted_at is None


def test_another_clinic_gets_404_for_the_form_and_an_empty_queue(complete: World) -> None:
    client = client_for(complete, "outsider")
    assert client.get(f"/rems/forms/{complete.form.pk}/").status_code == 404
    assert client.post(f"/rems/forms/{complete.form.pk}/", post_body()).status_code == 404
    assert "No REMS form is due" in client.get("/rems/").content.decode()
    assert complete.form.submitted_at is None


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_shows_each_tab(complete: World) -> None:
    complete.at(14, 0)
    owner = client_for(complete, "owner")
    html = owner.get("/rems/").content.decode()
    tabs = re.search(r'<nav class="tabs" aria-label="REMS forms">(.*?)</nav>', html, re.S)
    assert tabs is not None
    assert text(tabs.group(1)) == "Due 1 Overdue Submitted"
    assert '<a href="?status=due" aria-current="page">' in tabs.group(1)
    assert table_rows(html) == [
        [
            "Dawson, Dan (H-1001)",
            "Tue 3 Mar 2026",
            "Tue 10 Mar 2026",
            "7 days",
            "Complete",
            "Open the form",
        ]
    ]
    assert f'href="/rems/forms/{complete.form.pk}/"' in html
    assert "No REMS form is overdue" in owner.get("/rems/?status=overdue").content.decode()


def test_an_overdue_form_shows_days_late(complete: World) -> None:
    from datetime import UTC, datetime

    complete.clock.move_to(datetime(2026, 3, 12, 15, 0, tzinfo=UTC))
    html = client_for(complete, "nurse").get("/rems/?status=overdue").content.decode()
    assert table_rows(html)[0][3] == "2 days late"


def test_missing_fields_are_counted_in_the_queue(charted: World) -> None:
    html = client_for(charted, "nurse").get("/rems/").content.decode()
    assert table_rows(html)[0][4] == "5 missing"


def test_an_unknown_tab_shows_the_due_one(complete: World) -> None:
    html = client_for(complete, "nurse").get("/rems/?status=late").content.decode()
    assert '<a href="?status=due" aria-current="page">' in html


def test_the_header_links_the_queue_with_its_counters(complete: World) -> None:
    html = client_for(complete, "owner").get("/rems/").content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav is not None
    link = (
        '<a aria-current="page" href="/rems/">REMS '
        '<span class="counter counter-warn">1 due</span></a>'
    )
    assert link in nav.group(1)


# --- the form page -----------------------------------------------------------------------------


def test_the_form_page_shows_sections_the_pdf_link_and_the_submission_form(
    complete: World,
) -> None:
    html = client_for(complete, "nurse").get(f"/rems/forms/{complete.form.pk}/").content.decode()
    assert f'href="/api/v1/sessions/{complete.session.pk}/rems-form.pdf">PDF</a>' in html
    titles = re.findall(r'<section class="card" id="section-[a-z_]+">\s*<h2>(.*?)</h2>', html)
    assert titles == [
        "Patient information",
        "Concomitant medications that can cause sedation, dissociation, respiratory depression "
        "or blood-pressure changes",
        "Monitoring healthcare provider",
        "Healthcare setting",
        "Treatment session",
        "Vital signs",
        "Adverse events and monitoring",
    ]
    lots = re.search(r'<div id="field-lot_numbers"><dt>(.*?)</dt><dd>(.*?)</dd>', html)
    assert lots is not None and lots.groups() == ("Lot number(s)", "SP-7781, SP-7790")
    assert "Every field is filled" in html
    assert "<h2>Record submission</h2>" in html
    assert 'enctype="multipart/form-data"' in html
    event = AuditEvent.objects.filter(action="rems_form.read").latest("id")
    assert event.patient_id == complete.cast.dan.pk


def test_missing_fields_are_highlighted(charted: World) -> None:
    html = client_for(charted, "nurse").get(f"/rems/forms/{charted.form.pk}/").content.decode()
    missing = re.findall(r'<div id="field-([a-z_0-9]+)" class="missing">', html)
    assert missing == [
        "monitoring_end_time",
        "total_monitoring_min",
        "ready_without_rule_min",
        "vitals_acceptable_before_completion",
        "bp_before_completion",
    ]
    banner = re.search(
        r'<div class="banner banner-warn" role="status" id="missing">(.*?)</div>', html, re.S
    )
    assert banner is not None
    assert text(banner.group(1)).startswith("5 fields still empty: chart them before the form")


def test_recording_a_submission_on_the_page(complete: World) -> None:
    complete.at(14, 30)
    nurse = client_for(complete, "nurse")
    upload = SimpleUploadedFile("fax-report.pdf", b"%PDF-1.4 fax", content_type="application/pdf")
    response = nurse.post(f"/rems/forms/{complete.form.pk}/", post_body(file=upload))
    assert (response.status_code, response["Location"]) == (302, f"/rems/forms/{complete.form.pk}/")
    form = RemsForm.objects.get(pk=complete.form.pk)
    assert (form.method, form.submitted_at, form.confirmation, form.confirmation_file_name) == (
        "fax",
        ny(14, 0),
        "FAX-5521",
        "fax-report.pdf",
    )
    page = nurse.get(f"/rems/forms/{complete.form.pk}/").content.decode()
    submission = re.search(r'<section class="card" id="submission">(.*?)</section>', page, re.S)
    assert submission is not None
    assert text(submission.group(1)) == (
        "Submission Submitted by Fax When Tue 3 Mar 2026 14:00 Confirmation number FAX-5521 "
        "Recorded by Nina Nurse <nina@example.com> (nurse) Confirmation file fax-report.pdf "
        "The fields below are the form as it was submitted."
    )
    assert "Record submission</h2>" not in page


def test_a_refused_submission_shows_every_error(charted: World) -> None:
    charted.at(12, 30)
    response = client_for(charted, "nurse").post(
        f"/rems/forms/{charted.form.pk}/",
        post_body(submitted_at="2026-03-03T12:20", confirmation=""),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "1 thing to fix before this can be saved Confirmation number : This field is required."
        in text(html)
    )
    assert RemsForm.objects.get(pk=charted.form.pk).submitted_at is None
    response = client_for(charted, "nurse").post(
        f"/rems/forms/{charted.form.pk}/", post_body(submitted_at="2026-03-03T12:20")
    )
    assert response.status_code == 400
    page = text(response.content.decode())
    assert "End of monitoring: still empty on the form" in page
    assert "Blood pressure before session completion: still empty on the form" in page
    assert RemsForm.objects.get(pk=charted.form.pk).submitted_at is None


def test_a_second_submission_on_the_page_is_409(complete: World) -> None:
    complete.at(14, 30)
    nurse = client_for(complete, "nurse")
    assert nurse.post(f"/rems/forms/{complete.form.pk}/", post_body()).status_code == 302
    again = nurse.post(f"/rems/forms/{complete.form.pk}/", post_body(confirmation="X-2"))
    assert again.status_code == 409
    assert "This form was submitted already (Fax, confirmation FAX-5521" in again.content.decode()
    assert RemsForm.objects.get(pk=complete.form.pk).confirmation == "FAX-5521"
