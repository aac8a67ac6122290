"""ICD-10-CM list, drug classes and the source registry."""

from __future__ import annotations

import pytest

from ketacare.clinical.codes import (
    DRUG_CLASSES,
    TRIAL_DRUG_CLASSES,
    all_icd10_codes,
    icd10_lookup,
    normalise_icd10,
)
from ketacare.clinical.protocols import load_protocols, load_services
from ketacare.clinical.settings import describe_settings
from ketacare.clinical.sources import all_sources, cite, get_source


def test_lookup_returns_display_and_snomed() -> None:
    code = icd10_lookup("F43.10")
    assert code is not None
    assert (code.display, code.indication, code.snomed_ct, code.snomed_confirmed) == (
        "Post-traumatic stress disorder, unspecified",
        "ptsd",
        "47505003",
        True,
    )
    assert code.system == "http://hl7.org/fhir/sid/icd-10-cm"


@pytest.mark.parametrize("spelling", ["R45.851", "r45.851", " R45851 ", "R45 851"])
def test_lookup_accepts_common_spellings(spelling: str) -> None:
    code = icd10_lookup(spelling)
    assert code is not None and code.code == "R45.851"


@pytest.mark.parametrize("unknown", ["F20.9", "F33", "", "XYZ"])
def test_codes_the_clinic_does_not_use_are_unknown(unknown: str) -> None:
    assert icd10_lookup(unknown) is None


def test_normalise() -> None:
    assert normalise_icd10("f32a") == "F32.A"


def test_every_indication_of_the_reference_is_present() -> None:
    groups = {code.indication for code in all_icd10_codes().values()}
    assert groups == {
        "depression",
        "bipolar_depression",
        "ptsd",
        "anxiety",
        "ocd",
        "suicidal_ideation",
        "crps",
        "migraine",
        "fibromyalgia",
        "crohns",
        "lyme",
    }
    depression = _codes_for("depression")
    assert {"F32.0", "F32.5", "F32.9", "F32.A", "F33.0", "F33.3", "F33.40", "F33.42", "F33.9"} <= (
        depression
    )
    assert _codes_for("ptsd") == {"F43.10", "F43.11", "F43.12"}


def _codes_for(indication: str) -> set[str]:
    return {c.code for c in all_icd10_codes().values() if c.indication == indication}


def test_psychotic_feature_codes() -> None:
    psychotic = {code.code for code in all_icd10_codes().values() if code.psychotic_features}
    assert psychotic == {"F32.3", "F33.3", "F31.5"}


def test_drug_classes() -> None:
    assert {"ssri", "snri", "tca", "maoi", "ndri", "mirtazapine", "atypical_antipsychotic",
            "lithium"} <= set(DRUG_CLASSES)  # fmt: skip
    assert DRUG_CLASSES["ssri"].counts_toward_trd is True
    assert DRUG_CLASSES["lithium"].counts_toward_trd is False
    assert DRUG_CLASSES["lithium"].mood_stabilizer is True
    pmf = {cid for cid, cls in DRUG_CLASSES.items() if cls.pmf_concomitant}
    assert pmf == {"benzodiazepine", "sedative_hypnotic", "opioid", "psychostimulant", "maoi"}
    assert "benzodiazepine" not in TRIAL_DRUG_CLASSES
    assert "lithium" in TRIAL_DRUG_CLASSES


def test_cite_joins_citations() -> None:
    assert cite("kroenke-2001", "phq9-item9") == (
        f"{get_source('kroenke-2001').citation}; {get_source('phq9-item9').citation}"
    )


def test_unknown_source_key() -> None:
    with pytest.raises(KeyError, match="unknown source key 'x'"):
        get_source("x")


def test_every_registered_source_is_cited_somewhere() -> None:
    """No dead entries: each source backs at least one setting, data file or rule."""
    used: set[str] = set()
    for info in describe_settings():
        used.update(info.source_keys)
    for protocol in load_protocols().values():
        dumped = protocol.model_dump()
        stack: list[object] = [dumped]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                used.update(item.get("sources", ()))
                stack.extend(item.values())
            elif isinstance(item, list | tuple):
                stack.extend(item)
    for service in load_services().values():
        used.update(service.sources)
    for drug_class in DRUG_CLASSES.values():
        used.update(drug_class.sources)
    from pathlib import Path

    import ketacare.clinical as package

    root = Path(package.__file__).parent
    text = "\n".join(
        path.read_text()
        for path in root.rglob("*")
        if path.suffix in (".py", ".toml", ".csv") and path.name != "sources.toml"
    )
    unused = sorted(key for key in all_sources() if key not in used and f'"{key}"' not in text)
    assert unused == []
