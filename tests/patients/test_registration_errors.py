"""Registration and the edit form show every error in one response: the form's own (a missing
name, an address that is not an email), the domain's (a birth date in the future, a phone
that is not one) and a taken MRN, each on its field with the allowed range; nothing saved."""

from __future__ import annotations

import re
from typing import Any

import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Patient
from tests.conftest import Cast

BAD = {
    "mrn": "H-1001",  # Dan's
    "given_name": "",
    "family_name": "Silva",
    "date_of_birth": "2099-01-01",
    "sex_at_birth": "female",
    "email": "not-an-email",
    "phone": "call me",
}


def _field_errors(html: str) -> dict[str, str]:
    """Each field's error list, by field name: Django's ``<ul class="errorlist"
    id="id_x_error">`` or the design system's ``<ul class="field-errors" id="id_x-errors">``."""
    return {
        name: re.sub(r"<[^>]+>", "", body).strip()
        for name, body in re.findall(
            r'<ul class="(?:errorlist|field-errors)" id="id_([a-z_]+?)(?:_error|-errors)">'
            r"(.*?)</ul>",
            html,
            re.S,
        )
    }


@time_machine.travel("2026-03-02 15:00Z", tick=False)
def test_one_post_with_five_bad_fields_gets_all_five_messages(cast: Cast, as_role: Any) -> None:
    count, events = Patient.objects.count(), AuditEvent.objects.count()
    response = as_role("front_desk").post("/patients/new/", BAD)
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_errors(html) == {
        "mrn": "H-1001 already belongs to another patient of this clinic",
        "given_name": "This field is required.",
        "date_of_birth": "cannot be in the future (today is 2026-03-02)",
        "email": "Enter a valid email address.",
        "phone": "must be a phone number of 7–24 digits, spaces, +, -, ( or )",
    }
    assert len(response.context["form"].errors) == 5
    assert Patient.objects.count() == count
    assert AuditEvent.objects.exclude(action="write.refused").count() == events


@time_machine.travel("2026-03-02 15:00Z", tick=False)
def test_a_valid_form_with_three_domain_errors_gets_all_three(cast: Cast, as_role: Any) -> None:
    response = as_role("front_desk").post(
        "/patients/new/",
        {**BAD, "given_name": "Ana", "email": "ana@example.com", "date_of_birth": "1901-01-01"},
    )
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == {
        "mrn": "H-1001 already belongs to another patient of this clinic",
        "date_of_birth": "gives an age of 125; at most 120 is allowed",
        "phone": "must be a phone number of 7–24 digits, spaces, +, -, ( or )",
    }
    assert not Patient.objects.filter(given_name="Ana").exists()


def test_the_edit_form_shows_form_and_domain_errors_together(cast: Cast, as_role: Any) -> None:
    zoe = cast.zoe
    response = as_role("front_desk").post(
        f"/patients/{zoe.pk}/edit/",
        {
            "mrn": "H-1001",
            "given_name": "Zoë",
            "family_name": "",
            "date_of_birth": "1991-11-03",
            "sex_at_birth": "female",
            "phone": "12",
            "version": zoe.version,
        },
    )
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == {
        "mrn": "H-1001 already belongs to another patient of this clinic",
        "family_name": "This field is required.",
        "phone": "must be a phone number of 7–24 digits, spaces, +, -, ( or )",
    }
    zoe.refresh_from_db()
    assert (zoe.mrn, zoe.family_name, zoe.phone) == ("H-1002", "Ðorđević", "")


@time_machine.travel("2026-03-02 15:00Z", tick=False)
def test_a_chart_row_shows_form_and_domain_errors_together(cast: Cast, as_role: Any) -> None:
    from ketacare.patients.models import BodyMeasurement

    rows = BodyMeasurement.objects.count()
    response = as_role("nurse").post(
        f"/patients/{cast.dan.pk}/measurements/add/",
        {"measured_on": "2026-03-09", "weight_kg": "abc", "height_cm": "500"},
    )
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == {
        "measured_on": "cannot be in the future (today is 2026-03-02)",
        "weight_kg": "Enter a number.",
        "height_cm": "must be between 50 and 272 cm; got 500",
    }
    assert BodyMeasurement.objects.count() == rows
