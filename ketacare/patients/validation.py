"""Domain checks on patient data, shared by the pages, the API, the command line and the seed.

Each check returns errors (the value is refused, with the field and the rule named) and flags
(the value is accepted but unusual).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ketacare.clinical import ranges

from . import rules

MRN_MESSAGE = "must be 1–32 letters, digits or hyphens, starting with a letter or digit"
PHONE_MESSAGE = "must be a phone number of 7–24 digits, spaces, +, -, ( or )"
ICD10_MESSAGE = "must be an ICD-10-CM code such as F33.2"


@dataclass
class Findings:
    errors: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def flag(self, message: str) -> None:
        self.flags.append(message)


def _decimal(findings: Findings, name: str, value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        findings.refuse(name, "must be a number")
        return None


def check_range(
    findings: Findings,
    name: str,
    value: object,
    allowed: rules.Range,
    usual: rules.Range | None = None,
    label: str = "",
) -> None:
    number = _decimal(findings, name, value)
    if number is None:
        return
    if not allowed.contains(number):
        findings.refuse(
            name, f"must be between {allowed.low} and {allowed.high} {allowed.unit}; got {number}"
        )
    elif usual is not None and not usual.contains(number):
        findings.flag(
            f"{label or name} {number} {usual.unit} is outside the usual {usual.describe()}"
            " range: please double-check"
        )


def check_not_future(findings: Findings, name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        findings.refuse(name, f"cannot be in the future (today is {today.isoformat()})")


def check_order(findings: Findings, start: str, end: str, values: Mapping[str, Any]) -> None:
    first, last = values.get(start), values.get(end)
    if first is not None and last is not None and last < first:
        findings.refuse(end, f"must be on or after {start.replace('_', ' ')} ({first.isoformat()})")


def check_email(findings: Findings, name: str, value: str) -> None:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            findings.refuse(name, "must be an email address such as name@example.com")


def check_phone(findings: Findings, name: str, value: str) -> None:
    if value and not rules.PHONE_PATTERN.match(value):
        findings.refuse(name, PHONE_MESSAGE)


def check_patient(values: Mapping[str, Any], today: date) -> Findings:
    findings = Findings()
    dob = values.get("date_of_birth")
    if isinstance(dob, date):
        check_not_future(findings, "date_of_birth", dob, today)
        age = rules.years_between(dob, today)
        if dob <= today and age > rules.MAX_AGE_YEARS:
            findings.refuse(
                "date_of_birth", f"gives an age of {age}; at most {rules.MAX_AGE_YEARS} is allowed"
            )
        elif dob <= today and age < rules.ADULT_AGE_YEARS:
            findings.flag(f"The patient is {age}: under {rules.ADULT_AGE_YEARS}, check consent")
    mrn = values.get("mrn")
    if mrn and not rules.MRN_PATTERN.match(mrn):
        findings.refuse("mrn", MRN_MESSAGE)
    for name in ("given_name", "family_name"):
        if name in values and not str(values.get(name) or "").strip():
            findings.refuse(name, "is required")
    check_email(findings, "email", values.get("email") or "")
    check_phone(findings, "phone", values.get("phone") or "")
    return findings


def check_measurement(values: Mapping[str, Any], today: date) -> Findings:
    findings = Findings()
    check_not_future(findings, "measured_on", values.get("measured_on"), today)
    check_range(
        findings,
        "weight_kg",
        values.get("weight_kg"),
        rules.WEIGHT_ALLOWED,
        rules.WEIGHT_USUAL,
        "Weight",
    )
    check_range(
        findings,
        "height_cm",
        values.get("height_cm"),
        rules.HEIGHT_ALLOWED,
        rules.HEIGHT_USUAL,
        "Height",
    )
    bmi = ranges.body_mass_index(values.get("weight_kg"), values.get("height_cm"))
    if bmi is not None and ranges.bmi_is_unusual(bmi):
        findings.flag(
            f"BMI {bmi} kg/m² is unusual (outside {ranges.BMI_TYPICAL_LOW}–"
            f"{ranges.BMI_TYPICAL_BELOW}): check the weight, the height and the dose basis"
        )
    return findings


def check_condition(values: Mapping[str, Any], today: date) -> Findings:
    from ketacare.clinical.codes import icd10_lookup

    findings = Findings()
    code = str(values.get("icd10_code") or "").strip().upper()
    if code:
        if not rules.ICD10_PATTERN.match(code):
            findings.refuse("icd10_code", ICD10_MESSAGE)
        elif icd10_lookup(code) is None:
            findings.refuse(
                "icd10_code",
                f"{code} is not in the clinic's ICD-10-CM code list (see docs/clinical.md)",
            )
    check_not_future(findings, "onset_date", values.get("onset_date"), today)
    return findings


def check_trial(values: Mapping[str, Any], today: date) -> Findings:
    from ketacare.clinical.codes import TRIAL_DRUG_CLASSES

    findings = Findings()
    drug_class = values.get("drug_class")
    # Antidepressants and augmentation strategies: what treatment resistance counts.
    if drug_class is not None and drug_class not in TRIAL_DRUG_CLASSES:
        allowed = ", ".join(sorted(TRIAL_DRUG_CLASSES))
        findings.refuse("drug_class", f"must be one of: {allowed}")
    check_range(
        findings, "dose_mg_per_day", values.get("dose_mg_per_day"), rules.DAILY_DOSE_ALLOWED
    )
    check_range(
        findings,
        "weeks_at_adequate_dose",
        values.get("weeks_at_adequate_dose"),
        rules.ADEQUATE_WEEKS_ALLOWED,
    )
    check_range(
        findings,
        "improvement_percent",
        values.get("improvement_percent"),
        rules.IMPROVEMENT_ALLOWED,
    )
    check_not_future(findings, "start_date", values.get("start_date"), today)
    check_not_future(findings, "end_date", values.get("end_date"), today)
    check_order(findings, "start_date", "end_date", values)
    return findings


def check_related_person(values: Mapping[str, Any], today: date) -> Findings:
    findings = Findings()
    check_phone(findings, "phone", values.get("phone") or "")
    check_email(findings, "email", values.get("email") or "")
    return findings


def check_coverage(values: Mapping[str, Any], today: date) -> Findings:
    findings = Findings()
    check_order(findings, "start_date", "end_date", values)
    return findings


def check_consent(values: Mapping[str, Any], today: date) -> Findings:
    findings = Findings()
    check_not_future(findings, "signed_on", values.get("signed_on"), today)
    return findings


def check_nothing(values: Mapping[str, Any], today: date) -> Findings:
    return Findings()


Checker = Callable[[Mapping[str, Any], date], Findings]
