"""Two clinics' audit chains written at once by a real server (2 gunicorn workers x 4 threads)
on the suite's engine stay gapless and verify, each on its own: on PostgreSQL each chain has
its own lock, on SQLite the write lock serialises every writer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ketacare.demo.seed import CLINIC_SLUG
from tests.live import LiveClinic, api, clinic_server

LAKESIDE = "demo-lakeside"
THREADS = 8
REQUESTS_PER_THREAD = 25


@pytest.fixture(scope="module")
def clinic() -> Iterator[LiveClinic]:
    with clinic_server(workers=2, threads=4) as live:
        yield live


def _chains(live: LiveClinic) -> dict[str | None, dict[str, Any]]:
    answer = json.loads(live.cli("audit", "verify", "--json"))
    assert answer["ok"] is True
    return {chain["clinic"]: chain for chain in answer["chains"]}


def test_concurrent_audited_reads_of_two_clinics_leave_two_gapless_chains(
    clinic: LiveClinic,
) -> None:
    owner = clinic.logins()["Owner"]
    tokens = {
        slug: clinic.cli("token", "create", "--user", owner, "--clinic", slug).strip()
        for slug in (CLINIC_SLUG, LAKESIDE)
    }
    before = _chains(clinic)

    def search(thread: int) -> list[int]:
        # Half the threads search in each clinic; every search is an audited read.
        token = tokens[CLINIC_SLUG if thread % 2 else LAKESIDE]
        return [
            api(clinic, "GET", "/api/v1/patients?q=zz", token)[0]
            for _ in range(REQUESTS_PER_THREAD)
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [status for answers in pool.map(search, range(THREADS)) for status in answers]
    assert statuses == [200] * THREADS * REQUESTS_PER_THREAD
    after = _chains(clinic)
    searches = THREADS // 2 * REQUESTS_PER_THREAD
    for slug in (CLINIC_SLUG, LAKESIDE):
        assert after[slug]["checked"] == before[slug]["checked"] + searches
        assert after[slug]["head_row"] == after[slug]["checked"]
    assert set(after) == set(before)
