"""The API keeps the contract its OpenAPI document states, under Schemathesis fuzzing.

Every operation of ``/api/v1/openapi.json`` is called on the live test server with valid and
invalid data (a fixed seed, a bounded number of examples), as a nurse and as a prescriber, with
the path ids of real records of the cast (Dan's chart rows, a draft plan, an open alert). It must
find no 5xx, no answer that violates the documented schema, media type or headers, no status
the document does not list, and no accepted request that the document calls invalid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.test_openapi_snapshot import OPERATIONS
from tests.live import LiveClinic, api, clinic_server

EXAMPLES_PER_OPERATION = 25
SEED = 20261201
#: Statuses that reject a request (what "refused" means for data the document calls invalid).
REFUSALS = ["400", "401", "403", "404", "409", "413", "415", "422"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass(frozen=True)
class Records:
    """Ids of real records of the demo clinic, so the fuzzer reaches the code behind a 404."""

    patient_id: str
    part_id: int
    plan_id: int
    alert_id: int


def _records(clinic: LiveClinic, nurse: str, prescriber: str) -> Records:
    """A patient with an open alert, one of their chart rows and a new draft plan."""
    status, _, alerts = api(clinic, "GET", "/api/v1/alerts", nurse)
    assert status == 200 and alerts, alerts
    alert = alerts[0]
    patient_id = alert["patient_id"]
    status, _, record = api(clinic, "GET", f"/api/v1/patients/{patient_id}", nurse)
    assert status == 200, record
    status, _, plan = api(
        clinic,
        "POST",
        f"/api/v1/patients/{patient_id}/plans",
        prescriber,
        {"protocol": "depression-iv-induction", "override_reason": "contract test"},
    )
    assert status == 201, plan
    return Records(patient_id, record["measurements"][0]["id"], plan["id"], alert["id"])


@dataclass(frozen=True)
class World:
    clinic: LiveClinic
    tokens: dict[str, str]
    records: Records


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with clinic_server(threads=8) as clinic:
        logins = clinic.logins()
        tokens = {role: clinic.token(logins[role.title()]) for role in ("nurse", "prescriber")}
        yield World(clinic, tokens, _records(clinic, tokens["nurse"], tokens["prescriber"]))


def _config(records: Records) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}},
        }
    )


def _path_parameters(operation: Any, records: Records) -> dict[str, Any]:
    known = {
        "patient_id": records.patient_id,
        "part_id": records.part_id,
        "plan_id": records.plan_id,
        "alert_id": records.alert_id,
    }
    return {p.name: known[p.name] for p in operation.path_parameters if p.name in known}


def _failures(operation: Any, mode: GenerationMode, records: Records, token: str) -> list[str]:
    """Run one operation's examples; the failures Schemathesis reports, one line each."""
    found: list[str] = []
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=_path_parameters(operation, records) or None
    )

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(strategy)
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        except FailureGroup as exc:
            summary = f"{operation.label} ({mode}): {_summary(exc)}"
            if not any(f.startswith(summary) for f in found):
                found.append(f"{summary}\n  {case.as_curl_command()}")

    run()
    return found


def _summary(exc: FailureGroup) -> str:
    return "; ".join(
        f"{failure.title}: {failure.message.strip().splitlines()[0] if failure.message else ''}"
        for failure in exc.exceptions
    )


@pytest.mark.parametrize("role", ["nurse", "prescriber"])
def test_every_operation_keeps_its_documented_contract(world: World, role: str) -> None:
    schema = schemathesis.openapi.from_url(
        f"{world.clinic.url}/api/v1/openapi.json", config=_config(world.records)
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for failure in _failures(operation, mode, world.records, world.tokens[role])
    ]
    assert failures == [], "\n".join(failures)
