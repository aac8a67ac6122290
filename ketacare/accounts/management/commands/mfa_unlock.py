"""``ketacare manage mfa_unlock EMAIL``: lift the lock on a user's second factor.

After ``KETACARE_MFA_MAX_FAILURES`` wrong codes in a row the lock does not lift by itself: only
someone who knows the password gets to the code, so change the password first
(``ketacare manage changepassword EMAIL``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts.actor import system_actor
from ketacare.accounts.models import User, normalize_email
from ketacare.accounts.services import mfa_unlock


class Command(BaseCommand):
    help = "Lift the lock that wrong second-factor codes put on a user's account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalize_email(options["email"])
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"no user {email!r}")
        cleared = mfa_unlock(system_actor("ketacare manage mfa_unlock"), user)
        self.stdout.write(f"Second factor of {email} unlocked ({cleared} wrong attempts cleared).")
