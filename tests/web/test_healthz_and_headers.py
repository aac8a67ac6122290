"""/healthz, /favicon.ico, the security headers every response carries, and the production
settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import Cast


@pytest.mark.django_db
def test_healthz_answers_ok_without_auth_or_patient_data() -> None:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]


@pytest.mark.django_db
def test_favicon_redirects_an_anonymous_client_to_the_svg_icon_without_a_query() -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/ketacare/favicon.svg"
    assert queries.captured_queries == []
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"".join(icon.streaming_content).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_every_page_names_the_icon(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    for client, path in ((Client(), "/accounts/login/"), (as_role("nurse"), "/patients/")):
        response = client.get(path)
        assert response.status_code == 200
        assert (
            b'<link rel="icon" href="/static/ketacare/favicon.svg" type="image/svg+xml">'
            in response.content
        )


def test_pages_are_never_cached_and_carry_a_csp(cast: Cast, as_role) -> None:  # type: ignore[no-untyped-def]
    response = as_role("nurse").get(f"/patients/{cast.dan.pk}/")
    assert response["Cache-Control"] == "no-store"
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) == 32


def test_unsafe_methods_need_a_csrf_token(cast: Cast) -> None:
    from tests.conftest import logged_in

    client = logged_in(cast.front_desk.user)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        "/patients/new/",
        {
            "given_name": "X",
            "family_name": "Y",
            "date_of_birth": "1990-01-01",
            "sex_at_birth": "male",
        },
    )
    assert response.status_code == 403


def test_production_settings_pass_the_deploy_check() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.production",
        "DJANGO_SECRET_KEY": "p7$Zq!w2-production-test-key-8Hh3jK9lM0nB4vC6xZ1aS5dF7gJ",
        "DJANGO_ALLOWED_HOSTS": "clinic.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_the_development_key() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.production",
        "DJANGO_ALLOWED_HOSTS": "clinic.example.com",
    }
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set" in result.stderr
