"""The owner's Staff page: the clinic's staff with role labels and last logins; changing a
role, deactivating and reactivating, each audited; the clinic always keeps an active owner."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine
from django.test import Client

from ketacare.accounts import services as accounts
from ketacare.accounts.models import ApiToken, Clinic, Membership, Role, Site
from ketacare.audit.models import AuditEvent
from tests.conftest import PASSWORD, SETUP, Cast, logged_in


def _rows(html: str) -> list[list[str]]:
    """The members table as text: one list of cells per row, without the forms' column."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows.append(cells[:5])
    return rows


def test_the_owner_sees_the_staff_with_role_labels_and_last_logins(cast: Cast) -> None:
    with time_machine.travel(datetime(2026, 7, 1, 13, 5, tzinfo=UTC), tick=False):
        Client().post("/accounts/login/", {"email": "carol@example.com", "password": PASSWORD})
    response = logged_in(cast.owner.user).get("/staff/")
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    # Alice's own login here (logged_in) is today's; Carol logged in on 1 July at 09:05 Boston.
    assert [row[:4] for row in rows] == [
        ["Alice Owner", "alice@example.com", "Owner", "Active"],
        ["Carol Desk", "carol@example.com", "Front desk", "Active"],
        ["Dr Bob Prescriber", "bob@example.com", "Prescriber", "Active"],
        ["Nina Nurse", "nina@example.com", "Nurse", "Active"],
    ]
    assert [row[4] for row in rows[1:]] == ["2026-07-01 09:05 EDT", "Never", "Never"]
    # Patients' portal logins are not staff.
    assert "dan@example.com" not in response.content.decode()


def test_an_owner_makes_the_nurse_a_prescriber(cast: Cast) -> None:
    nurse = logged_in(cast.nurse.user)
    assert nurse.get(f"/patients/{cast.dan.pk}/plans/new/").status_code == 403
    owner = logged_in(cast.owner.user)
    response = owner.post(f"/staff/{cast.nurse.pk}/role/", {f"m{cast.nurse.pk}-role": "prescriber"})
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    assert Membership.objects.get(pk=cast.nurse.pk).role == "prescriber"
    event = AuditEvent.objects.get(action="membership.role_change")
    assert (event.actor_id, event.target_id, event.changes, event.data) == (
        cast.owner.user.pk,
        str(cast.nurse.pk),
        {"role": ["nurse", "prescriber"]},
        {"for_user": "nina@example.com"},
    )
    # Her next request already has the prescriber's rights.
    assert nurse.get(f"/patients/{cast.dan.pk}/plans/new/").status_code == 200
    page = owner.get("/staff/").content.decode()
    assert "Nina Nurse is now Prescriber." in page


def test_the_only_active_owner_cannot_be_made_a_nurse(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    response = owner.post(f"/staff/{cast.owner.pk}/role/", {f"m{cast.owner.pk}-role": "nurse"})
    assert response.status_code == 409
    assert (
        "Alice Owner is the clinic&#x27;s only active owner: make another member an owner first."
        in response.content.decode()
    )
    assert Membership.objects.get(pk=cast.owner.pk).role == "owner"
    assert AuditEvent.objects.filter(action="membership.role_change").count() == 0
    refused = AuditEvent.objects.get(action="write.refused")
    assert refused.data["attempted"] == "membership.role_change"


def test_the_only_active_owner_cannot_be_deactivated(cast: Cast) -> None:
    response = logged_in(cast.owner.user).post(f"/staff/{cast.owner.pk}/deactivate/")
    assert response.status_code == 409
    assert Membership.objects.get(pk=cast.owner.pk).is_active is True
    assert AuditEvent.objects.filter(action="membership.deactivate").count() == 0


def test_with_a_second_owner_the_first_can_step_down(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    owner.post(f"/staff/{cast.prescriber.pk}/role/", {f"m{cast.prescriber.pk}-role": "owner"})
    response = owner.post(f"/staff/{cast.owner.pk}/role/", {f"m{cast.owner.pk}-role": "nurse"})
    assert response.status_code == 302
    assert sorted(
        Membership.objects.filter(clinic=cast.clinic, role__in=["owner", "nurse"]).values_list(
            "user__email", "role"
        )
    ) == [
        ("alice@example.com", "nurse"),
        ("bob@example.com", "owner"),
        ("nina@example.com", "nurse"),
    ]
    # Alice, now a nurse, no longer manages staff.
    assert owner.get("/staff/").status_code == 403


def test_a_deactivated_member_cannot_use_the_clinic_and_their_token_stops_working(
    cast: Cast, client: Client
) -> None:
    token = accounts.token_create(SETUP, membership=cast.nurse, name="tablet")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/patients", **headers).status_code == 200
    session = logged_in(cast.nurse.user)
    response = logged_in(cast.owner.user).post(f"/staff/{cast.nurse.pk}/deactivate/")
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    assert client.get("/api/v1/patients", **headers).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    # Her open session and a new login both find no clinic.
    assert session.get("/patients/").status_code == 403
    fresh = Client()
    fresh.post("/accounts/login/", {"email": "nina@example.com", "password": PASSWORD})
    assert fresh.get("/").status_code == 403
    event = AuditEvent.objects.get(action="membership.deactivate")
    assert (event.changes, event.data) == (
        {"is_active": [True, False]},
        {"for_user": "nina@example.com", "role": "nurse", "tokens_revoked": 1},
    )


def test_a_reactivated_member_gets_the_clinic_back_but_not_the_old_tokens(
    cast: Cast, client: Client
) -> None:
    token = accounts.token_create(SETUP, membership=cast.nurse, name="tablet")
    owner = logged_in(cast.owner.user)
    owner.post(f"/staff/{cast.nurse.pk}/deactivate/")
    response = owner.post(f"/staff/{cast.nurse.pk}/reactivate/")
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    assert logged_in(cast.nurse.user).get("/patients/").status_code == 200
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert list(
        AuditEvent.objects.filter(action__startswith="membership.")
        .exclude(action="membership.create")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["membership.deactivate", "membership.reactivate"]


def test_another_clinics_member_is_not_found(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    response = owner.post(f"/staff/{cast.outsider.pk}/deactivate/")
    assert response.status_code == 404
    assert Membership.objects.get(pk=cast.outsider.pk).is_active is True


def test_the_clinic_user_and_membership_services_audit_themselves(db: None) -> None:
    clinic = accounts.clinic_create(
        SETUP, slug="harbor", name="Harbor", time_zone="America/New_York", city="Boston"
    )
    user = accounts.user_create(SETUP, email="Olga@Example.com", full_name="Olga", password=None)
    membership = accounts.membership_create(SETUP, user=user, clinic=clinic, role=Role.OWNER)
    site = Site.objects.get()
    assert list(
        AuditEvent.objects.order_by("id").values_list("action", "target_type", "target_id")
    ) == [
        ("clinic.create", "Clinic", str(clinic.pk)),
        ("site.create", "Site", str(site.pk)),
        ("user.create", "User", str(user.pk)),
        ("membership.create", "Membership", str(membership.pk)),
    ]
    assert AuditEvent.objects.get(action="membership.create").data == {
        "for_user": "olga@example.com",
        "role": "owner",
    }
    assert Clinic.objects.get().settings_versions.get().number == 1
