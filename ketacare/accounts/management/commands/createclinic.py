"""``ketacare manage createclinic SLUG NAME --time-zone ZONE``: a clinic, before its first owner
(``ketacare manage createsuperuser`` makes an owner of every clinic)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts.actor import system_actor
from ketacare.accounts.services import clinic_register
from ketacare.lib.errors import FieldErrors


class Command(BaseCommand):
    help = "Create a clinic (then `createsuperuser` makes its owner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="short name for URLs and commands, e.g. harbor")
        parser.add_argument("name", help='the name people see, e.g. "Harbor Ketamine Clinic"')
        parser.add_argument(
            "--time-zone", required=True, help="IANA time zone, e.g. America/New_York"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            clinic = clinic_register(
                system_actor("ketacare manage createclinic"),
                slug=options["slug"],
                name=options["name"],
                time_zone=options["time_zone"],
            )
        except FieldErrors as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Clinic {clinic.name!r} ({clinic.slug}) created.")
