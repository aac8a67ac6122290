"""Helpers for the second-factor tests: enrol through the services, log in with the password."""

from __future__ import annotations

import pyotp
from django.test import Client

from ketacare.accounts import services as accounts
from ketacare.accounts.actor import actor_for
from ketacare.accounts.models import Membership
from tests.conftest import PASSWORD


def enrol(membership: Membership) -> pyotp.TOTP:
    """Enrol a TOTP device for the member (the current 30-second step is then spent)."""
    device = accounts.totp_begin(membership.user)
    totp = pyotp.TOTP(device.secret)
    assert accounts.totp_confirm(actor_for(membership), device, totp.now())
    return totp


def recovery_codes(membership: Membership) -> list[str]:
    """The first set of recovery codes of an enrolled member."""
    outcome = accounts.recovery_codes_create(actor_for(membership), membership.user, password=None)
    assert outcome.codes is not None
    return outcome.codes


def password_login(email: str, **client_options: str) -> Client:
    """A client past the password, with the second factor still to come."""
    client = Client(**client_options)
    response = client.post("/accounts/login/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/patients/")["Location"] == "/accounts/mfa/verify/"
    return client


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted now, and not yet spent)."""
    import time

    return str(totp.at(time.time() + totp.interval))
