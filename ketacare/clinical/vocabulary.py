"""Small shared vocabularies (drugs, routes, discharge criteria) used across the core."""

from __future__ import annotations

from typing import Literal, get_args

Drug = Literal["ketamine", "esketamine"]
Route = Literal["iv", "im", "intranasal", "sublingual"]
CareSetting = Literal["clinic", "home"]
#: ``adjusted`` is IBW + 0.4 x (actual - IBW) (``adjusted-body-weight``), for obese patients.
WeightBasis = Literal["actual", "ideal", "adjusted"]

#: Discharge checks a protocol may require; ``safety.discharge`` implements each one.
DischargeCriterion = Literal[
    "observation_time",
    "sedation_resolved",
    "bp_near_baseline",
    "heart_rate_acceptable",
    "spo2_acceptable",
    "dissociation_resolved",
    "ambulating",
    "escort_present",
    "clinician_assessed_ready",
    "no_unresolved_stop",
    "bp_at_40_min",
    "pulse_oximetry_recorded",
    "alerts_acknowledged",
]
DISCHARGE_CRITERIA: tuple[str, ...] = get_args(DischargeCriterion)

#: The integrative care items a treatment plan may carry beside the drug course, by label.
CARE_ITEM_KINDS: dict[str, str] = {
    "talk_therapy": "Talk therapy / CBT",
    "integration": "Integration session",
    "lifestyle": "Lifestyle",
    "nutrition": "Nutrition",
    "other": "Other",
}
