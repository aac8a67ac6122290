"""Setting a clinic up without the demo: ``ketacare clinic create`` and ``ketacare staff invite``.

Both act as the command line (``system: ketacare ...`` in the audit log) and call the same
services as the owner's pages.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ketacare.cli import CommandError

_ROLES = ("owner", "prescriber", "nurse", "front_desk")


def register(subparsers: Any) -> None:
    clinic = subparsers.add_parser("clinic", help="clinics")
    clinic_sub = clinic.add_subparsers(dest="clinic_command", required=True, metavar="ACTION")
    create = clinic_sub.add_parser(
        "create",
        help="create a clinic (settings version 1 and its first site at its address)",
        description="Create a clinic with the clinical core's default settings (version 1) "
        "and a first site at the clinic's address. Then invite its owner: "
        "`ketacare staff invite --clinic SLUG --email EMAIL --role owner`.",
    )
    create.add_argument("--slug", required=True, help="short name for URLs and commands: harbor")
    create.add_argument("--name", required=True, help='the name people see: "Harbor Clinic"')
    create.add_argument("--time-zone", required=True, help="IANA time zone, e.g. America/New_York")
    create.add_argument("--address-line", default="", help="street and number")
    create.add_argument("--city", default="")
    create.add_argument("--region", default="", help="state or region, e.g. MA")
    create.add_argument("--postal-code", default="")
    create.add_argument("--country", default="US", help="ISO 3166-1 two-letter code (US)")
    create.add_argument("--site-name", default="", help="the first site's name (the clinic's)")
    create.add_argument("--json", action="store_true", help="print the clinic as JSON")
    create.set_defaults(handler=_clinic_create)

    staff = subparsers.add_parser("staff", help="a clinic's staff")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    invite = staff_sub.add_parser(
        "invite",
        help="email someone a single-use link to join a clinic in a role",
        description="Email a single-use invitation link (valid KETACARE_INVITATION_DAYS, 7 "
        "days). Opening it, the person sets their name and password; someone who already has "
        "an account logs in and accepts.",
    )
    invite.add_argument("--clinic", required=True, metavar="SLUG")
    invite.add_argument("--email", required=True)
    invite.add_argument(
        "--role",
        required=True,
        choices=_ROLES,
        help="owner, prescriber, nurse or front_desk (Front desk)",
    )
    invite.add_argument("--json", action="store_true")
    invite.set_defaults(handler=_staff_invite)


def _refused(exc: Any) -> CommandError:
    """A service's FieldErrors as one line naming each option."""
    parts = [
        f"--{name.replace('_', '-')}: {message}" if name != "__all__" else message
        for name, message in exc.errors.items()
    ]
    return CommandError("; ".join(parts))


def _clinic_create(args: argparse.Namespace) -> int:
    from ketacare.cli.server import setup_django

    setup_django()
    from ketacare.accounts.actor import system_actor
    from ketacare.accounts.services import clinic_create
    from ketacare.lib.errors import FieldErrors

    try:
        clinic = clinic_create(
            system_actor("ketacare clinic create"),
            slug=args.slug,
            name=args.name,
            time_zone=args.time_zone,
            address_line=args.address_line,
            city=args.city,
            region=args.region,
            postal_code=args.postal_code,
            country=args.country,
            site_name=args.site_name,
        )
    except FieldErrors as exc:
        raise _refused(exc) from None
    site = clinic.sites.get()
    if args.json:
        print(
            json.dumps(
                {
                    "id": clinic.pk,
                    "slug": clinic.slug,
                    "name": clinic.name,
                    "time_zone": clinic.time_zone,
                    "settings_version": 1,
                    "site": {"id": site.pk, "name": site.name},
                }
            )
        )
        return 0
    print(f"Clinic {clinic.name!r} ({clinic.slug}, {clinic.time_zone}) created, with its site")
    print(f"{site.name!r} and the default clinical settings (version 1). Invite its owner:")
    print(f"  ketacare staff invite --clinic {clinic.slug} --email EMAIL --role owner")
    return 0


def _staff_invite(args: argparse.Namespace) -> int:
    from ketacare.cli.server import setup_django

    setup_django()
    from django.conf import settings

    from ketacare.accounts.actor import system_actor
    from ketacare.accounts.invitations import invite_from_command_line
    from ketacare.accounts.models import Role
    from ketacare.lib.errors import FieldErrors

    try:
        invitation = invite_from_command_line(
            system_actor("ketacare staff invite"),
            clinic_slug=args.clinic,
            email=args.email,
            role=args.role,
        )
    except FieldErrors as exc:
        raise _refused(exc) from None
    expires = invitation.expires_at.astimezone(invitation.clinic.tz)
    if args.json:
        print(
            json.dumps(
                {
                    "id": invitation.pk,
                    "clinic": invitation.clinic.slug,
                    "email": invitation.email,
                    "role": invitation.role,
                    "expires_at": invitation.expires_at.isoformat(),
                }
            )
        )
        return 0
    print(
        f"Invitation emailed to {invitation.email} to join {invitation.clinic.name} as "
        f"{Role(invitation.role).label}; the link works once, until "
        f"{expires:%Y-%m-%d %H:%M %Z} ({settings.KETACARE_INVITATION_DAYS} days)."
    )
    return 0
