"""Terminology the clinic uses: ICD-10-CM indication codes and the drug-class vocabulary.

Patient records validate condition codes against ``icd10_lookup`` ("unknown ICD-10 code" is
refused), and medication trials and concomitant medications name a class from
``DRUG_CLASSES``. Both live in data files (``data/icd10cm.csv``, ``data/drug_classes.toml``)
with their sources; the reference notes that many ICD-10-CM codes and some SNOMED CT concepts
were collected from memory, so ``Code.snomed_confirmed`` says which SNOMED codes were seen in
published code.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ketacare.clinical.datafiles import DATA_DIR, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError
from ketacare.clinical.sources import all_sources

ICD10_FILE = DATA_DIR / "icd10cm.csv"
DRUG_CLASSES_FILE = DATA_DIR / "drug_classes.toml"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
#: ICD-10-CM R45.851, suicidal ideations: the indication of the Spravato MDSI label and the
#: suicidal-ideation IV protocol.
SUICIDAL_IDEATION_CODE = "R45.851"

Indication = Literal[
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
]


@dataclass(frozen=True)
class Code:
    """One ICD-10-CM code with its display text, indication group and SNOMED CT concept."""

    code: str
    display: str
    indication: Indication
    snomed_ct: str | None
    snomed_display: str | None
    snomed_confirmed: bool
    psychotic_features: bool
    #: MDD coded in partial or full remission (F32.4, F32.5, F33.4x): no current episode, so
    #: neither a current-episode indication nor treatment resistance (``icd10cm``).
    in_remission: bool
    system: str = ICD10_SYSTEM
    source: str = "icd10cm"
    snomed_source: str = "snomed-ct"


class _CodeRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    display: str = Field(min_length=3)
    indication: Indication
    snomed_ct: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    snomed_display: str | None = None
    snomed_confirmed: bool
    psychotic_features: bool
    in_remission: bool


def normalise_icd10(code: str) -> str:
    """Canonical spelling: upper case, no spaces, dot after the category ('f32a' -> 'F32.A')."""
    text = code.strip().upper().replace(" ", "")
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text


@cache
def all_icd10_codes() -> Mapping[str, Code]:
    """Every code the clinic uses, by canonical code (read once)."""
    codes: dict[str, Code] = {}
    with ICD10_FILE.open(newline="", encoding="utf-8") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            data: dict[str, object] = {key: value or None for key, value in raw.items()}
            for flag in ("snomed_confirmed", "psychotic_features", "in_remission"):
                if data.get(flag) not in ("true", "false"):
                    raise ClinicalDataError(ICD10_FILE, f"line {line}.{flag}", "not true/false")
                data[flag] = data[flag] == "true"
            row = validate_file(_CodeRow, data, ICD10_FILE)
            if row.code in codes:
                raise ClinicalDataError(ICD10_FILE, f"line {line}.code", f"duplicate {row.code}")
            codes[row.code] = Code(**row.model_dump())
    return MappingProxyType(codes)


def icd10_lookup(code: str) -> Code | None:
    """The clinic's entry for ``code`` (any common spelling), or None if it is not used here."""
    return all_icd10_codes().get(normalise_icd10(code))


@dataclass(frozen=True)
class DrugClass:
    """A medication class used in trial histories and concomitant-medication lists."""

    id: str
    label: str
    examples: tuple[str, ...]
    counts_toward_trd: bool
    augmentation: bool
    pmf_concomitant: bool
    mood_stabilizer: bool
    sources: tuple[str, ...]


class _DrugClassRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=2)
    examples: list[str] = Field(min_length=1)
    counts_toward_trd: bool = False
    augmentation: bool = False
    pmf_concomitant: bool = False
    mood_stabilizer: bool = False
    sources: list[str] = Field(min_length=1)


def _load_drug_classes() -> Mapping[str, DrugClass]:
    raw = read_toml(DRUG_CLASSES_FILE)
    known_sources = all_sources()
    classes: dict[str, DrugClass] = {}
    for class_id, body in raw.items():
        row = validate_file(_DrugClassRow, body, DRUG_CLASSES_FILE)
        for key in row.sources:
            if key not in known_sources:
                raise ClinicalDataError(DRUG_CLASSES_FILE, f"{class_id}.sources", f"unknown {key}")
        classes[class_id] = DrugClass(
            id=class_id,
            label=row.label,
            examples=tuple(row.examples),
            counts_toward_trd=row.counts_toward_trd,
            augmentation=row.augmentation,
            pmf_concomitant=row.pmf_concomitant,
            mood_stabilizer=row.mood_stabilizer,
            sources=tuple(row.sources),
        )
    return MappingProxyType(classes)


#: Every drug class by id (``ssri``, ``snri``, ``tca``, ``maoi``, ``ndri``, ``mirtazapine``,
#: ``atypical_antipsychotic``, ``lithium``, ``benzodiazepine``, ``opioid`` ...).
DRUG_CLASSES: Mapping[str, DrugClass] = _load_drug_classes()

#: Classes a medication trial may name (antidepressants and augmentation strategies).
TRIAL_DRUG_CLASSES: frozenset[str] = frozenset(
    cid for cid, cls in DRUG_CLASSES.items() if cls.counts_toward_trd or cls.augmentation
)
