"""Inviting staff by email: the link works once, for 7 days, for the email it names, into the
clinic that sent it; accepting creates the user and membership or adds the membership."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts.models import Invitation, Membership, Role, User
from ketacare.audit.models import AuditEvent
from ketacare.cli import main
from tests.accounts.invitations import invite, last_link, open_link, sent, token_of
from tests.conftest import PASSWORD, SETUP, Cast, logged_in

NEW_PASSWORD = "lantern orchard quietly 1987"  # noqa: S105


def _owner_invites(cast: Cast, email: str, role: str) -> Client:
    owner = logged_in(cast.owner.user)
    response = sent(
        lambda: owner.post("/staff/invite/", {"invite-email": email, "invite-role": role})
    )
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    return owner


def _accept_new(client: Client, link: str, name: str = "Hana Hire") -> Client:
    open_link(client, link)
    return client.post(
        "/accounts/invitation/",
        {"full_name": name, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )


def test_an_owner_invites_a_nurse_and_the_email_carries_a_link_that_works_for_7_days(
    cast: Cast,
) -> None:
    _owner_invites(cast, "Hana.Hire@Example.com", "nurse")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert (email.to, email.subject) == (
        ["hana.hire@example.com"],
        "Join Harbor Ketamine Clinic on ketacare",
    )
    assert "Alice Owner invites you to join Harbor Ketamine Clinic on ketacare as Nurse." in (
        email.body
    )
    invitation = Invitation.objects.get()
    assert (invitation.clinic_id, invitation.email, invitation.role) == (
        cast.clinic.pk,
        "hana.hire@example.com",
        "nurse",
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    link = last_link()
    assert link.startswith("http://127.0.0.1:8000/accounts/invitation/?token=")
    # Only the token's SHA-256 is stored.
    token = token_of(link)
    assert invitation.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Invitation.objects.values()))
    event = AuditEvent.objects.get(action="invitation.create")
    assert (event.actor_id, event.clinic_id, event.data["email"], event.data["role"]) == (
        cast.owner.user.pk,
        cast.clinic.pk,
        "hana.hire@example.com",
        "nurse",
    )


def test_opening_the_link_moves_the_token_into_the_session(cast: Cast) -> None:
    _, link = invite("harbor", "hana@example.com", "nurse")
    client = Client()
    response = open_link(client, link)
    assert response.status_code == 200
    assert client.session["kc_invitation_token"] == token_of(link)
    html = response.content.decode()
    assert "You are invited to join Harbor Ketamine Clinic as Nurse" in html
    assert 'name="full_name"' in html and token_of(link) not in html


def test_the_invitee_sets_a_name_and_password_and_joins_as_a_nurse(cast: Cast) -> None:
    _owner_invites(cast, "hana@example.com", "nurse")
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    response = _accept_new(Client(), last_link())
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    user = User.objects.get(email="hana@example.com")
    assert user.full_name == "Hana Hire"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.clinic_id, membership.role, membership.is_active) == (
        cast.clinic.pk,
        "nurse",
        True,
    )
    invitation = Invitation.objects.get()
    assert invitation.accepted_by_id == user.pk
    new = list(
        AuditEvent.objects.filter(id__gt=before)
        .order_by("id")
        .values_list("action", "actor_id", "clinic_id")
    )
    assert new == [
        ("user.create", None, cast.clinic.pk),
        ("membership.create", user.pk, cast.clinic.pk),
        ("invitation.accept", user.pk, cast.clinic.pk),
    ]
    # The new nurse logs in and works in Harbor.
    client = Client()
    client.post("/accounts/login/", {"email": "hana@example.com", "password": NEW_PASSWORD})
    assert client.get("/patients/").status_code == 200


def test_an_accepted_invitation_is_refused_the_second_time(cast: Cast) -> None:
    _, link = invite("harbor", "hana@example.com", "nurse")
    assert _accept_new(Client(), link).status_code == 302
    again = Client()
    path = "/accounts/invitation/"
    again.get(path, {"token": token_of(link)})
    response = again.post(
        path, {"full_name": "Mallory", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "This invitation was already accepted. Log in instead." in response.content.decode()
    assert User.objects.filter(email="hana@example.com").get().full_name == "Hana Hire"
    assert Membership.objects.filter(user__email="hana@example.com").count() == 1


def test_an_expired_invitation_is_refused(cast: Cast) -> None:
    _, link = invite("harbor", "hana@example.com", "nurse")
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        client = Client()
        response = open_link(client, link)
        assert response.status_code == 410
        assert "This invitation has expired. Ask the clinic to invite you again." in (
            response.content.decode()
        )
        posted = client.post(
            f"/accounts/invitation/?token={token_of(link)}",
            {"full_name": "Hana", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert posted.status_code == 410
    assert User.objects.filter(email="hana@example.com").count() == 0


def test_a_link_that_names_no_invitation_is_not_found(cast: Cast) -> None:
    client = Client()
    client.get("/accounts/invitation/", {"token": "not-a-token"})
    response = client.get("/accounts/invitation/")
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


def test_a_newer_invitation_replaces_the_older_link(cast: Cast) -> None:
    first, first_link = invite("harbor", "hana@example.com", "nurse")
    second, second_link = invite("harbor", "hana@example.com", "prescriber")
    assert Invitation.objects.get(pk=first.pk).revoked_at is not None
    assert open_link(Client(), first_link).status_code == 410
    assert _accept_new(Client(), second_link).status_code == 302
    assert Membership.objects.get(user__email="hana@example.com").role == "prescriber"
    assert AuditEvent.objects.filter(action="invitation.create").last().data["replaces"] == [  # type: ignore[union-attr]
        first.pk
    ]


def test_a_withdrawn_invitation_no_longer_works(cast: Cast) -> None:
    invitation, link = invite("harbor", "hana@example.com", "nurse")
    owner = logged_in(cast.owner.user)
    response = owner.post(f"/staff/invitations/{invitation.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    assert open_link(Client(), link).status_code == 410
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1


def test_someone_with_an_account_logs_in_and_the_membership_is_added(cast: Cast) -> None:
    """Nina, a Harbor nurse, is invited to Lakeside as front desk."""
    _, link = invite("lakeside", "NINA@example.com", "front_desk")
    client = Client()
    page = open_link(client, link)
    assert page.status_code == 200
    assert "nina@example.com already has an account." in page.content.decode()
    refused = client.post("/accounts/invitation/")
    assert refused.status_code == 403
    login = client.post(
        "/accounts/login/",
        {"email": "nina@example.com", "password": PASSWORD, "next": "/accounts/invitation/"},
    )
    assert login["Location"] == "/accounts/invitation/"
    assert "Accept and join Lakeside Clinic" in client.get("/accounts/invitation/").content.decode()
    response = client.post("/accounts/invitation/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert sorted(
        Membership.objects.filter(user=cast.nurse.user).values_list("clinic__slug", "role")
    ) == [("harbor", "nurse"), ("lakeside", "front_desk")]
    assert User.objects.filter(email="nina@example.com").count() == 1
    # The session now works in the clinic she joined.
    assert "Elsewhere, Erin" in client.get("/patients/").content.decode()


def test_a_logged_in_user_cannot_accept_an_invitation_for_another_email(cast: Cast) -> None:
    _, link = invite("lakeside", "hana@example.com", "owner")
    client = logged_in(cast.nurse.user)
    response = open_link(client, link)
    assert response.status_code == 403
    assert "This invitation is for hana@example.com, and you are" in response.content.decode()
    assert client.post("/accounts/invitation/").status_code == 403
    assert Membership.objects.filter(clinic=cast.other_clinic, role=Role.OWNER).count() == 0
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_joins_only_the_clinic_that_sent_it(cast: Cast) -> None:
    """Accepting Harbor's invitation gives a Harbor membership; Lakeside's owner can neither
    see nor withdraw it."""
    invitation, link = invite("harbor", "hana@example.com", "nurse")
    lola = accounts.user_create(
        SETUP, email="lola@example.com", full_name="Lola Lakeside", password=PASSWORD
    )
    accounts.membership_create(SETUP, user=lola, clinic=cast.other_clinic, role=Role.OWNER)
    other = logged_in(lola)
    assert "hana@example.com" not in other.get("/staff/").content.decode()
    assert other.post(f"/staff/invitations/{invitation.pk}/revoke/").status_code == 404
    assert _accept_new(Client(), link).status_code == 302
    assert list(
        Membership.objects.filter(user__email="hana@example.com").values_list("clinic__slug")
    ) == [("harbor",)]


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        (
            "NINA@example.com",
            "prescriber",
            "nina@example.com is already a member of Harbor Ketamine Clinic (Nurse).",
        ),
        ("hana@example.com", "patient", "Select a valid choice. patient is not one of the "),
        ("not an email", "nurse", "Enter a valid email address."),
    ],
)
def test_an_invitation_the_staff_page_cannot_send_is_refused_naming_why(
    cast: Cast, email: str, role: str, message: str
) -> None:
    owner = logged_in(cast.owner.user)
    response = sent(
        lambda: owner.post("/staff/invite/", {"invite-email": email, "invite-role": role})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (Invitation.objects.count(), len(mail.outbox)) == (0, 0)


def test_a_deactivated_member_is_reactivated_not_invited(cast: Cast) -> None:
    from ketacare.accounts import staff

    staff.membership_set_active(cast.actor(cast.owner), cast.nurse.pk, active=False)
    owner = logged_in(cast.owner.user)
    response = owner.post(
        "/staff/invite/", {"invite-email": "nina@example.com", "invite-role": "nurse"}
    )
    assert response.status_code == 400
    assert (
        "nina@example.com is a deactivated member of Harbor Ketamine Clinic: reactivate them on "
        "the Staff page instead." in response.content.decode()
    )


def test_ketacare_staff_invite_emails_the_first_owner_of_a_new_clinic(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--name", "Harbor", "--time-zone", "America/New_York", "--city", "Boston"]
    assert main(["clinic", "create", "--slug", "harbor", *argv]) == 0
    capsys.readouterr()
    status = sent(
        lambda: main(
            [
                "staff",
                "invite",
                "--clinic",
                "harbor",
                "--email",
                "olga@example.com",
                "--role",
                "owner",
            ]
        )
    )
    assert status == 0
    out = capsys.readouterr().out
    assert out.startswith("Invitation emailed to olga@example.com to join Harbor as Owner;")
    assert mail.outbox[0].to == ["olga@example.com"]
    assert _accept_new(Client(), last_link(), "Olga Owner").status_code == 302
    assert list(Membership.objects.values_list("user__email", "clinic__slug", "role")) == [
        ("olga@example.com", "harbor", "owner")
    ]
    assert AuditEvent.objects.get(action="invitation.create").actor_label == (
        "system: ketacare staff invite"
    )


def test_ketacare_staff_invite_refuses_an_unknown_clinic(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--clinic", "nowhere", "--email", "olga@example.com", "--role", "owner"]
    assert main(["staff", "invite", *argv]) == 2
    assert capsys.readouterr().err == "ketacare staff: --clinic: there is no clinic 'nowhere'\n"
    assert Invitation.objects.count() == 0


def test_a_weak_password_is_refused_and_the_link_still_works(cast: Cast) -> None:
    _, link = invite("harbor", "hana@example.com", "nurse")
    client = Client()
    open_link(client, link)
    response = client.post(
        "/accounts/invitation/",
        {"full_name": "Hana Hire", "password": "password", "password_again": "password"},
    )
    assert response.status_code == 400
    assert (
        "This password is too short. It must contain at least 12 characters. This password is "
        "too common." in response.content.decode()
    )
    assert User.objects.filter(email="hana@example.com").count() == 0
    assert _accept_new(client, link).status_code == 302
