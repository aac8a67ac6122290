"""One process of the audit chain benchmark, run with the code under test first on PYTHONPATH
(the code before per-clinic chains, or the current one) and DATABASE_URL set.

    audit_chain_worker.py setup              migrate; 2 clinics, 2 nurses and 2 patients each
    audit_chain_worker.py load CASE MEMBERSHIP PATIENT SECONDS
                                             warm up, say "ready", wait for "go", then run
                                             audited writes for SECONDS; print the latencies
    audit_chain_worker.py verify             verify the audit chain(s)

Both versions have the same services (``clinic_create``, ``patient_update``, ``audit.record``);
``verify`` reads the result of either ``verify_chain``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.config.settings.base")

WARMUP = 20


def _out(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def setup() -> None:
    from django.core.management import call_command

    from ketacare.accounts import services as accounts
    from ketacare.accounts.actor import actor_for
    from ketacare.accounts.models import Role
    from ketacare.patients import services as patients

    call_command("migrate", verbosity=0)
    clients = []
    for c, slug in enumerate(("north", "south")):
        clinic = accounts.clinic_create(slug=slug, name=f"{slug} clinic", time_zone="UTC")
        for n in range(2):
            user = accounts.user_create(
                email=f"nurse{n}@{slug}.example", full_name=f"Nurse {n}", password=None
            )
            nurse = accounts.membership_create(user=user, clinic=clinic, role=Role.NURSE)
            patient = patients.patient_create(
                actor_for(nurse),
                data={
                    "given_name": f"Bench{c}{n}",
                    "family_name": "Chain",
                    "date_of_birth": date(1980, 1, 1 + n),
                    "sex_at_birth": "unknown",
                },
            ).obj
            clients.append({"clinic": slug, "membership": nurse.pk, "patient": str(patient.pk)})
    _out(clients)


def load(case: str, membership_id: int, patient_id: str, seconds: float) -> None:
    from django.db import transaction

    from ketacare.accounts.actor import actor_for
    from ketacare.accounts.models import Membership
    from ketacare.audit import services as audit
    from ketacare.patients import services as patients
    from ketacare.patients.models import Patient

    membership = Membership.objects.select_related("user", "clinic").get(pk=membership_id)
    version = Patient.objects.get(pk=patient_id).version
    n = 0

    def patient_edit() -> None:
        nonlocal version, n
        n += 1
        saved = patients.patient_update(
            actor_for(membership),
            patient_id,
            data={"phone": f"+1 617 555 {n % 10000:04d}"},
            expected_version=version,
        )
        version = saved.obj.version

    def record() -> None:
        with transaction.atomic():
            audit.record(actor_for(membership), "patient.read", patient_id=patient_id)

    write = {"patient_edit": patient_edit, "record": record}[case]
    for _ in range(WARMUP):
        write()
    import ketacare

    _out({"ready": True, "ketacare": os.path.dirname(ketacare.__file__)})
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("expected go")
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        begin = time.perf_counter()
        if begin >= deadline:
            break
        write()
        latencies.append((time.perf_counter() - begin) * 1000)
    _out({"seconds": time.perf_counter() - started, "latencies_ms": latencies})


def verify() -> None:
    from ketacare.audit.models import AuditEvent
    from ketacare.audit.services import verify_chain

    result: Any = verify_chain()
    if isinstance(result, tuple):  # before per-clinic chains: (checked, problem)
        checked, problem = result
        _out({"ok": problem is None, "checked": checked, "chains": 1})
        return
    _out(
        {
            "ok": result.ok,
            "checked": result.checked,
            "chains": len(result.chains),
            "rows": AuditEvent.objects.count(),
        }
    )


def main() -> None:
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "setup":
        setup()
    elif command == "load":
        load(args[0], int(args[1]), args[2], float(args[3]))
    elif command == "verify":
        verify()
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
