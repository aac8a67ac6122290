"""The cast every test starts from (healthchecks' alice/bob/charlie, medplum's Simpsons).

Built through the real services, in a clinic whose time zone has daylight-saving time:

- ``owner``, ``prescriber``, ``nurse``, ``front_desk``: staff of the Harbor clinic
- ``dan``: a patient with a portal login; ``zoe``: a patient with a non-ASCII name and a
  mixed-case email, and no login
- ``outsider``: a prescriber of another clinic, ``erin``: that clinic's patient
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts import session
from ketacare.accounts.actor import Actor, actor_for, system_actor
from ketacare.accounts.models import Clinic, Membership, Role, User
from ketacare.patients import services as patients
from ketacare.patients.models import Patient

PASSWORD = "correct horse battery staple"  # noqa: S105
#: Who builds the cast: the command line, as when a clinic is set up without the demo.
SETUP = system_actor("tests/conftest.py")


@dataclass
class Cast:
    clinic: Clinic
    other_clinic: Clinic
    owner: Membership
    prescriber: Membership
    nurse: Membership
    front_desk: Membership
    dan_login: Membership
    outsider: Membership
    dan: Patient
    zoe: Patient
    erin: Patient

    def actor(self, membership: Membership) -> Actor:
        return actor_for(membership)


def _member(clinic: Clinic, email: str, name: str, role: Role) -> Membership:
    user = accounts.user_create(SETUP, email=email, full_name=name, password=PASSWORD)
    return accounts.membership_create(SETUP, user=user, clinic=clinic, role=role)


@pytest.fixture
def cast(db: None) -> Cast:
    clinic = accounts.clinic_create(
        SETUP,
        slug="harbor",
        name="Harbor Ketamine Clinic",
        time_zone="America/New_York",
        city="Boston",
        region="MA",
    )
    other = accounts.clinic_create(
        SETUP, slug="lakeside", name="Lakeside Clinic", time_zone="America/Chicago"
    )
    owner = _member(clinic, "alice@example.com", "Alice Owner", Role.OWNER)
    prescriber = _member(clinic, "bob@example.com", "Dr Bob Prescriber", Role.PRESCRIBER)
    nurse = _member(clinic, "nina@example.com", "Nina Nurse", Role.NURSE)
    front_desk = _member(clinic, "carol@example.com", "Carol Desk", Role.FRONT_DESK)
    dan_login = _member(clinic, "dan@example.com", "Dan Patient", Role.PATIENT)
    outsider = _member(other, "erin.doctor@example.com", "Dr Erin Elsewhere", Role.PRESCRIBER)
    erin_login = accounts.user_create(
        SETUP, email="erin@example.com", full_name="Erin P", password=PASSWORD
    )
    accounts.membership_create(SETUP, user=erin_login, clinic=other, role=Role.PATIENT)

    desk = actor_for(front_desk)
    dan = patients.patient_create(
        desk,
        data={
            "mrn": "H-1001",
            "given_name": "Dan",
            "family_name": "Dawson",
            "date_of_birth": date(1980, 4, 2),
            "sex_at_birth": "male",
            "phone": "+1 617 555 0101",
        },
    ).obj
    patients.patient_link_portal_user(desk, dan.pk, user=dan_login.user)
    zoe = patients.patient_create(
        desk,
        data={
            "mrn": "H-1002",
            "given_name": "Zoë",
            "family_name": "Ðorđević",
            "date_of_birth": date(1991, 11, 3),
            "sex_at_birth": "female",
            "email": "Zoe.Dordevic@Example.COM",
            "pronouns": "she/her",
        },
    ).obj
    patients.part_create(
        actor_for(nurse),
        dan.pk,
        "measurements",
        data={
            "measured_on": date(2026, 1, 5),
            "weight_kg": Decimal("82.5"),
            "height_cm": Decimal("180"),
        },
    )
    patients.part_create(
        actor_for(prescriber),
        dan.pk,
        "conditions",
        data={
            "icd10_code": "F33.2",
            "onset_date": date(2019, 6, 1),
            "status": "active",
        },
    )
    erin = patients.patient_create(
        actor_for(outsider),
        data={
            "mrn": "L-1",
            "given_name": "Erin",
            "family_name": "Elsewhere",
            "date_of_birth": date(1975, 1, 1),
            "sex_at_birth": "female",
        },
    ).obj
    patients.patient_link_portal_user(actor_for(outsider), erin.pk, user=erin_login)
    dan.refresh_from_db()
    return Cast(
        clinic, other, owner, prescriber, nurse, front_desk, dan_login, outsider, dan, zoe, erin
    )


def logged_in(user: User) -> Client:
    """A client logged in as ``user`` with a fresh session (second factor passed)."""
    client = Client()
    client.force_login(user)
    s = client.session
    now = timezone.now().timestamp()
    s[session.LOGIN_AT] = now
    s[session.SEEN_AT] = now
    s[session.MFA_OK] = True
    s.save()
    return client


@pytest.fixture
def as_role(cast: Cast):  # type: ignore[no-untyped-def]
    """``as_role("nurse")`` gives a logged-in client; ``"anonymous"`` gives a fresh one."""
    users = {
        "owner": cast.owner.user,
        "prescriber": cast.prescriber.user,
        "nurse": cast.nurse.user,
        "front_desk": cast.front_desk.user,
        "patient": cast.dan_login.user,
        "outsider": cast.outsider.user,
    }

    def make(role: str) -> Client:
        return Client() if role == "anonymous" else logged_in(users[role])

    return make
