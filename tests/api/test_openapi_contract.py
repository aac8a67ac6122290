"""The OpenAPI document (``GET /api/v1/openapi.json``) says what the server does: the media
type of its problems, the answers the middleware gives before an operation runs (400, 401,
413, 415, the ``Idempotency-Key`` header), the choices and ranges each field accepts, and
where ``null`` may be sent. Expected values come from the code that enforces them.

The snapshot test (``test_openapi_snapshot``) catches any change; these catch a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import models
from django.test import Client

from ketacare.clinical import load_protocols, ranges
from ketacare.clinical.codes import DRUG_CLASSES, TRIAL_DRUG_CLASSES
from ketacare.clinical.dosing import CONCENTRATION_MAX_MG_PER_ML, CONCENTRATION_MIN_MG_PER_ML
from ketacare.patients import queries
from ketacare.patients.models import Consent, MedicationTrial, Patient, RelatedPerson
from ketacare.patients.parts import PARTS
from ketacare.treatment import services as treatment
from ketacare.treatment.models import TreatmentPlan
from tests.api.test_candidacy_api import draft_plan, screen_dan
from tests.api.test_patients_api import MINIMAL, patch, post
from tests.conftest import Cast

PROBLEM_JSON = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
IDEMPOTENCY_KEY = "Idempotency-Key"
NOT_NULL = "may not be null: leave the field out to keep it as it is"


def document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]  # type: ignore[no-any-return]


def prop(doc: dict[str, Any], name: str, field: str) -> dict[str, Any]:
    return schema(doc, name)["properties"][field]  # type: ignore[no-any-return]


def number(prop: dict[str, Any]) -> dict[str, Any]:
    """The number (or integer) branch of a property, also inside ``anyOf`` alternatives."""
    if prop.get("type") in ("number", "integer"):
        return prop
    for sub in prop.get("anyOf", ()):
        found = number(sub)
        if found:
            return found
    return {}


def enum(prop: dict[str, Any]) -> list[Any]:
    """The enum of a property, also inside ``anyOf`` (an optional choice) or ``items``."""
    if "enum" in prop:
        return prop["enum"]  # type: ignore[no-any-return]
    if "items" in prop:
        return enum(prop["items"])
    for sub in prop.get("anyOf", ()):
        if "enum" in sub:
            return sub["enum"]  # type: ignore[no-any-return]
    return []


def bounds(prop: dict[str, Any]) -> tuple[Any, Any]:
    found = number(prop)
    return found.get("minimum"), found.get("maximum")


def nullable(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(s.get("type") == "null" for s in prop.get("anyOf", ()))


def choices(model: type[models.Model], field: str) -> list[str]:
    return [str(value) for value, _ in model._meta.get_field(field).choices]  # type: ignore[union-attr]


# --- answers every operation can give ---------------------------------------------------------


def test_every_problem_answer_is_application_problem_json(doc: dict[str, Any]) -> None:
    wrong = {
        f"{name} {status}": response.get("content")
        for name, operation in operations(doc)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and response.get("content") != PROBLEM_JSON
    }
    assert wrong == {}


def test_no_error_answer_is_documented_as_application_json(doc: dict[str, Any]) -> None:
    plain = [
        f"{name} {status}"
        for name, operation in operations(doc)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and "application/json" in response.get("content", {})
    ]
    assert plain == []


def test_every_operation_lists_401(doc: dict[str, Any]) -> None:
    missing = [name for name, op in operations(doc) if "401" not in op["responses"]]
    assert missing == []
    assert len(list(operations(doc))) == 79


def test_every_post_and_patch_takes_an_optional_idempotency_key(doc: dict[str, Any]) -> None:
    keyed = {
        name: [p for p in op.get("parameters", ()) if p["name"] == IDEMPOTENCY_KEY]
        for name, op in operations(doc)
    }
    wrong = {
        name: params
        for name, params in keyed.items()
        if name.startswith(("POST ", "PATCH "))
        and [(p["in"], p["required"], p["schema"]["type"]) for p in params]
        != [("header", False, "string")]
    }
    assert wrong == {}
    unkeyed = [n for n, params in keyed.items() if params and not n.startswith(("POST ", "PATCH "))]
    assert unkeyed == []


def test_every_post_and_patch_lists_400_and_422(doc: dict[str, Any]) -> None:
    """400: a malformed ``Idempotency-Key``; 422: a key used for another request."""
    missing = {
        name: sorted({"400", "422"} - set(op["responses"]))
        for name, op in operations(doc)
        if name.startswith(("POST ", "PATCH ")) and not {"400", "422"} <= set(op["responses"])
    }
    assert missing == {}


def test_every_successful_post_and_patch_documents_the_replay_header(
    doc: dict[str, Any],
) -> None:
    missing = [
        f"{name} {status}"
        for name, op in operations(doc)
        if name.startswith(("POST ", "PATCH "))
        for status, response in op["responses"].items()
        if status.startswith("2") and "Idempotent-Replayed" not in response.get("headers", {})
    ]
    assert missing == []


def test_every_operation_with_a_body_lists_400_413_and_415(doc: dict[str, Any]) -> None:
    """400: JSON that does not parse; 413: above the upload limit; 415: not JSON."""
    with_body = {name: op for name, op in operations(doc) if "requestBody" in op}
    missing = {
        name: sorted({"400", "413", "415"} - set(op["responses"]))
        for name, op in with_body.items()
        if not {"400", "413", "415"} <= set(op["responses"])
    }
    assert missing == {}
    assert len(with_body) == 53


def test_every_patch_body_may_be_sent_as_a_json_merge_patch(doc: dict[str, Any]) -> None:
    bodies = {
        name: op["requestBody"]["content"]
        for name, op in operations(doc)
        if name.startswith("PATCH ")
    }
    assert len(bodies) == 12
    wrong = {
        name: sorted(content)
        for name, content in bodies.items()
        if sorted(content) != ["application/json", "application/merge-patch+json"]
        or content["application/json"] != content["application/merge-patch+json"]
    }
    assert wrong == {}


# --- choices ----------------------------------------------------------------------------------

TRIAL_CLASSES = sorted(TRIAL_DRUG_CLASSES)


@pytest.mark.parametrize(
    ("schema_name", "field", "expected"),
    [
        pytest.param(
            "PatientIn",
            "sex_at_birth",
            choices(Patient, "sex_at_birth"),
            id="PatientIn.sex_at_birth",
        ),
        pytest.param(
            "PatientPatch",
            "sex_at_birth",
            choices(Patient, "sex_at_birth"),
            id="PatientPatch.sex_at_birth",
        ),
        pytest.param(
            "RelatedPersonIn",
            "relationship",
            choices(RelatedPerson, "relationship"),
            id="RelatedPersonIn.relationship",
        ),
        pytest.param("ConsentIn", "kind", choices(Consent, "kind"), id="ConsentIn.kind"),
        pytest.param(
            "MedicationTrialIn", "drug_class", TRIAL_CLASSES, id="MedicationTrialIn.drug_class"
        ),
        pytest.param(
            "MedicationTrialPatch",
            "drug_class",
            TRIAL_CLASSES,
            id="MedicationTrialPatch.drug_class",
        ),
        pytest.param(
            "MedicationTrialIn",
            "reason_stopped",
            choices(MedicationTrial, "reason_stopped"),
            id="MedicationTrialIn.reason_stopped",
        ),
        pytest.param("SearchQuery", "sort", list(queries.SORTS), id="SearchQuery.sort"),
        pytest.param("SearchQuery", "status", list(queries.STATUSES), id="SearchQuery.status"),
        pytest.param("PlanIn", "protocol", sorted(load_protocols()), id="PlanIn.protocol"),
        pytest.param(
            "IntegrativeItem", "kind", list(treatment.INTEGRATIVE_KINDS), id="IntegrativeItem.kind"
        ),
        pytest.param(
            "IntakeIn",
            "concomitant_drug_classes",
            sorted(DRUG_CLASSES),
            id="IntakeIn.concomitant_drug_classes",
        ),
        # An intake's medication_trials items (POST /patients/{id}/intakes answers 422 for a
        # class outside the trial classes, naming medication_trials.0.drug_class).
        pytest.param(
            "MedicationTrial",
            "drug_class",
            TRIAL_CLASSES,
            id="IntakeIn.medication_trials.drug_class",
        ),
    ],
)
def test_every_choice_the_server_checks_is_an_enum(
    doc: dict[str, Any], schema_name: str, field: str, expected: list[str]
) -> None:
    assert enum(prop(doc, schema_name, field)) == expected


def test_the_search_parameters_carry_the_same_enums_as_their_schema(doc: dict[str, Any]) -> None:
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/patients"]["get"]["parameters"]}
    assert (enum(params["sort"]), enum(params["status"])) == (
        list(queries.SORTS),
        list(queries.STATUSES),
    )


def test_the_protocol_enum_is_every_protocol_of_the_library(doc: dict[str, Any]) -> None:
    ids = enum(prop(doc, "PlanIn", "protocol"))
    assert ids == sorted(p.id for p in load_protocols().values())
    assert len(ids) == 14


# --- ranges -----------------------------------------------------------------------------------

WEIGHT = (ranges.WEIGHT_KG.low, ranges.WEIGHT_KG.high)
HEIGHT = (ranges.HEIGHT_CM.low, ranges.HEIGHT_CM.high)
IMPROVEMENT = (ranges.TRIAL_IMPROVEMENT_PERCENT.low, ranges.TRIAL_IMPROVEMENT_PERCENT.high)
CONCENTRATION = (CONCENTRATION_MIN_MG_PER_ML, CONCENTRATION_MAX_MG_PER_ML)


@pytest.mark.parametrize(
    ("schema_name", "field", "expected"),
    [
        pytest.param("BodyMeasurementIn", "weight_kg", WEIGHT, id="BodyMeasurementIn.weight_kg"),
        pytest.param(
            "BodyMeasurementPatch", "weight_kg", WEIGHT, id="BodyMeasurementPatch.weight_kg"
        ),
        pytest.param("BodyMeasurementIn", "height_cm", HEIGHT, id="BodyMeasurementIn.height_cm"),
        pytest.param(
            "BodyMeasurementPatch", "height_cm", HEIGHT, id="BodyMeasurementPatch.height_cm"
        ),
        pytest.param("IntakeIn", "weight_kg", WEIGHT, id="IntakeIn.weight_kg"),
        pytest.param("IntakeIn", "height_cm", HEIGHT, id="IntakeIn.height_cm"),
        pytest.param(
            "MedicationTrialIn",
            "improvement_percent",
            IMPROVEMENT,
            id="MedicationTrialIn.improvement_percent",
        ),
        pytest.param(
            "MedicationTrialPatch",
            "improvement_percent",
            IMPROVEMENT,
            id="MedicationTrialPatch.improvement_percent",
        ),
        pytest.param(
            "MedicationTrial",
            "improvement_percent",
            IMPROVEMENT,
            id="MedicationTrial.improvement_percent",
        ),
        pytest.param(
            "PlanIn", "concentration_mg_per_ml", CONCENTRATION, id="PlanIn.concentration_mg_per_ml"
        ),
        pytest.param(
            "PlanPatch",
            "concentration_mg_per_ml",
            CONCENTRATION,
            id="PlanPatch.concentration_mg_per_ml",
        ),
        pytest.param(
            "SearchQuery", "page_size", (1, queries.PAGE_SIZE_MAX), id="SearchQuery.page_size"
        ),
    ],
)
def test_every_range_the_server_checks_is_in_the_document(
    doc: dict[str, Any], schema_name: str, field: str, expected: tuple[float, float]
) -> None:
    assert bounds(prop(doc, schema_name, field)) == expected


def test_the_document_states_the_published_ranges(doc: dict[str, Any]) -> None:
    """The numbers themselves (docs/clinical.md), so a range changed by accident is seen."""
    assert {
        "weight_kg": bounds(prop(doc, "BodyMeasurementIn", "weight_kg")),
        "height_cm": bounds(prop(doc, "BodyMeasurementIn", "height_cm")),
        "improvement_percent": bounds(prop(doc, "MedicationTrialIn", "improvement_percent")),
        "concentration_mg_per_ml": bounds(prop(doc, "PlanIn", "concentration_mg_per_ml")),
    } == {
        "weight_kg": (25, 350),
        "height_cm": (50, 272),
        "improvement_percent": (-100, 100),
        "concentration_mg_per_ml": (0.1, 100),
    }
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/patients"]["get"]["parameters"]}
    assert bounds(params["page_size"]) == (1, 100)


# --- null in an edit --------------------------------------------------------------------------


def test_the_patient_edit_marks_clearable_text_nullable_and_required_fields_not(
    doc: dict[str, Any],
) -> None:
    edit = schema(doc, "PatientPatch")["properties"]
    assert sorted(name for name, p in edit.items() if nullable(p)) == [
        "address_line",
        "city",
        "email",
        "gender_identity",
        "middle_name",
        "phone",
        "postal_code",
        "preferred_language",
        "preferred_name",
        "pronouns",
        "region",
    ]


PATCHES = {
    "PatientPatch": "patient",
    "PlanPatch": "plan",
    **{f"{spec.model.__name__}Patch": key for key, spec in PARTS.items()},
}


def _target(cast: Cast, as_role: Any, what: str, rows: dict[str, int]) -> tuple[Client, str, Any]:
    """The client, the path and a function giving the current version of what is edited."""
    if what == "patient":
        return (
            as_role("owner"),
            f"/api/v1/patients/{cast.dan.pk}",
            lambda: Patient.objects.get(pk=cast.dan.pk).version,
        )
    if what == "plan":
        plan_id = rows["plan"]
        return (
            as_role("prescriber"),
            f"/api/v1/plans/{plan_id}",
            lambda: TreatmentPlan.objects.get(pk=plan_id).version,
        )
    model = PARTS[what].model
    return (
        as_role("owner"),
        f"/api/v1/patients/{cast.dan.pk}/{what}/{rows[what]}",
        lambda: model.objects.get(pk=rows[what]).version,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("schema_name", list(PATCHES))
def test_an_edit_accepts_null_exactly_where_the_document_says_it_may(
    cast: Cast, as_role: Any, schema_name: str
) -> None:
    """Each field of the edit, sent alone as ``null``: a nullable one is accepted (200), any
    other is refused naming it."""
    what = PATCHES[schema_name]
    rows: dict[str, int] = {}
    owner = as_role("owner")
    for key, (body, _) in MINIMAL.items():
        rows[key] = post(owner, f"/api/v1/patients/{cast.dan.pk}/{key}", body).json()["id"]
    for key in ("measurements", "conditions"):
        rows[key] = PARTS[key].model.objects.get(patient=cast.dan).pk  # type: ignore[attr-defined]
    if what == "plan":
        screen_dan(cast)
        rows["plan"] = draft_plan(cast).pk
    client, path, version = _target(cast, as_role, what, rows)
    answers = {}
    for field, field_schema in document()["components"]["schemas"][schema_name][
        "properties"
    ].items():
        if field == "version":
            continue
        response = patch(client, path, {"version": version(), field: None})
        answers[field] = (nullable(field_schema), response.status_code)
        if response.status_code == 422:
            assert response.json()["invalid_params"] == [{"name": field, "reason": NOT_NULL}]
    wrong = {
        field: answer
        for field, answer in answers.items()
        if answer not in ((True, 200), (False, 422))
    }
    assert wrong == {}
    # Each edit has fields of both kinds, so neither half of the rule goes untested.
    assert {may for may, _ in answers.values()} == {True, False}
