"""Commands that run the clinic: serve, migrate, seed, audit verify, token create, manage."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ketacare.cli import CommandError

DEFAULT_SETTINGS = "ketacare.config.settings.base"

# The access log names the path (``%(U)s``), never the query string or the referrer: searches
# put names, MRNs and birth dates there. The request id ties a line to its audit events.
ACCESS_LOG_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %({x-request-id}o)s'
)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="serve the clinic over HTTP (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument(
        "--with-worker",
        action="store_true",
        help="also run `ketacare worker` (background jobs); stopping one stops both",
    )
    serve.set_defaults(handler=_serve)

    migrate = subparsers.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(handler=_migrate)

    seed = subparsers.add_parser("seed", help="create the deterministic demo clinic")
    seed.add_argument("--json", action="store_true", help="print the demo logins as JSON")
    seed.set_defaults(handler=_seed)

    audit = subparsers.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser(
        "verify", help="check every audit hash chain (one per clinic); exit 1 if one is broken"
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_audit_verify)

    token = subparsers.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="print a new API bearer token for a user")
    create.add_argument("--user", required=True, metavar="EMAIL")
    create.add_argument("--clinic", metavar="SLUG", help="needed when the user has several")
    create.add_argument("--name", default="command line")
    create.add_argument("--days", type=int, default=90, help="lifetime in days (1-365)")
    create.set_defaults(handler=_token_create)

    manage = subparsers.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=_manage)


def _manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ketacare manage", *args.args])
    return 0


def _migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def _seed(args: argparse.Namespace) -> int:
    setup_django()
    from ketacare.demo.seed import DEMO_PASSWORD, SeedRefused, seed_demo

    try:
        result = seed_demo()
    except SeedRefused as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps({"password": DEMO_PASSWORD, "logins": result.logins}, indent=2))
        return 0
    state = "created" if result.created else "already present"
    print(f"Demo clinic {result.clinic_name!r} {state}: {result.patient_count} patients.")
    print(f"Demo logins (password {DEMO_PASSWORD!r} for all):")
    for email, role in result.logins:
        print(f"  {email:38} {role}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.with_worker:
        from ketacare.jobs.supervisor import serve_with_worker

        serve_args = ["--host", args.host, "--port", str(args.port)]
        serve_args += ["--workers", str(args.workers), "--threads", str(args.threads)]
        return serve_with_worker(serve_args)
    setup_django()
    from gunicorn.app.base import BaseApplication

    from ketacare.config.wsgi import application

    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "timeout": 60,
        "graceful_timeout": 10,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    print(f"ketacare is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    Server().run()
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    setup_django()
    from ketacare.accounts.models import Clinic
    from ketacare.audit.services import ChainReport, verify_chain

    verification = verify_chain()
    slugs: dict[int | None, str] = dict(Clinic.objects.values_list("pk", "slug"))

    def name(report: ChainReport) -> str:
        if report.kind == "legacy":
            return "legacy chain (before per-clinic chains)"
        if report.kind == "installation":
            return "installation chain"
        return f"clinic {report.clinic_id} ({slugs.get(report.clinic_id, 'unknown clinic')})"

    if args.json:
        first = verification.broken[0].problem if verification.broken else None
        print(
            json.dumps(
                {
                    "ok": verification.ok,
                    "checked": verification.checked,
                    "first_bad_row": first.event_id if first else None,
                    "message": first.message if first else None,
                    "chains": [
                        {
                            "chain": report.kind,
                            "clinic_id": report.clinic_id,
                            "clinic": slugs.get(report.clinic_id) if report.clinic_id else None,
                            "ok": report.ok,
                            "checked": report.checked,
                            "first_bad_row": report.problem.event_id if report.problem else None,
                            "first_bad_place": report.problem.row if report.problem else None,
                            "message": report.problem.message if report.problem else None,
                            "head_row": report.head_row,
                            "head_hash": report.head_hash,
                        }
                        for report in verification.chains
                    ],
                }
            )
        )
        return 0 if verification.ok else 1
    for report in verification.chains:
        if report.problem is None:
            print(f"{name(report)}: holds, {report.checked} events checked")
        else:
            print(
                f"audit chain of {name(report)} broken at row {report.problem.row} "
                f"(event #{report.problem.event_id}): {report.problem.message}",
                file=sys.stderr,
            )
    if verification.ok:
        print(
            f"audit chains hold: {verification.checked} events checked in "
            f"{len(verification.chains)} chains"
        )
    return 0 if verification.ok else 1


def _token_create(args: argparse.Namespace) -> int:
    setup_django()
    from ketacare.accounts.actor import system_actor
    from ketacare.accounts.models import Membership, normalize_email
    from ketacare.accounts.services import token_create

    if not 1 <= args.days <= 365:
        raise CommandError(f"--days must be between 1 and 365, got {args.days}")
    memberships = Membership.objects.select_related("user", "clinic").filter(
        user__email=normalize_email(args.user), is_active=True, user__is_active=True
    )
    if args.clinic:
        memberships = memberships.filter(clinic__slug=args.clinic)
    found = list(memberships)
    if not found:
        raise CommandError(
            f"--user: no active user {args.user!r}"
            + (f" in clinic {args.clinic!r}" if args.clinic else "")
        )
    if len(found) > 1:
        slugs = ", ".join(m.clinic.slug for m in found)
        raise CommandError(f"--clinic is needed: {args.user} belongs to {slugs}")
    print(
        token_create(
            system_actor("ketacare token create"),
            membership=found[0],
            name=args.name,
            lifetime_days=args.days,
        )
    )
    return 0
