"""A user of several clinics works in one at a time and switches between them."""

from __future__ import annotations

from ketacare.accounts import services as accounts
from ketacare.accounts.models import Role
from ketacare.audit.models import AuditEvent
from tests.conftest import SETUP, Cast, logged_in


def test_an_owner_of_two_clinics_switches(cast: Cast) -> None:
    accounts.membership_create(
        SETUP, user=cast.owner.user, clinic=cast.other_clinic, role=Role.NURSE
    )
    client = logged_in(cast.owner.user)
    page = client.get("/patients/").content.decode()
    assert "Harbor Ketamine Clinic" in page and "Dawson, Dan" in page
    response = client.post("/accounts/clinic/", {"clinic": cast.other_clinic.pk})
    assert response.status_code == 302
    page = client.get("/patients/").content.decode()
    assert "Elsewhere, Erin" in page and "Dawson, Dan" not in page
    assert '<span class="role">Nurse</span>' in page
    assert client.get(f"/patients/{cast.dan.pk}/").status_code == 404
    assert client.get("/audit/").status_code == 403
    event = AuditEvent.objects.filter(action="auth.clinic_switched").get()
    assert event.clinic_id == cast.other_clinic.pk


def test_a_clinic_the_user_is_not_a_member_of_is_refused(cast: Cast) -> None:
    client = logged_in(cast.nurse.user)
    client.post("/accounts/clinic/", {"clinic": cast.other_clinic.pk})
    assert "Dawson, Dan" in client.get("/patients/").content.decode()
    assert AuditEvent.objects.filter(action="auth.clinic_switched").count() == 0
