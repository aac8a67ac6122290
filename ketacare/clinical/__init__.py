"""The clinical rules core of ketacare: plain Python and pydantic, no Django.

Every clinical number comes from a data file or a setting that cites its source
(``data/sources.toml``). The software advises; a prescriber decides. Public API (details and
the data-file formats in docs/clinical.md):

Instruments
    ``score(instrument_id, answers, settings=None) -> Score`` scores PHQ-9, PHQ-2, GAD-7,
    PCL-5, MADRS, QIDS-SR16, C-SSRS screener, CADSS, MOAA/S, Y-BOCS and pain NRS with
    item-level detail, severity band, flags (``suicidal_ideation`` ...), PCL-5
    ``provisional_ptsd`` and C-SSRS ``risk``. ``compare(instrument_id, baseline_total,
    current_total, settings=None) -> Change`` gives change, percent change, response and
    remission. ``get_instrument(id)`` returns the definition (items, options, LOINC codes).

Screening
    ``parse_intake(dict) -> Intake`` validates an intake document (``intake_json_schema()``);
    ``screen(intake, settings=None) -> ScreeningResult`` decides eligible /
    needs_prescriber_review / not_eligible for ketamine_iv, ketamine_im, ketamine_intranasal,
    ketamine_sublingual_home and esketamine_nasal, each reason with its source, plus
    treatment resistance (``assess_trd``).

Protocols and dosing
    ``load_protocols()``, ``get_protocol(id) -> Protocol``, ``load_services()``,
    ``calculate_dose(protocol, weight_kg=..., height_cm=None,
    age_years=None, sex=None, concentration_mg_per_ml=None, weight_basis=None,
    dose_mg_per_kg=None, dose_mg_per_kg_per_h=None, dose_mg=None, session_number=1,
    settings=None) -> DoseResult`` (``dose_mg``, ``duration_min``, ``rate_mg_per_h``,
    ``volume_ml``, ``rate_ml_per_h``, ``devices``, ``weight_basis``, ``dose_weight_kg``,
    ``bmi_kg_per_m2``, ``weight_basis_note``, ``cap_note``); a calculated dose above the
    protocol's cap is capped with a warning, a chosen one refused. ``limits``:
    ``check_proposed_session(protocol, history, proposed) -> LimitCheck`` and
    ``accept_session(..., override_reason=None)`` for the spacing, sessions per phase and
    mg per day and week of a course.

Prior authorisation
    ``prior_auth_checklist(PriorAuthFacts, settings=None) -> PriorAuthChecklist``: the Spravato
    payer criteria, each met / missing / not_met with what the chart shows.

Session safety
    ``evaluate_session(vitals_timeline, facts, settings=None) -> SafetyAssessment``: pre-dose
    decision (proceed / prescriber_review / hold), alerts and stops over the timeline, and the
    discharge checklist with ``discharge_allowed``.

Settings and codes
    ``ClinicSettings.from_overrides(dict)`` (every threshold a clinic may set, with default,
    unit, range and source; ``describe_settings()``); ``icd10_lookup(code) -> Code | None``;
    ``DRUG_CLASSES``.

Errors
    ``ClinicalInputError`` (bad caller input; ``.field`` names it), ``SettingsError``,
    ``ClinicalDataError`` (a broken packaged data file, naming file and key),
    ``UnknownIdError`` (unknown instrument, protocol or service id).

Names are exported lazily so that importing ``ketacare.cli.clinical`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketacare.clinical.codes import DRUG_CLASSES, Code, DrugClass, icd10_lookup
    from ketacare.clinical.dosing import DoseResult, calculate_dose
    from ketacare.clinical.errors import ClinicalDataError, ClinicalInputError, UnknownIdError
    from ketacare.clinical.instruments import (
        INSTRUMENT_IDS,
        Change,
        Score,
        compare,
        get_instrument,
        load_instruments,
        score,
    )
    from ketacare.clinical.intake import Intake, intake_json_schema, parse_intake
    from ketacare.clinical.prior_auth import (
        PriorAuthChecklist,
        PriorAuthFacts,
        prior_auth_checklist,
    )
    from ketacare.clinical.protocols import (
        Protocol,
        ServiceType,
        get_protocol,
        load_protocols,
        load_services,
    )
    from ketacare.clinical.safety import (
        SafetyAssessment,
        SessionFacts,
        VitalsReading,
        evaluate_session,
    )
    from ketacare.clinical.screening import ScreeningResult, screen
    from ketacare.clinical.settings import ClinicSettings, SettingsError, describe_settings
    from ketacare.clinical.trd import TrdAssessment, assess_trd

_EXPORTS: dict[str, str] = {
    "DRUG_CLASSES": "codes",
    "Code": "codes",
    "DrugClass": "codes",
    "icd10_lookup": "codes",
    "DoseResult": "dosing",
    "calculate_dose": "dosing",
    "ClinicalDataError": "errors",
    "ClinicalInputError": "errors",
    "UnknownIdError": "errors",
    "INSTRUMENT_IDS": "instruments",
    "Change": "instruments",
    "Score": "instruments",
    "compare": "instruments",
    "get_instrument": "instruments",
    "load_instruments": "instruments",
    "score": "instruments",
    "Intake": "intake",
    "intake_json_schema": "intake",
    "parse_intake": "intake",
    "PriorAuthChecklist": "prior_auth",
    "PriorAuthFacts": "prior_auth",
    "prior_auth_checklist": "prior_auth",
    "Protocol": "protocols",
    "ServiceType": "protocols",
    "get_protocol": "protocols",
    "load_protocols": "protocols",
    "load_services": "protocols",
    "SafetyAssessment": "safety",
    "SessionFacts": "safety",
    "VitalsReading": "safety",
    "evaluate_session": "safety",
    "ScreeningResult": "screening",
    "screen": "screening",
    "ClinicSettings": "settings",
    "SettingsError": "settings",
    "describe_settings": "settings",
    "TrdAssessment": "trd",
    "assess_trd": "trd",
}

__all__ = [
    "Change",
    "ClinicSettings",
    "ClinicalDataError",
    "ClinicalInputError",
    "Code",
    "DRUG_CLASSES",
    "DoseResult",
    "DrugClass",
    "INSTRUMENT_IDS",
    "Intake",
    "PriorAuthChecklist",
    "PriorAuthFacts",
    "Protocol",
    "SafetyAssessment",
    "Score",
    "ScreeningResult",
    "ServiceType",
    "SessionFacts",
    "SettingsError",
    "TrdAssessment",
    "UnknownIdError",
    "VitalsReading",
    "assess_trd",
    "calculate_dose",
    "compare",
    "describe_settings",
    "evaluate_session",
    "get_instrument",
    "get_protocol",
    "icd10_lookup",
    "intake_json_schema",
    "load_instruments",
    "load_protocols",
    "load_services",
    "parse_intake",
    "prior_auth_checklist",
    "score",
    "screen",
]


def __getattr__(name: str) -> Any:
    """Import the defining module on first use of a public name."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ketacare.clinical' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ketacare.clinical.{module}"), name)
