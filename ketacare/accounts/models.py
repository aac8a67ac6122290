"""Clinics, people who log in, their roles in each clinic, API tokens and second factors."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name (e.g. America/New_York)")


class Clinic(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    # The clinical thresholds live in ClinicSettingsVersion (one row per change, never edited).
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """``ketacare manage createsuperuser``: a user who is an owner of every clinic.

        ketacare has no Django admin and no superuser flag: roles live on memberships, and the
        most anyone may do in a clinic is what its owner does (``services.owner_create``).
        """
        from .actor import system_actor
        from .services import owner_create

        return owner_create(
            system_actor("ketacare manage createsuperuser"),
            email=email,
            password=password,
            full_name=str(extra.pop("full_name", "")),
        )


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively, so they are stored lower-cased."""
    return email.strip().lower()


class User(AbstractBaseUser):
    """A person who logs in. Roles live on Membership, per clinic."""

    # Stored lower-cased (normalize_email), so a plain unique index is case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    PATIENT = "patient", "Patient"


STAFF_ROLES = frozenset({Role.OWNER, Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK})


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="membership_one_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.get_role_display()} at {self.clinic.slug})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for programs. Only a SHA-256 of the secret is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class TotpDevice(models.Model):
    """A TOTP (RFC 6238) second factor; ``last_step`` refuses a replayed code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "not confirmed"
        return f"TOTP for user {self.user_id} ({state})"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the TOTP code (a lost or broken phone).

    Only a salted SHA-256 of the code is stored: the codes are random (40 bits each) and the
    second-factor throttle limits guessing, so a slow password hash would add nothing.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    salt = models.CharField(max_length=32)
    code_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "used" if self.used_at else "unused"
        return f"recovery code of user {self.user_id} ({state})"


class LoginFailure(models.Model):
    """One failed attempt (a password, a second-factor code, a re-entered password), keyed by
    a keyed hash of what it counts against: an email, a user or a client address
    (``throttle``)."""

    class Policy(models.TextChoices):
        # Counted only within the login window: pruned once older (jobs, nightly).
        WINDOW = "window", "Sliding window"
        # Counted until a success clears them: an escalating or permanent lock needs them all.
        LOCK = "lock", "Escalating lock"

    key = models.CharField(max_length=64)
    failed_at = models.DateTimeField(default=timezone.now)
    policy = models.CharField(max_length=8, choices=Policy.choices, default=Policy.LOCK)

    class Meta:
        indexes = [models.Index(fields=["key", "failed_at"])]

    def __str__(self) -> str:
        return f"failed login at {self.failed_at.isoformat()}"


class Invitation(models.Model):
    """An emailed, single-use, expiring invitation to join a clinic in a staff role.

    Only a SHA-256 of the token is stored (the link carries the token); a newer invitation
    to the same email replaces an unused one (``revoked_at``).
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_by_label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "email"])]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.clinic_id} as {self.role}"

    @property
    def is_open(self) -> bool:
        """Neither accepted, nor revoked, nor expired."""
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ClinicSettingsVersion(models.Model):
    """One version of a clinic's clinical settings: the overrides of the clinical core's
    defaults, why they changed, who changed them and when. Never edited: a change is a new
    version (``number`` + 1); screenings and plans keep the version they ran under."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="settings_versions")
    number = models.PositiveIntegerField()
    overrides = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "number"], name="clinic_settings_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"settings version {self.number} of clinic {self.clinic_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("a settings version is never edited: create the next one")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a settings version is never deleted")


class Site(models.Model):
    """A location of a clinic (scheduling and billing will book and bill by site)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    #: The site's phone: the Spravato REMS form gives it as the monitoring provider's number.
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="site_name_unique_in_clinic")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address(self) -> str:
        """The address on one line, as people write it."""
        place = " ".join(p for p in (self.region, self.postal_code) if p)
        return ", ".join(p for p in (self.address_line, self.city, place) if p)
