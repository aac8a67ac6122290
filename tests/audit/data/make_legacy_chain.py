"""Write ``legacy_chain.json``: audit rows exactly as ketacare wrote them before per-clinic
chains (one installation-wide chain, gapless ids), for the migration test to load.

Run with the code of that time first on the path, e.g. from the repository root::

    git archive 89ae4d0 | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before python tests/audit/data/make_legacy_chain.py 89ae4d0

It builds a scratch SQLite database, makes two clinics, an owner of both, a patient with a
non-ASCII name, an edit, a measurement (decimals), an API token and a failed login of an
unknown email (no clinic), through the services of that time, and dumps the audit rows.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

KEY = "legacy-fixture-audit-key"
OUT = Path(__file__).with_name("legacy_chain.json")


def main() -> None:
    work = tempfile.mkdtemp(prefix="ketacare-legacy-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ketacare.config.settings.base",
            "KETACARE_VAR_DIR": work,
            "DATABASE_URL": "",
            "KETACARE_AUDIT_KEY": KEY,
        }
    )
    import django

    django.setup()
    import ketacare

    assert not Path(ketacare.__file__).is_relative_to(Path(__file__).parents[3]), (
        "put the code from before per-clinic chains first on PYTHONPATH"
    )
    from django.core.management import call_command
    from django.core.serializers.json import DjangoJSONEncoder

    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for, system_actor
    from ketacare.accounts.models import Membership, Role
    from ketacare.audit.models import AuditEvent
    from ketacare.audit.services import verify_chain
    from ketacare.patients import services as patients

    call_command("migrate", verbosity=0)
    cli = system_actor("ketacare manage createclinic")
    harbor = accounts.clinic_register(
        cli, slug="harbor", name="Harbor Clinic", time_zone="America/New_York"
    )
    accounts.clinic_register(cli, slug="lakeside", name="Lakeside", time_zone="America/Chicago")
    accounts.owner_create(
        system_actor("ketacare manage createsuperuser"),
        email="olga@example.com",
        full_name="Olga Ówner",
        password="lantern orchard quietly 1987",
    )
    owner = Membership.objects.get(user__email="olga@example.com", clinic=harbor)
    desk = accounts.membership_create(
        user=accounts.user_create(email="carol@example.com", full_name="Carol", password=None),
        clinic=harbor,
        role=Role.FRONT_DESK,
    )
    patient = patients.patient_create(
        actor_for(desk),
        data={
            "mrn": "H-1",
            "given_name": "Zoë",
            "family_name": "Ðorđević",
            "date_of_birth": date(1991, 11, 3),
            "sex_at_birth": "female",
        },
    ).obj
    patients.patient_update(
        actor_for(desk), patient.pk, data={"phone": "+1 617 555 0101"}, expected_version=1
    )
    patients.part_create(
        actor_for(owner),
        patient.pk,
        "measurements",
        data={"measured_on": date(2026, 1, 5), "weight_kg": Decimal("61.5")},
    )
    accounts.token_create(system_actor("ketacare token create"), membership=owner, name="sync")
    accounts.login_check("nobody@example.com", "wrong", ip="203.0.113.7", request_id="r-1")
    checked, problem = verify_chain()
    assert problem is None and checked == AuditEvent.objects.count(), (checked, problem)
    rows = list(AuditEvent.objects.order_by("id").values())
    for row in rows:
        # Full microseconds (DjangoJSONEncoder keeps milliseconds only): the hash covers them.
        row["occurred_at"] = row["occurred_at"].isoformat()
    OUT.write_text(
        json.dumps(
            {
                "written_by": f"ketacare {sys.argv[1]} (before per-clinic chains)",
                "audit_key": KEY,
                "rows": rows,
            },
            cls=DjangoJSONEncoder,
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )
    sys.stderr.write(f"{len(rows)} rows -> {OUT}\n")


if __name__ == "__main__":
    main()
