"""`ketacare token create`: prints a working token once; refuses bad options clearly."""

from __future__ import annotations

import pytest

from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditEvent
from ketacare.cli import main
from tests.conftest import Cast


def test_it_prints_a_token_that_opens_the_api(cast: Cast, client, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["token", "create", "--user", "NINA@example.com", "--days", "7"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("kc_")
    stored = ApiToken.objects.get()
    assert token.split("_")[1] == stored.prefix
    assert stored.secret_sha256 not in token
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert AuditEvent.objects.filter(action="auth.token_created").get().actor_label == (
        "system: ketacare token create"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--user", "nobody@example.com"], "--user: no active user 'nobody@example.com'"),
        (
            ["--user", "nina@example.com", "--clinic", "lakeside"],
            "--user: no active user 'nina@example.com' in clinic 'lakeside'",
        ),
        (["--user", "nina@example.com", "--days", "0"], "--days must be between 1 and 365, got 0"),
    ],
)
def test_it_refuses_bad_options(cast: Cast, capsys, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["token", "create", *argv]) == 2
    assert capsys.readouterr().err == f"ketacare token: {message}\n"
    assert ApiToken.objects.count() == 0
