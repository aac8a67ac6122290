"""The Spravato prior-authorisation checklist: what a payer asks for, filled from the chart.

Typical criteria (``bcbs-nc-spravato``): a current MDD episode (a code in remission is not one,
``icd10cm-remission``), age 18 or over, inadequate response (at most 25 % improvement) to at
least 2 different antidepressants at adequate dose and duration in the current episode (this
payer also asks for 2 classes: ``trd_require_distinct_classes``); plus the REMS patient
enrolment every Spravato patient needs (``spravato-rems``) and a payer on file. Payers differ,
so the trial numbers come from the clinic's treatment-resistance settings, and the count and
verdict are ``trd.assess_trd``'s, the same the screening uses. The checklist names what is
missing; it never decides coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ketacare.clinical.codes import SUICIDAL_IDEATION_CODE, icd10_lookup
from ketacare.clinical.intake import MedicationTrial
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings
from ketacare.clinical.sources import cite
from ketacare.clinical.trd import assess_trd

Status = Literal["met", "missing", "not_met"]
ADULT_AGE_YEARS = 18  # bcbs-nc-spravato; Spravato label: adults only
MDD_PREFIXES = ("F32", "F33")


@dataclass(frozen=True)
class PriorAuthFacts:
    """What the chart knows; ``None`` means the chart does not say."""

    age_years: int | None
    diagnoses: Sequence[str]
    trials: Sequence[MedicationTrial]
    rems_enrolled: bool
    payer_name: str | None
    member_id: str | None


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    status: Status
    detail: str
    source: str


@dataclass(frozen=True)
class PriorAuthChecklist:
    items: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        return all(item.status == "met" for item in self.items)

    @property
    def missing(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if item.status != "met")


def _diagnosis(facts: PriorAuthFacts) -> ChecklistItem:
    mdd = [code for code in facts.diagnoses if code.startswith(MDD_PREFIXES)]
    source = cite("spravato-pi", "bcbs-nc-spravato")
    label = "Diagnosis: major depressive disorder (ICD-10-CM F32/F33)"
    if not mdd:
        return ChecklistItem(
            "diagnosis", label, "missing", "no F32 or F33 diagnosis on the chart", source
        )
    current = [c for c in mdd if (entry := icd10_lookup(c)) and not entry.in_remission]
    if not current:
        return ChecklistItem(
            "diagnosis",
            label,
            "not_met",
            f"{', '.join(mdd)} is MDD in remission, not a current episode",
            cite("spravato-pi-indications", "icd10cm-remission"),
        )
    mdd = current
    psychotic = [c for c in mdd if (entry := icd10_lookup(c)) and entry.psychotic_features]
    if psychotic:
        return ChecklistItem(
            "diagnosis",
            label,
            "not_met",
            f"{', '.join(psychotic)} is MDD with psychotic features",
            source,
        )
    extra = " with suicidal ideation (R45.851)" if SUICIDAL_IDEATION_CODE in facts.diagnoses else ""
    return ChecklistItem("diagnosis", label, "met", f"{', '.join(mdd)}{extra}", source)


def _age(facts: PriorAuthFacts) -> ChecklistItem:
    label = f"Age {ADULT_AGE_YEARS} or over"
    source = cite("spravato-pi", "bcbs-nc-spravato")
    if facts.age_years is None:
        return ChecklistItem("age", label, "missing", "no date of birth on the chart", source)
    status: Status = "met" if facts.age_years >= ADULT_AGE_YEARS else "not_met"
    return ChecklistItem("age", label, status, f"{facts.age_years} years", source)


def _name(trial: MedicationTrial) -> str:
    return " ".join(trial.drug.split())


def _trials(facts: PriorAuthFacts, settings: ClinicSettings) -> ChecklistItem:
    needed = settings.trd_min_adequate_trials
    classes = f" from >= {needed} classes" if settings.trd_require_distinct_classes else ""
    label = (
        f">= {needed} different failed antidepressants{classes} "
        f"(<= {settings.trd_max_improvement_percent:g} % improvement, "
        f">= {settings.trd_min_trial_weeks:g} weeks at adequate dose, current episode)"
    )
    source = cite("spravato-pi-indications", "bcbs-nc-spravato")
    assessment = assess_trd(facts.trials, settings)
    counted = ", ".join(f"{_name(t)} ({t.drug_class})" for t in assessment.counted) or "none"
    detail = (
        f"{assessment.adequate_trials} different antidepressant(s) failed adequately, from "
        f"{assessment.distinct_classes} class(es): {counted}"
    )
    if assessment.set_aside:
        detail += f"; re-trials counted once: {', '.join(map(_name, assessment.set_aside))}"
    if assessment.treatment_resistant:
        return ChecklistItem("trials", label, "met", detail, source)
    status: Status = "missing" if not facts.trials else "not_met"
    return ChecklistItem("trials", label, status, detail, source)


def _rems(facts: PriorAuthFacts) -> ChecklistItem:
    label = "SPRAVATO REMS patient enrolment on file"
    source = cite("spravato-rems")
    if facts.rems_enrolled:
        return ChecklistItem("rems", label, "met", "enrolment recorded", source)
    return ChecklistItem(
        "rems",
        label,
        "missing",
        "record the signed REMS Patient Enrollment Form as a consent",
        source,
    )


def _payer(facts: PriorAuthFacts) -> ChecklistItem:
    label = "Payer and member id"
    source = cite("bcbs-nc-spravato")
    if facts.payer_name and facts.member_id:
        return ChecklistItem(
            "payer", label, "met", f"{facts.payer_name}, member {facts.member_id}", source
        )
    return ChecklistItem("payer", label, "missing", "no active insurance on the chart", source)


def prior_auth_checklist(
    facts: PriorAuthFacts, settings: ClinicSettings | None = None
) -> PriorAuthChecklist:
    """Every payer criterion with met / missing / not_met and what the chart shows."""
    settings = settings or DEFAULT_SETTINGS
    return PriorAuthChecklist(
        (_diagnosis(facts), _age(facts), _trials(facts, settings), _rems(facts), _payer(facts))
    )
