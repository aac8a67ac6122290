"""The chair's checklist rules (pure): identity, consent, pregnancy and the Spravato REMS
conditions, each a finding with its decision and source."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ketacare.clinical.safety.checklist import ChecklistFacts, checklist_findings
from ketacare.clinical.sources import cite

RACEMIC: dict[str, Any] = {
    "drug": "ketamine",
    "identity_confirmed": True,
    "consent_confirmed": True,
    "pregnancy": "not_applicable",
}
SPRAVATO: dict[str, Any] = {
    **RACEMIC,
    "drug": "esketamine",
    "rems_patient_enrolled": True,
    "rems_prescriber_on_site": True,
    "rems_pulse_oximeter": True,
}


def _found(**facts: Any) -> list[tuple[str, str]]:
    return [(f.code, f.decision) for f in checklist_findings(ChecklistFacts(**facts))]


def test_a_complete_checklist_finds_nothing() -> None:
    assert _found(**RACEMIC) == []
    assert _found(**SPRAVATO) == []
    assert _found(**{**RACEMIC, "pregnancy": "not_pregnant"}) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"identity_confirmed": False}, [("identity_unconfirmed", "hold")]),
        ({"consent_confirmed": False}, [("consent_missing", "hold")]),
        ({"pregnancy": "pregnant"}, [("pregnancy", "hold")]),
        ({"pregnancy": "unknown"}, [("pregnancy_unknown", "prescriber_review")]),
        (
            {"identity_confirmed": False, "consent_confirmed": False, "pregnancy": "unknown"},
            [
                ("identity_unconfirmed", "hold"),
                ("consent_missing", "hold"),
                ("pregnancy_unknown", "prescriber_review"),
            ],
        ),
    ],
)
def test_each_unmet_item_is_a_finding(change: dict[str, Any], expected: list) -> None:
    assert _found(**{**RACEMIC, **change}) == expected


@pytest.mark.parametrize(
    ("item", "code", "message"),
    [
        (
            "rems_patient_enrolled",
            "rems_no_patient_enrolled",
            "The patient is not enrolled in the SPRAVATO REMS.",
        ),
        (
            "rems_prescriber_on_site",
            "rems_no_prescriber_on_site",
            "No prescriber is on site for the administration and monitoring.",
        ),
        ("rems_pulse_oximeter", "rems_no_pulse_oximeter", "No pulse oximeter is at the chair."),
    ],
)
@pytest.mark.parametrize("answer", [False, None])
def test_each_rems_item_not_confirmed_holds_a_spravato_dose(item, code, message, answer) -> None:
    (found,) = checklist_findings(ChecklistFacts(**{**SPRAVATO, item: answer}))
    assert (found.code, found.decision, found.message, found.source) == (
        code,
        "hold",
        message,
        cite("spravato-rems"),
    )


def test_the_rems_items_do_not_apply_to_racemic_ketamine() -> None:
    assert _found(**{**RACEMIC, "rems_patient_enrolled": False}) == []


def test_the_pregnancy_finding_cites_the_drugs_own_label() -> None:
    (racemic,) = checklist_findings(ChecklistFacts(**{**RACEMIC, "pregnancy": "pregnant"}))
    (spravato,) = checklist_findings(ChecklistFacts(**{**SPRAVATO, "pregnancy": "unknown"}))
    assert racemic.source == cite("ketalar-pi", "screening-checklist")
    assert spravato.source == cite("spravato-pi", "screening-checklist")
    assert racemic.message == "The patient is pregnant: ketamine is not recommended in pregnancy."


def test_identity_and_consent_findings_cite_the_clinic_rules() -> None:
    found = checklist_findings(
        ChecklistFacts(**{**RACEMIC, "identity_confirmed": False, "consent_confirmed": False})
    )
    assert [(f.message, f.source) for f in found] == [
        (
            "Confirm the patient's identity (two identifiers) before dosing.",
            cite("clinic-rules-design"),
        ),
        (
            "No current treatment consent is confirmed: obtain it before dosing.",
            cite("clinic-rules-design"),
        ),
    ]


@pytest.mark.parametrize(
    "bad",
    [{"pregnancy": "maybe"}, {"drug": "caffeine"}, {"identity_confirmed": "yes please"}],
)
def test_facts_outside_the_vocabulary_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChecklistFacts(**{**RACEMIC, **bad})
