"""The in-process half of the scheduling benchmark: ``free_slots`` over the month and
``queries.site_day`` called directly, and the day page and /healthz through Django's test
client, round-robin in one process on the database ``bench/scheduling_seed.py`` built.

Run as ``python bench/scheduling_reads.py IDS_JSON ROUNDS WARMUP``; prints each case's
samples (ms) and what the reads found, as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any


def main(ids: dict[str, Any], rounds: int, warmup: int) -> None:
    import django

    django.setup()
    from django.test import Client

    from ketacare.accounts.actor import actor_for
    from ketacare.accounts.models import Membership, Site
    from ketacare.scheduling.availability import free_slots
    from ketacare.scheduling.queries import site_day

    desk = Membership.objects.select_related("user", "clinic").get(user__email=ids["front_desk"])
    actor = actor_for(desk)
    site = Site.objects.get(pk=ids["site"])
    first, last, day = (date.fromisoformat(ids[k]) for k in ("first", "last", "day"))
    client = Client()
    signed_in = client.post(
        "/accounts/login/", {"email": ids["front_desk"], "password": ids["password"]}
    )
    assert signed_in.status_code == 302, signed_in.status_code
    page = f"/schedule/?site={site.pk}&date={day.isoformat()}"
    found: dict[str, int] = {}

    def slots() -> None:
        found["free_slots"] = len(
            free_slots(
                actor,
                service_id=ids["service"],
                patient_id=ids["patient"],
                first=first,
                last=last,
                site_id=site.pk,
            )
        )

    def the_day() -> None:
        found["site_day_appointments"] = len(site_day(actor, site, day).appointments)

    def get(path: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")

        return call

    cases: dict[str, Callable[[], None]] = {
        "healthz_test_client": get("/healthz"),
        "free_slots_month": slots,
        "site_day": the_day,
        "schedule_page_test_client": get(page),
    }
    for call in cases.values():
        for _ in range(warmup):
            call()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, call in cases.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1000)
    print(json.dumps({"samples": samples, "found": found}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
