"""GET and PATCH /api/v1/clinic/settings: values with their metadata and the version; a change
is a new version (409 on a stale version, 422 naming the setting and its range)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from ketacare.accounts import services as accounts
from ketacare.accounts.clinic_rules import current_settings_version
from ketacare.accounts.models import ClinicSettingsVersion
from ketacare.clinical.settings import ClinicSettings
from tests.conftest import SETUP, Cast

URL = "/api/v1/clinic/settings"


def _client(cast: Cast, membership: Any = None) -> tuple[Client, dict[str, str]]:
    token = accounts.token_create(SETUP, membership=membership or cast.owner, name="api test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _patch(cast: Cast, body: dict[str, Any], membership: Any = None) -> Any:
    client, headers = _client(cast, membership)
    return client.patch(URL, json.dumps(body), content_type="application/json", **headers)


def test_it_reads_every_setting_with_its_metadata_and_the_version(cast: Cast) -> None:
    client, headers = _client(cast)
    response = client.get(URL, **headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["created_by"], body["overrides"]) == (
        1,
        "system: tests/conftest.py",
        {},
    )
    assert body["reason"] == "The clinic was created: the clinical core's defaults"
    assert [s["name"] for s in body["settings"]] == list(ClinicSettings.model_fields)
    hold = next(s for s in body["settings"] if s["name"] == "predose_hold_systolic_mmhg")
    assert hold == {
        "name": "predose_hold_systolic_mmhg",
        "value": 180,
        "default": 180,
        "overridden": False,
        "unit": "mmHg",
        "minimum": 140.0,
        "maximum": 220.0,
        "choices": None,
        "description": "Hold the dose when systolic BP is at or above this (AAGBI/BHS: an "
        "elective procedure proceeds below 180/110).",
        "sources": [
            {
                "key": "aagbi-bhs-2016",
                "citation": "Hartle A, McCormack T, Carlisle J, et al. The measurement of adult "
                "blood pressure and management of hypertension before elective surgery: Joint "
                "Guidelines from the AAGBI and the British Hypertension Society. Anaesthesia "
                "2016;71:326-337, doi:10.1111/anae.13348",
                "confirmed": True,
            }
        ],
        "confirmed": True,
    }
    spo2 = next(s for s in body["settings"] if s["name"] == "stop_spo2_percent")
    assert (spo2["sources"][0]["key"], spo2["confirmed"]) == ("ketacare-placeholder", False)
    escort = next(s for s in body["settings"] if s["name"] == "discharge_requires_escort")
    assert (escort["value"], escort["minimum"], escort["choices"]) == (True, None, None)


def test_a_patch_makes_the_next_version(cast: Cast) -> None:
    response = _patch(
        cast,
        {
            "version": 1,
            "reason": "Our anaesthetist's rule",
            "changes": {"predose_hold_systolic_mmhg": 170, "trd_min_trial_weeks": 8},
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["overrides"], body["reason"]) == (
        2,
        {"predose_hold_systolic_mmhg": 170, "trd_min_trial_weeks": 8.0},
        "Our anaesthetist's rule",
    )
    assert body["created_by"] == "Alice Owner <alice@example.com> (owner)"
    hold = next(s for s in body["settings"] if s["name"] == "predose_hold_systolic_mmhg")
    assert (hold["value"], hold["default"], hold["overridden"]) == (170, 180, True)
    assert current_settings_version(cast.clinic).number == 2


def test_null_goes_back_to_the_default(cast: Cast) -> None:
    _patch(cast, {"version": 1, "reason": "a", "changes": {"stop_spo2_percent": 90}})
    response = _patch(cast, {"version": 2, "reason": "b", "changes": {"stop_spo2_percent": None}})
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["overrides"]) == (3, {})


def test_a_stale_version_answers_409(cast: Cast) -> None:
    _patch(cast, {"version": 1, "reason": "a", "changes": {"stop_spo2_percent": 90}})
    response = _patch(cast, {"version": 1, "reason": "b", "changes": {"stop_spo2_percent": 86}})
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://ketacare.org/problems/stale-version",
        "title": "Edit conflict",
        "status": 409,
        "detail": "version: this record is at version 2, your edit was based on version 1; "
        "reload it and apply your change again",
        "invalid_params": [
            {
                "name": "version",
                "reason": "this record is at version 2, your edit was based on version 1; "
                "reload it and apply your change again",
            }
        ],
    }
    assert current_settings_version(cast.clinic).overrides == {"stop_spo2_percent": 90}


def test_a_value_outside_its_range_answers_422_naming_the_setting_and_range(cast: Cast) -> None:
    response = _patch(
        cast, {"version": 1, "reason": "a", "changes": {"predose_hold_systolic_mmhg": 250}}
    )
    assert response.status_code == 422
    assert response.json()["invalid_params"] == [
        {
            "name": "changes.predose_hold_systolic_mmhg",
            "reason": "250 is not allowed; allowed range 140-220 mmHg (a whole number)",
        }
    ]
    assert ClinicSettingsVersion.objects.filter(clinic=cast.clinic).count() == 1


def test_a_patch_needs_a_reason_known_settings_and_the_right_types(cast: Cast) -> None:
    blank = _patch(cast, {"version": 1, "reason": "  ", "changes": {"stop_spo2_percent": 90}})
    assert blank.json()["invalid_params"] == [
        {
            "name": "reason",
            "reason": "say why the settings change (the reason is kept with the version)",
        }
    ]
    unknown = _patch(cast, {"version": 1, "reason": "a", "changes": {"stop_bp": 90}})
    assert unknown.json()["invalid_params"] == [
        {"name": "changes.stop_bp", "reason": "unknown setting; see docs/clinical.md for the list"}
    ]
    text = _patch(cast, {"version": 1, "reason": "a", "changes": {"stop_spo2_percent": "90"}})
    assert text.json()["invalid_params"] == [
        {
            "name": "changes.stop_spo2_percent",
            "reason": "'90' is not allowed; allowed range 80-94 % (a whole number)",
        }
    ]
    missing = _patch(cast, {"version": 1, "changes": {"stop_spo2_percent": 90}})
    assert missing.json()["invalid_params"] == [{"name": "reason", "reason": "Field required"}]
    assert [r.status_code for r in (blank, unknown, text, missing)] == [422] * 4
    assert ClinicSettingsVersion.objects.filter(clinic=cast.clinic).count() == 1


def test_staff_other_than_the_owner_get_403(cast: Cast) -> None:
    client, headers = _client(cast, cast.prescriber)
    assert client.get(URL, **headers).status_code == 403
    refused = _patch(
        cast, {"version": 1, "reason": "a", "changes": {"stop_spo2_percent": 90}}, cast.nurse
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "your role does not allow settings.manage"
    assert ClinicSettingsVersion.objects.filter(clinic=cast.clinic).count() == 1


def test_the_openapi_document_states_each_settings_type_and_range() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    changes = document["components"]["schemas"]["SettingsPatchIn"]["properties"]["changes"]
    assert (changes["type"], changes["minProperties"], changes["additionalProperties"]) == (
        "object",
        1,
        False,
    )
    assert sorted(changes["properties"]) == sorted(ClinicSettings.model_fields)
    assert changes["properties"]["predose_hold_systolic_mmhg"]["anyOf"] == [
        {"type": "integer", "minimum": 140.0, "maximum": 220.0},
        {"type": "null"},
    ]
    assert changes["properties"]["cssrs_risk_q3"]["anyOf"][0] == {
        "type": "string",
        "enum": ["low", "moderate", "high"],
    }
    assert changes["properties"]["discharge_requires_escort"]["anyOf"][0] == {"type": "boolean"}
    patch = document["paths"]["/api/v1/clinic/settings"]["patch"]
    assert sorted(patch["responses"]) == ["200", "400", "401", "403", "409", "413", "415", "422"]
