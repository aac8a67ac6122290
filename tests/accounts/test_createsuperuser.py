"""`ketacare manage createsuperuser` makes an owner of every clinic (there is no Django admin
and no superuser flag); `ketacare clinic create` makes the clinic a fresh install needs
first."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ketacare.accounts.models import Clinic, Membership, User
from ketacare.audit.models import AuditEvent
from ketacare.cli import main
from tests.conftest import Cast

STRONG = "lantern orchard quietly 1987"


def _createsuperuser(email: str, monkeypatch: pytest.MonkeyPatch, password: str = STRONG) -> str:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    out = io.StringIO()
    call_command(
        "createsuperuser", interactive=False, email=email, full_name="Olga Owner", stdout=out
    )
    return out.getvalue()


def test_it_makes_an_owner_of_every_clinic(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _createsuperuser("Olga.Owner@Example.com", monkeypatch) == (
        "Superuser created successfully.\n"
    )
    user = User.objects.get(email="olga.owner@example.com")
    assert (user.full_name, user.is_active) == ("Olga Owner", True)
    assert sorted(
        Membership.objects.filter(user=user).values_list("clinic__slug", "role", "is_active")
    ) == [("harbor", "owner", True), ("lakeside", "owner", True)]
    events = AuditEvent.objects.filter(action="auth.owner_created").order_by("id")
    assert [(e.clinic_id, e.actor_label) for e in events] == [
        (cast.clinic.pk, "system: ketacare manage createsuperuser"),
        (cast.other_clinic.pk, "system: ketacare manage createsuperuser"),
    ]
    # The new owner logs in and reads the audit log, which only an owner may.
    client = Client()
    client.post("/accounts/login/", {"email": "olga.owner@example.com", "password": STRONG})
    assert client.get("/audit/").status_code == 200


def test_without_a_clinic_it_is_refused_naming_clinic_create(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError) as refused:
        _createsuperuser("olga@example.com", monkeypatch)
    assert str(refused.value) == (
        "there is no clinic yet, and an owner is the owner of a clinic: create it first "
        "(ketacare clinic create --slug SLUG --name NAME --time-zone ZONE), then run "
        "createsuperuser again"
    )
    assert User.objects.count() == 0


def test_a_weak_password_is_refused(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError) as refused:
        _createsuperuser("olga@example.com", monkeypatch, password="password")
    assert str(refused.value) == (
        "This password is too short. It must contain at least 12 characters.; "
        "This password is too common."
    )
    assert User.objects.filter(email="olga@example.com").count() == 0
    assert AuditEvent.objects.filter(action="auth.owner_created").count() == 0


def test_an_email_that_has_an_account_is_refused_in_any_case(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError) as refused:
        _createsuperuser("NINA@example.com", monkeypatch)
    assert str(refused.value) == "nina@example.com already has an account"
    assert Membership.objects.filter(user=cast.nurse.user).count() == 1


def test_without_a_password_it_is_refused(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError) as refused:
        call_command(
            "createsuperuser",
            interactive=False,
            email="olga@example.com",
            full_name="Olga Owner",
            stdout=io.StringIO(),
        )
    assert str(refused.value) == (
        "an owner needs a password: set DJANGO_SUPERUSER_PASSWORD when using --noinput"
    )
    assert User.objects.filter(email="olga@example.com").count() == 0


def test_a_fresh_install_gets_its_clinic_then_its_owner(
    db: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["clinic", "create", "--slug", "harbor", "--name", "Harbor Ketamine Clinic"]
    assert main([*argv, "--time-zone", "America/New_York"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Clinic 'Harbor Ketamine Clinic' (harbor, America/New_York) created, with its site"
    )
    clinic = Clinic.objects.get()
    assert (clinic.slug, clinic.time_zone) == ("harbor", "America/New_York")
    assert AuditEvent.objects.get(action="clinic.create").data == {
        "slug": "harbor",
        "time_zone": "America/New_York",
        "settings_version": 1,
    }
    _createsuperuser("olga@example.com", monkeypatch)
    assert list(Membership.objects.values_list("clinic__slug", "role")) == [("harbor", "owner")]


def test_clinic_create_refuses_a_time_zone_that_does_not_exist(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["clinic", "create", "--slug", "harbor", "--name", "Harbor"]
    assert main([*argv, "--time-zone", "Mars/Olympus_Mons"]) == 2
    assert capsys.readouterr().err == (
        "ketacare clinic: --time-zone: 'Mars/Olympus_Mons' is not an IANA time zone name "
        "(e.g. America/New_York)\n"
    )
    assert Clinic.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_clinic_create_refuses_a_slug_that_is_taken(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["clinic", "create", "--slug", "harbor", "--name", "Harbor Two"]
    assert main([*argv, "--time-zone", "America/New_York"]) == 2
    assert (
        capsys.readouterr().err == "ketacare clinic: --slug: there is already a clinic 'harbor'\n"
    )
    assert list(Clinic.objects.order_by("slug").values_list("name", flat=True)) == [
        "Harbor Ketamine Clinic",
        "Lakeside Clinic",
    ]
