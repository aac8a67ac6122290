"""The design system's components (form errors all at once, fields, empty states, banners),
htmx served from django-htmx's static files, and the style guide served in development only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, override_settings

from ketacare.web.styleguide import SampleVitalsForm
from tests.conftest import Cast, logged_in

pytestmark = pytest.mark.django_db


class RegistrationForm(forms.Form):
    family_name = forms.CharField(label="Family name", max_length=10)
    weight_kg = forms.DecimalField(
        label="Weight (kg)", min_value=20, max_value=350, help_text="20–350 kg."
    )
    consent = forms.BooleanField(label="Consent to treatment")

    def clean(self) -> dict[str, object]:
        super().clean()
        raise forms.ValidationError("This MRN is already used by another patient.")


def bad_registration() -> RegistrationForm:
    form = RegistrationForm(data={"family_name": "x" * 11, "weight_kg": "900"})
    assert not form.is_valid()
    return form


def test_form_errors_lists_every_error_at_once_each_naming_its_field() -> None:
    html = render_to_string("components/form_errors.html", {"form": bad_registration()})
    assert 'role="alert"' in html
    assert "4 things to fix before this can be saved" in html
    items = [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert items == [
        "This MRN is already used by another patient.",
        "Family name: Ensure this value has at most 10 characters (it has 11).",
        "Weight (kg): Ensure this value is less than or equal to 350.",
        "Consent to treatment: This field is required.",
    ]
    # Each field's error links to its input.
    assert '<a href="#id_family_name">Family name</a>' in html
    assert '<a href="#id_consent">Consent to treatment</a>' in html


def test_form_errors_is_empty_for_an_unbound_or_a_valid_form() -> None:
    valid = SampleVitalsForm(
        data={
            "systolic_mmhg": "120",
            "diastolic_mmhg": "80",
            "position": "seated",
            "escort_confirmed": "on",
        }
    )
    assert valid.is_valid()
    assert (
        render_to_string("components/form_errors.html", {"form": SampleVitalsForm()}).strip() == ""
    )
    assert render_to_string("components/form_errors.html", {"form": valid}).strip() == ""


def test_a_field_shows_its_label_help_and_own_errors_and_describes_its_input() -> None:
    form = bad_registration()
    html = render_to_string("components/field.html", {"field": form["weight_kg"]})
    assert (
        '<label for="id_weight_kg">Weight (kg) '
        '<span class="required" aria-hidden="true">*</span></label>' in html
    )
    assert 'aria-describedby="id_weight_kg-help id_weight_kg-errors"' in html
    assert 'aria-invalid="true"' in html
    assert '<div class="helptext" id="id_weight_kg-help">20–350 kg.</div>' in html
    assert re.findall(r"<li>(.*?)</li>", html) == [
        "Ensure this value is less than or equal to 350."
    ]
    # Another field's error is not repeated here.
    assert "at most 10 characters" not in html


def test_a_valid_field_is_not_marked_invalid() -> None:
    html = render_to_string("components/field.html", {"field": RegistrationForm()["weight_kg"]})
    assert "aria-invalid" not in html
    assert 'aria-describedby="id_weight_kg-help"' in html
    assert "field-errors" not in html


def test_a_checkbox_field_puts_its_input_inside_its_label() -> None:
    html = render_to_string("components/field.html", {"field": bad_registration()["consent"]})
    assert 'class="field field-check has-error"' in html
    assert re.search(
        r'<label for="id_consent"><input type="checkbox" name="consent"[^>]*>'
        r" Consent to treatment</label>",
        html,
    )


def test_empty_and_banner_say_what_happened() -> None:
    empty = render_to_string(
        "components/empty.html",
        {
            "title": "No patient matches “xyz”",
            "body": "Try part of the MRN.",
            "action_url": "/patients/",
            "action_label": "Show every patient",
        },
    )
    assert '<h2 class="empty-title">No patient matches “xyz”</h2>' in empty
    assert "<p>Try part of the MRN.</p>" in empty
    assert '<a class="button" href="/patients/">Show every patient</a>' in empty
    no_action = render_to_string("components/empty.html", {"title": "No runs yet"})
    assert "button" not in no_action
    bad = render_to_string(
        "components/banner.html", {"tone": "bad", "title": "Not saved.", "body": "Reload."}
    )
    assert (
        bad.strip()
        == '<div class="banner banner-bad" role="alert"><strong>Not saved.</strong> Reload.</div>'
    )
    info = render_to_string("components/banner.html", {"body": "Saved."})
    assert info.strip() == '<div class="banner banner-info" role="status">Saved.</div>'


def test_every_page_loads_htmx_from_the_packages_static_files(cast: Cast) -> None:
    html = logged_in(cast.nurse.user).get("/accounts/security/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    found = finders.find("django_htmx/htmx-2.min.js")
    assert found is not None
    path = Path(found)
    # From the installed package, never a copy in the repository.
    assert "site-packages" in path.parts and "django_htmx" in path.parts
    assert path.read_text()[:200].count("htmx") >= 1
    # htmx is told not to inject inline styles or eval code, which the CSP forbids.
    assert '"includeIndicatorStyles": false, "allowEval": false' in html


def test_the_csp_allows_the_self_hosted_htmx_script_and_no_inline_script(cast: Cast) -> None:
    response = logged_in(cast.nurse.user).get("/accounts/security/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def test_htmx_requests_are_recognised_by_the_middleware(cast: Cast) -> None:
    client = logged_in(cast.nurse.user)
    partial = client.get("/accounts/security/", headers={"HX-Request": "true"})
    full = client.get("/accounts/security/")
    assert bool(partial.wsgi_request.htmx) is True  # type: ignore[attr-defined]
    assert bool(full.wsgi_request.htmx) is False  # type: ignore[attr-defined]


def test_the_header_marks_the_current_page_and_shows_counters_as_badges(cast: Cast) -> None:
    html = logged_in(cast.owner.user).get("/jobs/").content.decode()
    assert '<a aria-current="page" href="/jobs/">Jobs</a>' in html
    assert '<a href="/patients/">Patients</a>' in html


@override_settings(DEBUG=False)
def test_the_style_guide_is_not_served_outside_development() -> None:
    response = Client().get("/dev/style-guide/")
    assert response.status_code == 404
    assert b"Style guide" not in response.content


@override_settings(DEBUG=True)
def test_the_style_guide_renders_every_component_in_development() -> None:
    response = Client().get("/dev/style-guide/")
    assert response.status_code == 200
    html = response.content.decode()
    for marker in (
        '<div class="page-head">',
        '<div class="cards" id="cards">',
        '<dl class="facts">',
        '<span class="badge badge-good">Signed</span>',
        '<span class="badge badge-warn">Needs prescriber review</span>',
        '<span class="badge badge-bad">Not eligible</span>',
        '<span class="badge badge-muted">Superseded</span>',
        '<span class="badge badge-info">Draft</span>',
        '<small class="code">phq9</small>',
        '<div class="banner banner-warn" role="status">',
        '<div class="banner banner-bad" role="alert">',
        '<h2 class="empty-title">No patient matches “xyz”</h2>',
        '<table class="table table-stack">',
        '<td data-label="MRN">KC000001</td>',
        '<div class="form-errors" role="alert"',
        "The diastolic pressure must be below the systolic.",
        '<div class="form-grid">',
        '<div class="form-actions">',
        '<button type="button" class="danger">',
        '<figure class="chart-frame">',
        '<ul class="legend"',
    ):
        assert marker in html, marker
    # The sample vitals form shows all four of its errors at once.
    assert "4 things to fix before this can be saved" in html
    # In development django-htmx adds its error helper script beside htmx, also a static file.
    assert '<script src="/static/django_htmx/django-htmx.js"' in html
