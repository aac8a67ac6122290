"""Drugs that change ketamine's effect or risk, named by drug class, each with its source.

The REMS Patient Monitoring Form asks only about five concomitant classes; a prescriber also
needs to know what blunts the response (benzodiazepines above a daily dose, ``andrashko-2020``),
what adds NMDA antagonism (memantine, dextromethorphan), what lowers the seizure threshold
(theophylline), what raises blood pressure (stimulants, MAOIs, thyroid hormone) and what changes
exposure through CYP2B6/CYP3A4 (``andrade-2017-interactions``). The facts live in
``data/interactions.toml``; the screening and the pre-dose check call ``interactions_for``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ketacare.clinical import ranges
from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.datafiles import DATA_DIR, read_toml, validate_file
from ketacare.clinical.errors import ClinicalDataError, ClinicalInputError
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings
from ketacare.clinical.sources import all_sources, cite
from ketacare.clinical.vocabulary import Drug

INTERACTIONS_FILE = DATA_DIR / "interactions.toml"
Action = Literal["note", "prescriber_review"]


@dataclass(frozen=True)
class Interaction:
    code: str  # "interaction_<class_id>"
    drug_class: str  # class id from codes.DRUG_CLASSES
    effect: str  # short: what it does to ketamine's effect or risk
    action: Action
    message: str  # a sentence naming the drug class and what it means
    source: str  # cite(...) text


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    effect: str = Field(min_length=5)
    action: Action
    message: str = Field(min_length=10)
    ketamine: tuple[str, ...] = Field(min_length=1)
    esketamine: tuple[str, ...] = Field(min_length=1)
    dose_setting: str | None = None
    above_message: str | None = None
    recorded_message: str | None = None


@cache
def _rows() -> Mapping[str, _Row]:
    """The interaction table by class id, checked against the classes, sources and settings."""
    rows: dict[str, _Row] = {}
    known = all_sources()
    for class_id, body in read_toml(INTERACTIONS_FILE).items():
        if class_id not in DRUG_CLASSES:
            raise ClinicalDataError(INTERACTIONS_FILE, class_id, "not a class in drug_classes")
        row = validate_file(_Row, body, INTERACTIONS_FILE)
        for key in (*row.ketamine, *row.esketamine):
            if key not in known:
                raise ClinicalDataError(INTERACTIONS_FILE, f"{class_id}.sources", f"unknown {key}")
        if row.dose_setting is not None and (
            row.dose_setting not in ClinicSettings.model_fields
            or row.above_message is None
            or row.recorded_message is None
        ):
            raise ClinicalDataError(
                INTERACTIONS_FILE, f"{class_id}.dose_setting", "unknown setting or no message"
            )
        rows[class_id] = row
    return MappingProxyType(rows)


def interacting_classes() -> frozenset[str]:
    """Class ids that have an interaction entry."""
    return frozenset(_rows())


def _check_inputs(class_ids: tuple[str, ...], drug: str, dose: float | None) -> None:
    for class_id in class_ids:
        if class_id not in DRUG_CLASSES:
            allowed = ", ".join(sorted(DRUG_CLASSES))
            raise ClinicalInputError(
                "drug_class_ids", f"unknown drug class {class_id!r}; allowed: {allowed}"
            )
    if drug not in get_args(Drug):
        raise ClinicalInputError("drug", f"{drug!r} is not allowed; allowed: ketamine, esketamine")
    limits = ranges.DIAZEPAM_EQUIVALENT_MG_PER_DAY
    if dose is not None and not limits.low <= dose <= limits.high:
        raise ClinicalInputError(
            "diazepam_equivalent_mg_per_day",
            f"{dose:g} is outside the allowed range {limits.describe()}",
        )


def interactions_for(
    drug_class_ids: Iterable[str],
    *,
    drug: Drug,
    diazepam_equivalent_mg_per_day: float | None = None,
    settings: ClinicSettings | None = None,
) -> tuple[Interaction, ...]:
    """Every interaction of the given concomitant classes with ``drug``, in the order given.

    A benzodiazepine above the clinic's diazepam-equivalent threshold becomes a prescriber
    review; at or below it, or with no dose recorded, it is a note that names the threshold.
    """
    class_ids = tuple(dict.fromkeys(drug_class_ids))
    _check_inputs(class_ids, drug, diazepam_equivalent_mg_per_day)
    settings = settings or DEFAULT_SETTINGS
    found: list[Interaction] = []
    for class_id in class_ids:
        row = _rows().get(class_id)
        if row is None:
            continue
        label = DRUG_CLASSES[class_id].label
        action: Action = row.action
        message = row.message
        threshold = None
        dose = diazepam_equivalent_mg_per_day
        if row.dose_setting is not None and dose is not None:
            threshold = float(getattr(settings, row.dose_setting))
            if dose > threshold:
                action, message = "prescriber_review", str(row.above_message)
            else:
                message = str(row.recorded_message)
        elif row.dose_setting is not None:
            threshold = float(getattr(settings, row.dose_setting))
        text = message.format(label=label, threshold=threshold, dose=dose)
        found.append(
            Interaction(
                code=f"interaction_{class_id}",
                drug_class=class_id,
                effect=row.effect,
                action=action,
                message=text,
                source=cite(*(row.ketamine if drug == "ketamine" else row.esketamine)),
            )
        )
    return tuple(found)


def interaction_sources(class_id: str, drug: Drug) -> tuple[str, ...]:
    """The source keys behind one class's interaction with ``drug`` (for screening findings)."""
    row = _rows()[class_id]
    return row.ketamine if drug == "ketamine" else row.esketamine
